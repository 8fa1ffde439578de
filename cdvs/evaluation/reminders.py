"""Reminders of the bilans due from the porteurs: a bilan is due within six months of
the year's end (30 June of the next year). The porteur's people are reminded once in
the month before the due date, then once a month while the bilan is late; each
reminder is recorded (`BilanReminder`, unique per bilan, kind and period) in the same
transaction as its emails, so a second run the same day sends nothing."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cdvs.accounts.models import Membership
from cdvs.accounts.tasks import queue_email
from cdvs.core.jobs import for_each_recipient

from .models import Bilan, BilanReminder, ReminderKind

BEFORE_DAYS = 30


@dataclass
class Report:
    bilans: int = 0
    emails: int = 0
    already: int = 0
    orphaned: int = 0


def _due(today):
    """(bilan, kind, period) for every bilan not transmitted that is owed a reminder."""
    # a bilan of year Y is due on 30 June Y+1: none of a later year is due within the window
    last_year = (today + timedelta(days=BEFORE_DAYS)).year - 1
    qs = Bilan.objects.filter(submitted_on=None, year__lte=last_year)
    for bilan in qs.select_related("action__porteur").order_by("year", "pk"):
        if today > bilan.due_on:
            yield bilan, ReminderKind.LATE, f"{today:%Y-%m}"
        elif bilan.due_on - timedelta(days=BEFORE_DAYS) <= today:
            yield bilan, ReminderKind.BEFORE, "avant"


def send_reminders(today=None) -> Report:
    today = today or timezone.localdate()
    report = Report()
    due = list(_due(today))
    bilan_ids = [b.pk for b, _, _ in due]
    sent = set(
        BilanReminder.objects.filter(bilan_id__in=bilan_ids).values_list(
            "bilan_id", "kind", "period"
        )
    )
    members: dict[int, set[str]] = {}
    orgs = {b.action.porteur_id for b, _, _ in due}
    for org_id, email in Membership.objects.filter(
        organisation_id__in=orgs, user__is_active=True
    ).values_list("organisation_id", "user__email"):
        members.setdefault(org_id, set()).add(email)
    site = settings.SITE_URL.rstrip("/")

    def remind(item):
        bilan, kind, period = item
        if (bilan.pk, kind, period) in sent:
            report.already += 1
            return
        emails = sorted(members.get(bilan.action.porteur_id, ()))
        if not emails:
            report.orphaned += 1
            return
        context = {"bilan": bilan, "late": kind == ReminderKind.LATE,
                   "bilan_url": site + bilan.get_absolute_url()}  # fmt: skip
        try:
            with transaction.atomic():
                BilanReminder.objects.create(bilan=bilan, kind=kind, period=period,
                                             recipients=len(emails))  # fmt: skip
                for email in emails:
                    queue_email(email, "evaluation/emails/bilan_reminder", context)
        except IntegrityError:  # another run recorded it meanwhile
            report.already += 1
            return
        report.bilans += 1
        report.emails += len(emails)

    for_each_recipient(
        due, remind, "send_bilan_reminders", describe=lambda i: f"Bilan n° {i[0].pk}"
    )
    return report
