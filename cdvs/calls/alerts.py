"""Alerts about calls for projects, sent by `manage.py send_call_alerts` (daily and
weekly cron) through the email queue (`cdvs.accounts.tasks.queue_email`).

Two sources:

- the organisations whose fiche matches a newly published or opened call: its
  members are told (unless they opted out). An organisation matches when
  (1) its type is among the call's eligible carriers (or the call has none),
  (2) its territories (rattachement and intervention) meet the call's (or either side
  has none: contract-wide), and (3) it shares at least one enjeu, thématique or public
  with the call. A call naming no enjeu, thématique nor public targets nobody in
  particular and is announced through saved searches only;
- saved searches: the filters of the list kept by a person, sent daily ("dès la
  publication") or weekly.

A person is told about a call once, whatever the sources (`CallAlertDelivery`, unique
per person and call): never twice in one email, never again in a later one. Each email
only lists calls its recipient may see (visibility, checked by `permissions`), carries
a one-click unsubscribe link (signed token) and the List-Unsubscribe headers.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts import permissions
from cdvs.accounts.models import Membership
from cdvs.accounts.tasks import queue_email
from cdvs.core.jobs import for_each_recipient
from cdvs.directory.models import Organisation
from cdvs.territories.models import Territory

from .filters import apply_filters, clean_filters
from .models import (
    AlertSource,
    CallAlertDelivery,
    CallForProjects,
    Frequency,
    OrganisationAlertOptOut,
    SavedSearch,
    refresh_sort_dates,
)

# a call is "new" for the organisations' alerts when published or opened this recently
NEW_WITHIN_DAYS = 7
UNSUBSCRIBE_SALT = "cdvs.calls.alerts.unsubscribe"
FEED_SALT = "cdvs.calls.saved-search-feed"


# ------------------------------------------------------------------ tokens


def unsubscribe_token(user_id: int, search_id: int | None) -> str:
    """search_id None: the organisations' alerts of this person."""
    return signing.dumps({"u": user_id, "s": search_id or 0}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), (int(data["s"]) or None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def feed_token(search: SavedSearch) -> str:
    return signing.dumps({"s": search.pk, "u": search.user_id}, salt=FEED_SALT)


def read_feed_token(token: str) -> SavedSearch | None:
    try:
        data = signing.loads(token, salt=FEED_SALT)
        search_id, user_id = int(data["s"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (
        SavedSearch.objects.select_related("user")
        .filter(pk=search_id, user_id=user_id, user__is_active=True)
        .first()
    )


@transaction.atomic
def unsubscribe(user_id: int, search_id: int | None) -> str:
    """Stops one alert; returns what was stopped, in French."""
    if search_id is None:
        OrganisationAlertOptOut.objects.get_or_create(user_id=user_id)
        return "les alertes envoyées aux membres de vos organisations"
    search = SavedSearch.objects.filter(pk=search_id, user_id=user_id).first()
    if search is None:
        return "cette alerte (la recherche n'existe plus)"
    search.active = False
    search.save(update_fields=["active"])
    return f"les alertes de la recherche « {search.name} »"


# ------------------------------------------------------------------ matching


@dataclass
class _Org:
    kind: str
    territories: set = field(default_factory=set)
    enjeux: set = field(default_factory=set)
    thematiques: set = field(default_factory=set)
    publics: set = field(default_factory=set)


def _organisations() -> dict[int, _Org]:
    """Every live organisation's competences, read in four queries."""
    orgs = {
        pk: _Org(kind, {territory} if territory else set(), set(), set(thematiques or []),
                 set(publics or []))
        for pk, kind, territory, thematiques, publics in Organisation.objects.values_list(
            "pk", "kind", "territory_id", "thematiques", "publics"
        )
    }  # fmt: skip
    for org_id, enjeu_id in Organisation.enjeux.through.objects.values_list(
        "organisation_id", "enjeu_id"
    ):
        if org_id in orgs:
            orgs[org_id].enjeux.add(enjeu_id)
    for org_id, territory_id in Organisation.territories.through.objects.values_list(
        "organisation_id", "territory_id"
    ):
        if org_id in orgs:
            orgs[org_id].territories.add(territory_id)
    return orgs


def matching_organisations(calls, orgs: dict[int, _Org] | None = None) -> dict[int, set[int]]:
    """call id -> ids of the organisations it concerns (see the module's rule)."""
    calls = list(calls)
    if orgs is None:
        orgs = _organisations()
    ids = [c.pk for c in calls]
    enjeux, territories = defaultdict(set), defaultdict(set)
    for call_id, enjeu_id in CallForProjects.enjeux.through.objects.filter(
        callforprojects_id__in=ids
    ).values_list("callforprojects_id", "enjeu_id"):
        enjeux[call_id].add(enjeu_id)
    for call_id, territory_id in CallForProjects.territories.through.objects.filter(
        callforprojects_id__in=ids
    ).values_list("callforprojects_id", "territory_id"):
        territories[call_id].add(territory_id)
    expanded = {}
    result = {}
    for call in calls:
        call_enjeux = enjeux[call.pk]
        themes, publics = set(call.thematiques or []), set(call.publics or [])
        if not (call_enjeux or themes or publics):
            result[call.pk] = set()
            continue
        area = set()
        for t in territories[call.pk]:
            if t not in expanded:
                expanded[t] = Territory.all_objects.related({t})
            area |= expanded[t]
        kinds = set(call.carriers or [])
        result[call.pk] = {
            pk
            for pk, org in orgs.items()
            if (not kinds or org.kind in kinds)
            and (not area or not org.territories or org.territories & area)
            and (org.enjeux & call_enjeux or org.thematiques & themes or org.publics & publics)
        }
    return result


# ------------------------------------------------------------------ sending


@dataclass
class Email:
    user: object
    source: str
    search: SavedSearch | None
    calls: list


@dataclass
class Report:
    emails: int = 0
    calls: int = 0
    people: set = field(default_factory=set)


def _candidates(today):
    """Calls that may be announced: live and not closed."""
    return CallForProjects.objects.active(today)


def _people(user_ids) -> dict[int, object]:
    """The active people among `user_ids`, with their memberships primed for
    `permissions` (two queries for everyone)."""
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    }
    memberships = defaultdict(dict)
    for user_id, org_id, role in Membership.objects.filter(
        user_id__in=list(users), organisation__deleted_at__isnull=True
    ).values_list("user_id", "organisation_id", "role"):
        memberships[user_id][org_id] = role
    for pk, user in users.items():
        permissions.prime_memberships(user, memberships.get(pk, {}))
    return users


def organisation_emails(today=None, now=None) -> list[Email]:
    now = now or timezone.now()
    today = today or timezone.localdate()
    since = now - timedelta(days=NEW_WITHIN_DAYS)
    new = list(
        _candidates(today)
        .filter(Q(created_at__gte=since) | Q(opens_on__gte=since.date(), opens_on__lte=today))
        .order_by("sort_date", "pk")
    )
    if not new:
        return []
    matches = matching_organisations(new)
    org_ids = set().union(*matches.values())
    members = defaultdict(set)  # user -> organisations
    for user_id, org_id in Membership.objects.filter(organisation_id__in=org_ids).values_list(
        "user_id", "organisation_id"
    ):
        members[user_id].add(org_id)
    opted_out = set(
        OrganisationAlertOptOut.objects.filter(user_id__in=list(members)).values_list(
            "user_id", flat=True
        )
    )
    users = _people([u for u in members if u not in opted_out])

    def email_for(user):
        calls = [c for c in new if matches[c.pk] & members[user.pk] and c.is_visible_to(user)]
        return Email(user, AlertSource.ORGANISATION, None, calls) if calls else None

    run = for_each_recipient(users.values(), email_for, "send_call_alerts")
    return [email for email in run.results if email is not None]


def search_emails(frequency: str, today=None) -> list[Email]:
    today = today or timezone.localdate()
    searches = list(
        SavedSearch.objects.filter(frequency=frequency, active=True, user__is_active=True)
        .exclude(user__email="")
        .order_by("user_id", "pk")
    )
    users = _people({s.user_id for s in searches})

    def email_for(search):
        user = users.get(search.user_id)
        if user is None:
            return None
        filters = clean_filters(QueryDict(search.query))
        filters.setdefault("statut", "")
        if filters["statut"] in ("tous", "clos"):
            filters["statut"] = ""  # an alert never announces a closed call
        since = search.last_sent_at or search.created_at
        qs = apply_filters(CallForProjects.objects.visible_to(user), filters, today).filter(
            Q(created_at__gte=since) | Q(opens_on__gte=since.date(), opens_on__lte=today)
        )
        calls = list(qs.order_by("sort_date", "pk")[:200])
        return Email(user, AlertSource.SEARCH, search, calls) if calls else None

    # a saved search that cannot be read (bad stored filters) is reported, never
    # stops the alerts of the others
    run = for_each_recipient(searches, email_for, "send_call_alerts")
    return [email for email in run.results if email is not None]


def _unsubscribe_url(email: Email) -> str:
    token = unsubscribe_token(email.user.pk, email.search.pk if email.search else None)
    return settings.SITE_URL.rstrip("/") + reverse("calls:unsubscribe", args=[token])


def deliver(emails: list[Email]) -> Report:
    """Sends `emails`, each call at most once per person (in this run and ever)."""
    report = Report()
    user_ids = {e.user.pk for e in emails}
    call_ids = {c.pk for e in emails for c in e.calls}
    told = set(
        CallAlertDelivery.objects.filter(user_id__in=user_ids, call_id__in=call_ids).values_list(
            "user_id", "call_id"
        )
    )
    now = timezone.now()

    def send(email):
        calls = [c for c in email.calls if (email.user.pk, c.pk) not in told]
        calls = list({c.pk: c for c in calls}.values())
        if not calls:
            return
        url = _unsubscribe_url(email)
        with transaction.atomic():
            CallAlertDelivery.objects.bulk_create(
                [
                    CallAlertDelivery(
                        user=email.user, call=c, source=email.source, saved_search=email.search
                    )
                    for c in calls
                ],
                ignore_conflicts=True,
            )
            if email.search is not None:
                SavedSearch.objects.filter(pk=email.search.pk).update(last_sent_at=now)
            queue_email(
                email.user.email,
                "calls/emails/alert",
                {
                    "calls": calls,
                    "search": email.search,
                    "by_organisation": email.source == AlertSource.ORGANISATION,
                    "unsubscribe_url": url,
                    "today": timezone.localdate(),
                },
                headers={
                    "List-Unsubscribe": f"<{url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        told.update((email.user.pk, c.pk) for c in calls)
        report.emails += 1
        report.calls += len(calls)
        report.people.add(email.user.pk)

    # one email that cannot be sent is reported, the others leave
    for_each_recipient(emails, send, "send_call_alerts", describe=_describe_email)
    return report


def _describe_email(email: Email) -> str:
    what = f"recherche n° {email.search.pk}" if email.search else "alerte des organisations"
    return f"personne n° {email.user.pk}, {what}"


def send_alerts(frequency: str, today=None) -> Report:
    """The daily run: saved searches "dès la publication", then the organisations'
    alerts (and recurring calls moved to their current session in the lists); the
    weekly run: weekly saved searches."""
    if frequency == Frequency.INSTANT:
        refresh_sort_dates(today)
        emails = search_emails(Frequency.INSTANT, today) + organisation_emails(today)
    else:
        emails = search_emails(Frequency.WEEKLY, today)
    return deliver(emails)
