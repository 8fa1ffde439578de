"""Every write on meetings goes through these functions, each in one transaction, with
the author recorded in the history. Emails are queued in the same transaction: a
write that fails sends nothing."""

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.models import Membership, User
from cdvs.accounts.permissions import filter_allowed
from cdvs.accounts.tasks import queue_email
from cdvs.core.history import mark_history, save_with_history
from cdvs.core.jobs import for_each_recipient
from cdvs.directory.models import Contact, Organisation
from cdvs.library.models import Document

from . import ics
from .generation import generate
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    ItemStatus,
    Mailing,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Minutes,
    NextStep,
    Unsubscription,
    agenda_order,
)

ICS_FIELDS = ("day", "start", "end", "place", "status", "title")


class MeetingError(Exception):
    """A write refused for a reason the user must read (in French)."""


# ------------------------------------------------------------------- meetings


@transaction.atomic
def update_meeting(meeting: Meeting, changes: dict, user, notify: bool = False) -> Meeting:
    """Set date, hours, place… from a validated form; SEQUENCE + 1 when a calendar must
    update; the meeting then stays where a coordinator put it."""
    before = {name: getattr(meeting, name) for name in ICS_FIELDS}
    for name, value in changes.items():
        setattr(meeting, name, value)
    if meeting.start is not None:
        meeting.day = timezone.localtime(meeting.start).date()
    elif meeting.day is None and before["day"] is not None:
        raise MeetingError("Une réunion datée ne peut pas redevenir « à planifier ».")
    meeting.edited_by_hand = True
    if any(getattr(meeting, n) != before[n] for n in ICS_FIELDS):
        meeting.sequence += 1
    save_with_history(meeting, user, "Modification de la réunion")
    if notify and meeting.invited_at is not None:
        _mail_attendees(meeting, Mailing.Kind.UPDATE, user)
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, reason: str, user, notify: bool = True) -> Meeting:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("Cette réunion est déjà annulée.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    save_with_history(meeting, user, "Annulation")
    if notify and meeting.invited_at is not None:
        _mail_attendees(meeting, Mailing.Kind.CANCELLATION, user)
    return meeting


@transaction.atomic
def reinstate_meeting(meeting: Meeting, user) -> Meeting:
    if meeting.status != MeetingStatus.CANCELLED:
        raise MeetingError("Cette réunion n'est pas annulée.")
    meeting.status = MeetingStatus.PLANNED
    meeting.cancel_reason = ""
    meeting.sequence += 1
    return save_with_history(meeting, user, "Annulation levée")


@transaction.atomic
def create_meeting(form, user) -> Meeting:
    meeting = form.save(commit=False)
    meeting.edited_by_hand = True
    if meeting.series_id:
        meeting.format = meeting.format or meeting.series.format
        meeting.visibility = meeting.series.visibility
        meeting.organiser = meeting.organiser or meeting.series.organiser
    meeting.window_start = meeting.window_end = meeting.day
    return save_with_history(meeting, user, "Création")


@transaction.atomic
def update_series(form, user):
    """Save the rule of an instance and regenerate its meetings (same transaction)."""
    series = save_with_history(form.save(commit=False), user, "Règle de l'instance modifiée")
    form.save_m2m()
    return generate(series, user)


# --------------------------------------------------------------------- agenda


def _next_position(meeting, temps=None):
    top = AgendaItem.objects.filter(meeting=meeting, temps=temps).aggregate(m=Max("position"))
    return (top["m"] or 0) + 1


def _renumber(meeting, temps, user, moved=None):
    """Positions 1, 2, … inside one temps, the heading of the temps first: a point
    never sits above the heading of its temps. `moved` (ordered list) gives the new
    order of the other points; each position that changes is saved with history."""
    siblings = AgendaItem.objects.filter(meeting=meeting, temps=temps).order_by("position", "pk")
    headings = [i for i in siblings if i.heading]
    others = moved if moved is not None else [i for i in siblings if not i.heading]
    for position, item in enumerate(headings + others, start=1):
        if item.position != position:
            item.position = position
            save_with_history(item, user, "Ordre du jour réordonné", update_fields=["position"])


@transaction.atomic
def add_item(meeting: Meeting, form, user) -> AgendaItem:
    item = form.save(commit=False)
    item.meeting = meeting
    item.status = ItemStatus.ACCEPTED
    item.position = _next_position(meeting, item.temps)
    return save_with_history(item, user, "Ajout à l'ordre du jour")


@transaction.atomic
def update_item(form, user) -> AgendaItem:
    """A point moved to another temps goes to the end of that temps."""
    item = form.save(commit=False)
    moved = "temps" in form.changed_data
    if moved:
        item.position = _next_position(item.meeting, item.temps)
    save_with_history(item, user, "Modification de l'ordre du jour")
    if moved:
        _renumber(item.meeting, form.initial.get("temps"), user)
    return item


class Direction:
    UP = "monter"
    DOWN = "descendre"


@transaction.atomic
def move_item(item: AgendaItem, direction: str, user) -> bool:
    """One place up or down inside its temps (the heading of a temps does not move);
    False when the point is already first or last of its temps."""
    if direction not in (Direction.UP, Direction.DOWN):
        raise MeetingError("Déplacement inconnu : choisissez « Monter » ou « Descendre ».")
    if item.heading:
        raise MeetingError("Le titre d'un temps reste en tête de son temps.")
    others = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting_id=item.meeting_id, temps=item.temps, heading=False)
        .order_by("position", "pk")
    )
    index = next(n for n, other in enumerate(others) if other.pk == item.pk)
    target = index - 1 if direction == Direction.UP else index + 1
    if not 0 <= target < len(others):
        return False
    others[index], others[target] = others[target], others[index]
    _renumber(item.meeting, item.temps, user, moved=others)
    return True


@transaction.atomic
def delete_item(item: AgendaItem, user):
    mark_history(item, user, "Retiré de l'ordre du jour").delete()


@transaction.atomic
def propose_item(meeting: Meeting, form, user) -> AgendaItem:
    if meeting.status != MeetingStatus.PLANNED or _is_past(meeting):
        raise MeetingError("On ne peut plus proposer de point pour cette réunion.")
    item = form.save(commit=False)
    item.meeting = meeting
    item.status = ItemStatus.PROPOSED
    item.proposed_by = user
    item.proposed_by_organisation_id = (
        Membership.objects.filter(user=user)
        .order_by("pk")
        .values_list("organisation_id", flat=True)
        .first()
    )
    item.position = _next_position(meeting, item.temps)
    return save_with_history(item, user, "Proposition d'un partenaire")


@transaction.atomic
def decide_item(item: AgendaItem, status: str, user) -> AgendaItem:
    if status not in (ItemStatus.ACCEPTED, ItemStatus.REJECTED):
        raise MeetingError("Décision inconnue.")
    item.status = status
    return save_with_history(item, user, "Décision sur une proposition")


def next_meeting_of(series, after) -> Meeting | None:
    """The next meeting of `series` not cancelled, on or after the date `after`."""
    return Meeting.objects.filter(series=series).upcoming(after).chronological().first()


@transaction.atomic
def raise_item(item: AgendaItem, user) -> AgendaItem:
    """Queue a remontée (conseil de quartier, GPO) for the next meeting of the instance
    it feeds — the point d'actu; confidential items never leave."""
    meeting = item.meeting
    series = meeting.series
    if series is None or series.feeds_into_id is None:
        raise MeetingError("Cette instance ne fait remonter ses points vers aucune autre.")
    if item.confidential:
        raise MeetingError(
            "Ce point est confidentiel : il ne peut pas remonter aux acteurs des QPV."
        )
    if AgendaItem.objects.filter(source_item=item).exists():
        raise MeetingError("Ce point a déjà été remonté.")
    after = max(meeting.sort_date, timezone.localdate())
    target = next_meeting_of(series.feeds_into, after)
    if target is None:
        raise MeetingError(
            f"Aucune réunion « {series.feeds_into.label} » n'est prévue après celle-ci."
        )
    raised = AgendaItem(
        meeting=target,
        title=item.title,
        description=item.description,
        presenter=item.presenter,
        enjeu=item.enjeu,
        temps=1 if target.series and target.series.agenda_template else None,
        status=ItemStatus.PROPOSED,
        proposed_by=user,
        source_item=item,
        source_meeting=meeting,
        position=_next_position(target),
    )
    return save_with_history(raised, user, f"Remontée de « {series.label} »")


def apply_template(meeting: Meeting, user) -> int:
    """Add the three temps of the instance to an empty agenda (temps 3 on its enjeu)."""
    if meeting.series is None or not meeting.series.agenda_template:
        return 0
    if meeting.agenda_items.exists():
        raise MeetingError("L'ordre du jour n'est pas vide : la trame n'a pas été ajoutée.")
    with transaction.atomic():
        for n, part in enumerate(meeting.series.agenda_template, start=1):
            title = part["title"]
            if part.get("temps") == 3 and meeting.enjeu_id:
                title = f"{title} : enjeu {meeting.enjeu.number}"
            save_with_history(
                AgendaItem(
                    meeting=meeting,
                    temps=part.get("temps"),
                    title=title,
                    description=part.get("description", ""),
                    enjeu=meeting.enjeu if part.get("temps") == 3 else None,
                    heading=part.get("temps") is not None,
                    position=n,
                ),
                user,
                "Trame de l'instance",
            )
    return len(meeting.series.agenda_template)


# ----------------------------------------------------------------- attendance


@transaction.atomic
def add_attendee(meeting: Meeting, form, user) -> Attendance:
    attendance = form.save(commit=False)
    attendance.meeting = meeting
    return save_with_history(attendance, user, "Ajout à la liste de présence")


@transaction.atomic
def record_attendance(formset, user):
    for form in formset.forms:
        if form.has_changed():
            save_with_history(form.save(commit=False), user, "Présence enregistrée")


# -------------------------------------------------------------------- minutes


@transaction.atomic
def save_minutes(meeting: Meeting, form, user) -> Minutes:
    minutes = form.save(commit=False)
    minutes.meeting = meeting
    return save_with_history(minutes, user, "Compte-rendu enregistré")


PUBLISH_REASON = "Publication du compte-rendu"


@transaction.atomic
def publish_minutes(meeting: Meeting, user, notify: bool = True, form=None) -> Minutes:
    """Publish the minutes; with `form` (the minutes form as posted, validated), what it
    holds is saved first, in the same transaction and the same history record: the text
    published and mailed is the one on the screen. Each publication is one record of the
    history (reason « Publication du compte-rendu »), so every published version stays."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("Cette réunion a été annulée : son compte-rendu ne peut être publié.")
    if form is not None:
        minutes = form.save(commit=False)
        minutes.meeting = meeting
    else:
        minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or not (minutes.body.strip() or minutes.decisions.strip()):
        raise MeetingError("Le compte-rendu est vide : rien à publier.")
    minutes.published_at = timezone.now()
    minutes.published_by = user
    save_with_history(minutes, user, PUBLISH_REASON)
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
        save_with_history(meeting, user, "Réunion tenue (compte-rendu publié)")
    if notify:
        recipients = recipients_for(meeting)
        if recipients:
            _mail(meeting, Mailing.Kind.MINUTES, recipients, user)
    return minutes


# ----------------------------------------------------------------- next steps


@transaction.atomic
def add_next_step(meeting: Meeting, form, user) -> NextStep:
    step = form.save(commit=False)
    step.meeting = meeting
    return save_with_history(step, user, "Suite à donner ajoutée")


@transaction.atomic
def update_next_step(form, user) -> NextStep:
    step = form.save(commit=False)
    if step.is_open:
        step.closed_at = None
    elif step.closed_at is None:
        step.closed_at = timezone.now()
    return save_with_history(step, user, "Suite à donner mise à jour")


def carried_next_steps(meeting: Meeting):
    """Open next steps of the earlier meetings of the same instance: they come back on
    the agenda of each next meeting until they are done."""
    if meeting.series_id is None:
        return NextStep.objects.none()
    return (
        NextStep.objects.open()
        .filter(meeting__series_id=meeting.series_id, meeting__sort_date__lt=meeting.sort_date)
        .exclude(meeting=meeting)
        .select_related("meeting", "who_organisation", "enjeu", "action__objective")
        .order_by("due_date", "pk")
    )


def with_readable_documents(items, user):
    """Set `readable_document` on each agenda item: its library document when `user`
    may read it (one query), else None — a link never reveals a document's title."""
    items = list(items)
    linked = {i.document_id for i in items if i.document_id}
    readable = Document.objects.visible_to(user).in_bulk(linked, field_name="pk") if linked else {}
    for item in items:
        item.readable_document = readable.get(item.document_id)
    return items


# ---------------------------------------------------------------- invitations

_SPLIT = re.compile(r"[\s,;]+")


def parse_emails(text: str) -> list[str]:
    """The addresses typed by a coordinator; ValidationError (French) listing the invalid."""
    found, invalid = [], []
    for token in _SPLIT.split(text or ""):
        token = token.strip().strip("<>")
        if not token:
            continue
        try:
            validate_email(token)
        except ValidationError:
            invalid.append(token)
            continue
        if token.lower() not in found:
            found.append(token.lower())
    if invalid:
        listed = ", ".join(f"« {t} »" for t in invalid)
        raise ValidationError(
            f"Adresse{'s' if len(invalid) > 1 else ''} électronique{'s' if len(invalid) > 1 else ''} "
            f"non valide{'s' if len(invalid) > 1 else ''} : {listed}. Corrigez-les : aucune "
            "invitation n'a été envoyée."
        )
    return found


def participant_organisation_ids(meeting: Meeting) -> set[int]:
    """The participating organisations (instance, organiser, attendance)."""
    org_ids = set(
        meeting.attendances.exclude(organisation=None).values_list("organisation_id", flat=True)
    )
    if meeting.series_id:
        org_ids |= set(meeting.series.participants.values_list("pk", flat=True))
        if meeting.series.organiser_id:
            org_ids.add(meeting.series.organiser_id)
    if meeting.organiser_id:
        org_ids.add(meeting.organiser_id)
    return org_ids


def participant_emails(meeting: Meeting, org_ids=None) -> list[str]:
    """Members of the participating organisations (instance, organiser, attendance),
    or of `org_ids` among them, and the contacts of their directory fiches who accepted
    to be invited to the contract's instances (no account needed)."""
    return list(participant_addresses(meeting, org_ids))


def participant_addresses(meeting: Meeting, org_ids=None) -> dict[str, int]:
    """{address (lower case): organisation id} of the members and consenting contacts."""
    if org_ids is None:
        org_ids = participant_organisation_ids(meeting)
    contacts = Contact.objects.filter(
        organisation_id__in=org_ids,
        organisation__deleted_at__isnull=True,
        invited_to_instances=True,
    ).exclude(email="")
    members = Membership.objects.filter(
        organisation_id__in=org_ids,
        organisation__deleted_at__isnull=True,
        user__is_active=True,
    ).order_by("-pk")
    found = {}
    for email, org_id in contacts.values_list("email", "organisation_id").order_by("-pk"):
        found[email.lower()] = org_id
    for email, org_id in members.values_list("user__email", "organisation_id"):
        if email:
            found[email.lower()] = org_id
    return found


# ---------------------------------------------------------------- unsubscribing

UNSUBSCRIBE_SALT = "cdvs.meetings.unsubscribe"


def unsubscribe_token(series_id: int, email: str) -> str:
    """The signed part of the link « ne plus recevoir les invitations de cette instance »."""
    return signing.dumps([series_id, email.lower()], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[MeetingSeries, str]:
    """The instance and the address of a link; MeetingError (French) if forged or stale."""
    try:
        series_id, email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        series = MeetingSeries.objects.get(pk=int(series_id))
    except (signing.BadSignature, ValueError, TypeError, MeetingSeries.DoesNotExist):
        raise MeetingError(
            "Ce lien de désinscription n'est pas valide : utilisez le lien complet du "
            "courriel reçu, ou écrivez à l'équipe du contrat de ville."
        ) from None
    return series, str(email)


def unsubscribe_url(meeting: Meeting, email: str) -> str:
    if not meeting.series_id:
        return ""
    path = reverse("meetings:unsubscribe", args=[unsubscribe_token(meeting.series_id, email)])
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def unsubscribe(series: MeetingSeries, email: str) -> Unsubscription:
    """Record that `email` receives nothing more from `series` (idempotent)."""
    existing = Unsubscription.objects.filter(series=series, email=email.lower()).first()
    if existing:
        return existing
    return save_with_history(
        Unsubscription(series=series, email=email.lower()), None, "Désinscription par le lien"
    )


def unsubscribed(meeting: Meeting) -> set[str]:
    if not meeting.series_id:
        return set()
    return set(
        Unsubscription.objects.filter(series_id=meeting.series_id).values_list("email", flat=True)
    )


def recipients_for(meeting: Meeting, extra: list[str] = ()) -> list[str]:
    """Everyone a mailing of `meeting` goes to, minus those who unsubscribed."""
    return sorted(set(_all_recipients(meeting, extra)) - unsubscribed(meeting))


def _all_recipients(meeting: Meeting, extra: list[str] = ()) -> list[str]:
    emails = [e.lower() for e in participant_emails(meeting)]
    emails += [
        e.lower() for e in meeting.attendances.exclude(email="").values_list("email", flat=True)
    ]
    emails += [
        e.lower()
        for e in meeting.attendances.exclude(user=None).values_list("user__email", flat=True)
    ]
    emails += list(extra)
    return sorted(set(emails))


def recipients_shown_to(meeting: Meeting, user) -> tuple[list[str], int]:
    """The planned recipients `user` may read, and how many others there are: the
    members of a participating organisation are shown only where
    ``accounts.view_members`` holds for it (a coordinator of another territory sees
    how many they are, not their addresses)."""
    everyone = recipients_for(meeting)
    org_ids = participant_organisation_ids(meeting)
    readable = set(
        filter_allowed(
            user, "accounts.view_members", Organisation.objects.filter(pk__in=org_ids)
        ).values_list("pk", flat=True)
    )
    hidden = {e.lower() for e in participant_emails(meeting, org_ids - readable)}
    hidden -= {e.lower() for e in participant_emails(meeting, readable)}
    hidden -= {
        e.lower() for e in meeting.attendances.exclude(email="").values_list("email", flat=True)
    }
    hidden -= {
        e.lower()
        for e in meeting.attendances.exclude(user=None).values_list("user__email", flat=True)
    }
    shown = [e for e in everyone if e not in hidden]
    return shown, len(everyone) - len(shown)


@transaction.atomic
def send_invitations(meeting: Meeting, user, extra_emails: list[str] = ()) -> list[str]:
    """Invite everyone concerned: one email each, with the agenda and the ICS."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("Cette réunion est annulée : aucune invitation n'a été envoyée.")
    if meeting.day is None:
        raise MeetingError(
            "La date de cette réunion n'est pas encore fixée : fixez-la avant d'envoyer les "
            "invitations. Aucune invitation n'a été envoyée."
        )
    recipients = recipients_for(meeting, extra_emails)
    if not recipients:
        raise MeetingError(
            "Aucun destinataire : ajoutez des organisations participantes à l'instance ou "
            "saisissez des adresses. Aucune invitation n'a été envoyée."
        )
    known = {
        e.lower() for e in meeting.attendances.exclude(email="").values_list("email", flat=True)
    } | {
        e.lower()
        for e in meeting.attendances.exclude(user=None).values_list("user__email", flat=True)
    }

    users = {u.email.lower(): u for u in User.objects.filter(email__in=recipients)}
    memberships = dict(
        Membership.objects.filter(user__in=users.values())
        .order_by("-pk")
        .values_list("user_id", "organisation_id")
    )
    organisations = participant_addresses(meeting)
    for email in recipients:
        if email in known:
            continue
        person = users.get(email)
        save_with_history(
            Attendance(
                meeting=meeting,
                user=person,
                organisation_id=(
                    memberships.get(person.pk) if person else organisations.get(email)
                ),
                email=email,
                status=AttendanceStatus.INVITED,
            ),
            user,
            "Invitation",
        )
    kind = Mailing.Kind.INVITATION if meeting.invited_at is None else Mailing.Kind.UPDATE
    meeting.invited_at = timezone.now()
    save_with_history(meeting, user, "Invitations envoyées")
    _mail(meeting, kind, recipients, user)
    return recipients


def _mail_attendees(meeting, kind, user):
    recipients = recipients_for(meeting)
    if recipients:
        _mail(meeting, kind, recipients, user)


TEMPLATES = {
    Mailing.Kind.INVITATION: "meetings/emails/invitation",
    Mailing.Kind.UPDATE: "meetings/emails/update",
    Mailing.Kind.CANCELLATION: "meetings/emails/cancellation",
    Mailing.Kind.REMINDER: "meetings/emails/reminder",
    Mailing.Kind.MINUTES: "meetings/emails/minutes",
}


def email_context(meeting: Meeting) -> dict:
    return {
        "meeting": meeting,
        "items": list(
            meeting.agenda_items.retained()
            .shareable()
            .select_related("enjeu")
            .order_by(*agenda_order())
        ),
        "carried": list(carried_next_steps(meeting)),
        "minutes": Minutes.objects.filter(meeting=meeting, published_at__isnull=False).first(),
        "next_steps": list(meeting.next_steps.select_related("who_organisation")),
        "url": ics.meeting_url(meeting),
    }


def _mail(meeting: Meeting, kind: str, recipients: list[str], user=None):
    context = email_context(meeting)
    template = TEMPLATES[kind]
    recipients = sorted(set(recipients) - unsubscribed(meeting))
    for email in recipients:
        attachments = None
        if kind != Mailing.Kind.MINUTES:
            attachments = [
                (
                    "reunion.ics",
                    ics.invitation(meeting, email),
                    "text/calendar; method="
                    + ("CANCEL" if kind == Mailing.Kind.CANCELLATION else "REQUEST"),
                )
            ]
        link = unsubscribe_url(meeting, email)
        headers = {"List-Unsubscribe": f"<{link}>"} if link else None
        queue_email(
            [email],
            template,
            {**context, "unsubscribe_url": link},
            attachments=attachments,
            headers=headers,
        )
    Mailing.objects.create(
        meeting=meeting, kind=kind, recipients=recipients, sent_by=user, sequence=meeting.sequence
    )


def _is_past(meeting: Meeting) -> bool:
    today = timezone.localdate()
    return (meeting.day or meeting.window_end) < today


def due_reminders(days_ahead: int = 2):
    today = timezone.localdate()
    return Meeting.objects.filter(
        status=MeetingStatus.PLANNED,
        invited_at__isnull=False,
        reminded_at__isnull=True,
        day__gte=today,
        day__lte=today + timedelta(days=days_ahead),
    )


def send_reminders(days_ahead: int = 2) -> int:
    """Remind the invited of the meetings of the next `days_ahead` days (once)."""

    def remind(meeting):
        recipients = sorted(
            {
                (a.email or (a.user.email if a.user_id else "")).lower()
                for a in meeting.attendances.select_related("user").exclude(
                    status__in=[AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT]
                )
            }
            - {""}
        )
        recipients = sorted(set(recipients) - unsubscribed(meeting))
        if recipients:
            _mail(meeting, Mailing.Kind.REMINDER, recipients)
        meeting.reminded_at = timezone.now()
        meeting.save(update_fields=["reminded_at"])

    # each meeting in its own transaction: one failure is reported, the others leave
    run = for_each_recipient(
        due_reminders(days_ahead).select_related("series"), remind, "send_meeting_reminders"
    )
    return len(run.results)
