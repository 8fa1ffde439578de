"""Every write on documents and actualités goes through these functions, each in one
transaction, with the author recorded in the history. Text extraction and emails are
queued in the same transaction: a write that fails queues nothing."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.models import User
from cdvs.accounts.permissions import (
    can,
    can_view,
)
from cdvs.accounts.tasks import queue_email
from cdvs.core.history import save_with_history
from cdvs.core.jobs import for_each_recipient
from cdvs.territories.models import Kind

from .models import (
    DigestItem,
    DigestSubscription,
    Document,
    DocumentVersion,
    Extraction,
    FileKind,
    News,
    NewsModeration,
    NewsStatus,
)
from .tasks import extract_version_text

logger = logging.getLogger(__name__)


class LibraryError(Exception):
    """A write refused for a reason the user must read (in French)."""


def home_territory(series=None, organisation=None):
    """Whose coordinators look after an item: the instance's commune, else the
    organisation's territory; None for a contract-wide item."""
    if series is not None and series.commune_id:
        return series.commune
    if organisation is not None and organisation.territory_id:
        return organisation.territory
    return None


# ------------------------------------------------------------------ documents


def _queue_extraction(version):
    if version.extraction == Extraction.PENDING:
        extract_version_text.enqueue(version_id=version.pk)


def _store_version(document, upload, checked, user, comment="", sha256=""):
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=(upload.name or "document")[-255:],
        content_type=checked.content_type,
        extension=checked.extension,
        size=upload.size,
        sha256=sha256,
        comment=comment,
        uploaded_by=user if user and user.is_authenticated else None,
        extraction=Extraction.NONE if checked.kind == FileKind.IMAGE else Extraction.PENDING,
    )
    version.file.save(f"{number}.{checked.extension}", upload, save=False)
    version.save()
    document.current_version = version
    document.kind = checked.kind
    document.text = ""
    return version


@transaction.atomic
def create_document(form, user) -> Document:
    document = form.save(commit=False)
    checked = form.checked_type
    document.created_by = user
    document.kind = checked.kind
    document.territory = home_territory(document.series, document.organisation)
    save_with_history(document, user, "Document déposé")
    form.save_m2m()
    version = _store_version(document, form.cleaned_data["file"], checked, user, sha256=form.sha256)
    save_with_history(document, user, "Version 1 déposée")
    _queue_extraction(version)
    return document


@transaction.atomic
def add_version(document: Document, form, user) -> DocumentVersion:
    if document.is_minutes:
        raise LibraryError("Un compte-rendu de réunion se modifie dans l'agenda.")
    document = Document.objects.select_for_update().get(pk=document.pk)
    version = _store_version(
        document,
        form.cleaned_data["file"],
        form.checked_type,
        user,
        comment=form.cleaned_data.get("comment", ""),
        sha256=form.sha256,
    )
    save_with_history(document, user, f"Version {version.number} déposée")
    _queue_extraction(version)
    return version


@transaction.atomic
def update_document(form, user) -> Document:
    document = form.save(commit=False)
    document.territory = home_territory(document.series, document.organisation)
    save_with_history(document, user, "Document modifié")
    form.save_m2m()
    return document


def sync_minutes_document(meeting, minutes) -> Document | None:
    """The published minutes of a meeting, as a document carrying the meeting's
    instance, commune and visibility, pointing to the meeting page."""
    document = Document.all_objects.filter(meeting=meeting).first()
    if minutes is None or minutes.published_at is None:
        return document
    series = meeting.series
    fields = {
        "title": f"Compte-rendu — {meeting.title}, {meeting.when_text()}"[:255],
        "kind": FileKind.MINUTES,
        "visibility": meeting.visibility,
        "series": series,
        "organisation": meeting.organiser or (series.organiser if series else None),
        "territory": series.commune if series and series.commune_id else None,
        "text": "\n\n".join(t for t in (minutes.body, minutes.decisions) if t.strip()),
        "description": "Compte-rendu publié dans l'agenda des instances.",
    }
    if document is None:
        document = Document(
            meeting=meeting, created_at=minutes.published_at, created_by=minutes.published_by
        )
        reason = "Compte-rendu publié"
    elif all(getattr(document, k) == v for k, v in fields.items()) and (
        document.is_deleted == meeting.is_deleted
    ):
        return document
    else:
        reason = "Compte-rendu mis à jour"
    for key, value in fields.items():
        setattr(document, key, value)
    # the meeting in the trash takes its minutes with it (and brings them back)
    document.deleted_at = meeting.deleted_at
    document.deleted_by = meeting.deleted_by
    save_with_history(document, minutes.published_by, reason)
    if meeting.enjeu_id:
        document.enjeux.add(meeting.enjeu_id)
    if series is not None and series.commune_id:
        document.territories.add(series.commune_id)
    return document


# ------------------------------------------------------------------ actualités


def _commune_chain(territory):
    """The territory and those above it (QPV → commune → EPCI)."""
    chain, seen = [], set()
    while territory is not None and territory.pk not in seen:
        seen.add(territory.pk)
        chain.append(territory)
        territory = territory.parent
    return chain


def moderation_required(territory) -> bool:
    """Does the commune (or EPCI) of `territory` want the actualités moderated?"""
    chain = [t for t in _commune_chain(territory) if t.kind in (Kind.COMMUNE, Kind.EPCI)]
    if chain:
        choices = dict(
            NewsModeration.objects.filter(commune__in=chain).values_list("commune_id", "moderated")
        )
        for t in chain:
            if t.pk in choices:
                return choices[t.pk]
    return settings.CDVS_NEWS_MODERATION


@transaction.atomic
def set_moderation(commune, moderated: bool, user) -> NewsModeration:
    """A commune's (or the EPCI's) choice for the actualités of its partners."""
    setting = NewsModeration.objects.filter(commune=commune).first()
    setting = setting or NewsModeration(commune=commune)
    setting.moderated = moderated
    return save_with_history(
        setting,
        user,
        "Actualités modérées avant publication" if moderated else "Actualités publiées directement",
    )


def _may_publish_directly(user, news) -> bool:
    return can(user, "library.moderate", news)


def _check_visibility(user, visibility):
    if not can_view(user, visibility):
        raise LibraryError("Vous ne pouvez pas choisir une visibilité plus large que la vôtre.")


@transaction.atomic
def post_news(form, user) -> News:
    news = form.save(commit=False)
    _check_visibility(user, news.visibility)
    news.author = user
    news.territory = home_territory(organisation=news.organisation)
    if _may_publish_directly(user, news) or not moderation_required(news.territory):
        news.status = NewsStatus.PUBLISHED
        news.published_at = timezone.now()
        reason = "Actualité publiée"
    else:
        news.status = NewsStatus.PENDING
        reason = "Actualité proposée (en attente de modération)"
    save_with_history(news, user, reason)
    form.save_m2m()
    return news


@transaction.atomic
def update_news(form, user) -> News:
    news = form.save(commit=False)
    _check_visibility(user, news.visibility)
    news.territory = home_territory(organisation=news.organisation)
    reason = "Actualité modifiée"
    if not _may_publish_directly(user, news) and moderation_required(news.territory):
        # a moderated commune reads every change before it is published again
        news.status = NewsStatus.PENDING
        reason = "Actualité modifiée (en attente de modération)"
    save_with_history(news, user, reason)
    form.save_m2m()
    return news


@transaction.atomic
def moderate_news(news: News, decision: str, user, note: str = "") -> News:
    if decision == "publier":
        news.status = NewsStatus.PUBLISHED
        news.published_at = news.published_at or timezone.now()
        reason = "Actualité publiée par la coordination"
    elif decision == "refuser":
        news.status = NewsStatus.REJECTED
        reason = "Actualité refusée par la coordination"
    else:
        raise LibraryError("Décision inconnue : choisissez « publier » ou « refuser ».")
    news.moderated_by = user
    news.moderation_note = note[:255]
    save_with_history(news, user, reason)
    return news


# ----------------------------------------------------------------- the digest

UNSUBSCRIBE_SALT = "cdvs.library.digest.unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_from_token(token: str):
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u")).first()


@transaction.atomic
def set_digest(user, active: bool) -> DigestSubscription:
    subscription, _ = DigestSubscription.objects.get_or_create(user=user)
    if subscription.active != active:
        subscription.active = active
        save_with_history(subscription, user, "Abonnement" if active else "Désabonnement")
    return subscription


DIGEST_WINDOW_DAYS = 31
DIGEST_MAX_ITEMS = 30


def digest_items(user, now=None):
    """The published actualités `user` may read that were never sent to them (of the
    last month at most, newest first)."""
    now = now or timezone.now()
    return list(
        News.objects.published()
        .visible_to(user)
        .filter(published_at__gte=now - timedelta(days=DIGEST_WINDOW_DAYS))
        .exclude(digest_items__user=user)
        .select_related("organisation")
        .order_by("-published_at", "-pk")[:DIGEST_MAX_ITEMS]
    )


def send_digest_to(subscription, now=None) -> int:
    """Queue this person's digest (nothing when there is nothing new); records what
    is sent in the same transaction. Returns the number of actualités sent."""
    user = subscription.user
    now = now or timezone.now()
    with transaction.atomic():
        items = digest_items(user, now)
        if not items:
            return 0
        site = settings.SITE_URL.rstrip("/")
        unsubscribe = site + reverse("news:unsubscribe", args=[unsubscribe_token(user)])
        queue_email(
            user.email,
            "library/emails/digest",
            {
                "items": items,
                "user": user,
                "unsubscribe_url": unsubscribe,
                "preferences_url": site + reverse("news:digest"),
            },
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        DigestItem.objects.bulk_create(
            [DigestItem(user=user, news=n, sent_at=now) for n in items], ignore_conflicts=True
        )
        DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
    return len(items)


def send_digests(now=None) -> tuple[int, int]:
    """One email per active subscriber with something new: (emails, items)."""
    subscriptions = DigestSubscription.objects.filter(
        active=True, user__is_active=True
    ).select_related("user")
    # one subscriber whose digest fails is reported, the others receive theirs
    run = for_each_recipient(
        subscriptions.iterator(), lambda s: send_digest_to(s, now), "send_news_digest"
    )
    sent = [n for n in run.results if n]
    return len(sent), sum(sent)
