"""RGPD: an account unused for the configured delay is first warned by email, then
anonymised; coming back in between keeps it; administrators are left alone."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from cdvs.accounts.models import InactivityNotice, Membership, User
from cdvs.core.scheduler import JOBS

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, settings, time_machine, immediate_tasks):
    settings.CDVS_INACTIVE_ACCOUNT_DAYS = 365
    settings.CDVS_INACTIVE_WARNING_DAYS = 30
    time_machine.move_to(datetime(2026, 1, 1, 9, 0, tzinfo=PARIS), tick=False)
    User.objects.update(last_login=datetime(2026, 1, 1, 8, 0, tzinfo=PARIS))
    mail.outbox.clear()
    return world


def _run(time_machine, when):
    time_machine.move_to(when, tick=False)
    call_command("anonymise_inactive_accounts", stdout=io.StringIO())


def test_warned_first_then_anonymised_and_administrators_kept(people, time_machine):
    porteur = people.users["porteur"]
    admin = people.users["administrateur"]
    assert Membership.objects.filter(user=porteur).exists()
    # 335 days without login: the warning, once
    _run(time_machine, datetime(2026, 12, 3, 3, 0, tzinfo=PARIS))
    warned = {m.to[0] for m in mail.outbox}
    assert porteur.email in warned and admin.email not in warned
    message = next(m for m in mail.outbox if m.to == [porteur.email])
    assert "anonymisé à partir du samedi 2 janvier 2027" in message.body
    count = len(mail.outbox)
    _run(time_machine, datetime(2026, 12, 4, 3, 0, tzinfo=PARIS))
    assert len(mail.outbox) == count  # not warned again
    # the date given in the warning: anonymised
    _run(time_machine, datetime(2027, 1, 2, 3, 0, tzinfo=PARIS))
    porteur.refresh_from_db()
    assert porteur.email == f"anonyme-{porteur.pk}@anonyme.invalid"
    assert (porteur.first_name, porteur.last_name, porteur.is_active) == ("", "", False)
    assert not porteur.has_usable_password()
    assert not Membership.objects.filter(user=porteur).exists()
    admin.refresh_from_db()
    assert admin.is_active and "anonyme" not in admin.email


def test_logging_in_after_the_warning_keeps_the_account(people, time_machine):
    porteur = people.users["porteur"]
    _run(time_machine, datetime(2026, 12, 3, 3, 0, tzinfo=PARIS))
    assert InactivityNotice.objects.filter(user=porteur).exists()
    User.objects.filter(pk=porteur.pk).update(last_login=datetime(2026, 12, 10, 9, 0, tzinfo=PARIS))
    _run(time_machine, datetime(2027, 1, 2, 3, 0, tzinfo=PARIS))
    porteur.refresh_from_db()
    assert porteur.is_active and "anonyme" not in porteur.email
    assert not InactivityNotice.objects.filter(user=porteur).exists()


def test_the_job_is_scheduled_every_night():
    job = next(j for j in JOBS if j.name == "comptes-inactifs")
    assert job.command == "anonymise_inactive_accounts" and job.weekday is None
    assert job.at.hour == 3
