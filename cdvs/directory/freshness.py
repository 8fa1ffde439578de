"""Freshness of the fiches: the daily reminder to the members of the organisations
whose fiche is due for update (once per due period), and the coordinators' lists."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.models import Membership
from cdvs.accounts.tasks import queue_email
from cdvs.core.jobs import for_each_recipient

from .models import FreshnessReminder, Organisation


@dataclass
class Report:
    fiches: int = 0
    emails: int = 0
    already: int = 0
    orphaned: int = 0


def send_reminders(now=None) -> Report:
    """Queue a reminder to every member of each stale fiche not reminded yet for its
    current due period; the record and the emails are written in one transaction
    (the unique record makes a second run, or a concurrent one, send nothing)."""
    now = now or timezone.now()
    report = Report()
    stale = list(Organisation.objects.stale(now).order_by("pk"))
    periods = {o.pk: FreshnessReminder.period_of(o) for o in stale}
    sent = set(
        FreshnessReminder.objects.filter(organisation_id__in=list(periods)).values_list(
            "organisation_id", "period"
        )
    )
    members: dict[int, list[str]] = {}
    for org_id, email in Membership.objects.filter(
        organisation_id__in=list(periods), user__is_active=True
    ).values_list("organisation_id", "user__email"):
        members.setdefault(org_id, []).append(email)
    site = settings.SITE_URL.rstrip("/")

    def remind(organisation):
        if (organisation.pk, periods[organisation.pk]) in sent:
            report.already += 1
            return
        emails = sorted(set(members.get(organisation.pk, [])))
        if not emails:
            report.orphaned += 1
            return
        context = {
            "organisation": organisation,
            "fiche_url": site + organisation.get_absolute_url(),
            "confirm_url": site + reverse("directory:confirm", args=[organisation.pk]),
            "edit_url": site + reverse("directory:edit", args=[organisation.pk]),
        }
        try:
            with transaction.atomic():
                FreshnessReminder.objects.create(
                    organisation=organisation,
                    period=periods[organisation.pk],
                    recipients=len(emails),
                )
                for email in emails:
                    queue_email(email, "directory/emails/freshness", context)
        except IntegrityError:  # another run recorded it meanwhile
            report.already += 1
            return
        report.fiches += 1
        report.emails += len(emails)

    # one fiche that fails is reported, the others are reminded
    for_each_recipient(stale, remind, "send_freshness_reminders")
    return report
