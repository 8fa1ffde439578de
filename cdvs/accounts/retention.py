"""RGPD: accounts unused for `CDVS_INACTIVE_ACCOUNT_DAYS` days (730 by default) are
anonymised, after a warning email sent `CDVS_INACTIVE_WARNING_DAYS` days (30) before.

Inactive: no login since then (or never, counting from the account's creation).
Logging in after the warning keeps the account (the warning is forgotten). Anonymised:
address replaced by `anonyme-<id>@anonyme.invalid`, names emptied, password unusable,
account closed, memberships removed (their history keeps only the account's number).
Administrators are never anonymised by this job. Run daily by the scheduler."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cdvs.core.french import date_text
from cdvs.core.jobs import for_each_recipient

from .models import InactivityNotice, User
from .tasks import queue_email

ANONYMOUS_DOMAIN = "anonyme.invalid"


def _inactive_since(limit):
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .filter(Q(last_login__lt=limit) | Q(last_login__isnull=True, date_joined__lt=limit))
        .exclude(email__endswith=f"@{ANONYMOUS_DOMAIN}")
    )


def warn(user, today):
    anonymise_on = today + timedelta(days=settings.CDVS_INACTIVE_WARNING_DAYS)
    InactivityNotice.objects.update_or_create(
        user=user, defaults={"warned_at": timezone.now(), "anonymise_on": anonymise_on}
    )
    queue_email(
        user.email,
        "accounts/emails/inactivity_warning",
        {"user": user, "anonymise_on": date_text(anonymise_on, weekday=True)},
    )
    return ("prévenu", user.pk)


def anonymise(user):
    user.email = f"anonyme-{user.pk}@{ANONYMOUS_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save()
    for membership in user.memberships.all():
        membership.delete()
    InactivityNotice.objects.filter(user=user).delete()
    return ("anonymisé", user.pk)


def run(now=None):
    """Forget the warnings of those who came back, anonymise those warned long enough
    ago, warn those who reach the delay; returns (warned, anonymised)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = settings.CDVS_INACTIVE_ACCOUNT_DAYS
    notices = InactivityNotice.objects.select_related("user")
    came_back = [n.pk for n in notices if n.user.last_login and n.user.last_login > n.warned_at]
    InactivityNotice.objects.filter(pk__in=came_back).delete()
    due = _inactive_since(now - timedelta(days=days)).filter(
        inactivity_notice__anonymise_on__lte=today
    )
    anonymised = for_each_recipient(list(due), anonymise, "comptes-inactifs").results
    to_warn = _inactive_since(
        now - timedelta(days=days - settings.CDVS_INACTIVE_WARNING_DAYS)
    ).filter(inactivity_notice__isnull=True)
    warned = for_each_recipient(
        list(to_warn), lambda user: warn(user, today), "comptes-inactifs"
    ).results
    return len(warned), len(anonymised)
