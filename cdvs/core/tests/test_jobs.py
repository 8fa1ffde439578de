"""Periodic jobs serve each recipient apart (`cdvs.core.jobs.for_each_recipient`): one
failure is rolled back, logged and reported to the administrators; the others are
served."""

import datetime
import io
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from cdvs.accounts import tasks as account_tasks
from cdvs.calls import alerts
from cdvs.core.jobs import for_each_recipient
from cdvs.directory import freshness
from cdvs.directory.models import FreshnessReminder, Organisation
from cdvs.library import services as library
from cdvs.library.models import DigestItem, News, NewsStatus
from cdvs.meetings import services as meeting_services

pytestmark = pytest.mark.django_db


def _failing_for(monkeypatch, address):
    real = account_tasks.queue_email

    def queue_email(to, *args, **kwargs):
        if address in (to if isinstance(to, list | tuple) else [to]):
            raise RuntimeError(f"panne d'envoi pour {address}")
        return real(to, *args, **kwargs)

    # each job's module imports queue_email at module level
    for module in (account_tasks, library, freshness, alerts, meeting_services):
        monkeypatch.setattr(module, "queue_email", queue_email)


def _admin_reports(mailoutbox):
    return [m for m in mailoutbox if m.to == ["admin@example.org"]]


def test_one_failure_is_rolled_back_logged_and_reported(world, mailoutbox, caplog):
    organisations = list(Organisation.objects.order_by("pk"))

    def rename(organisation):
        Organisation.objects.filter(pk=organisation.pk).update(name="Renommée")
        if organisation.pk == organisations[1].pk:
            raise ValueError("ligne invalide")
        return organisation.pk

    with caplog.at_level(logging.ERROR, logger="cdvs.jobs"):
        run = for_each_recipient(organisations, rename, "essai")
    assert run.results == [o.pk for o in organisations if o.pk != organisations[1].pk]
    assert run.failed == 1
    # what the failed item wrote is rolled back, the others' writes stay
    names = dict(Organisation.objects.values_list("pk", "name"))
    assert names[organisations[1].pk] == organisations[1].name
    assert names[organisations[0].pk] == "Renommée"
    assert "Tâche essai : échec pour Organisation" in caplog.text
    assert "ValueError: ligne invalide" in caplog.text
    [report] = _admin_reports(mailoutbox)
    assert report.subject.endswith("Tâche « essai » : 1\xa0échec")
    assert "ValueError: ligne invalide" in report.body


def test_admins_setting_wins(world, mailoutbox, settings):
    settings.ADMINS = [("Exploitation", "exploitation@example.org")]
    for_each_recipient([1], lambda item: 1 / 0, "division")
    assert [m.to for m in mailoutbox] == [["exploitation@example.org"]]


def test_no_failure_no_report(world, mailoutbox):
    assert for_each_recipient([1, 2], lambda i: i * 2, "double").results == [2, 4]
    assert mailoutbox == []


def test_freshness_reminders_serve_the_other_fiches(
    world, immediate_tasks, mailoutbox, monkeypatch
):
    now = timezone.now()
    Organisation.objects.update(last_confirmed_at=now)
    stale = [world.organisations["asso_arm"], world.organisations["pv_lille"]]
    Organisation.objects.filter(pk__in=[o.pk for o in stale]).update(
        last_confirmed_at=now - datetime.timedelta(days=400)
    )
    _failing_for(monkeypatch, "membre@example.org")  # the first member of asso_arm
    out = io.StringIO()
    call_command("send_freshness_reminders", stdout=out)
    people = sorted(to for m in mailoutbox for to in m.to if to != "admin@example.org")
    assert people == ["coordination@lille.example.org"]
    # the failed fiche recorded nothing: the next run tries it again
    assert list(FreshnessReminder.objects.values_list("organisation", flat=True)) == [
        world.organisations["pv_lille"].pk
    ]
    [report] = _admin_reports(mailoutbox)
    assert "send_freshness_reminders" in report.subject


def test_news_digest_serves_the_other_subscribers(world, immediate_tasks, mailoutbox, monkeypatch):
    for role in ("porteur", "coordinateur"):
        library.set_digest(world.users[role], True)
    News.objects.create(
        title="Nouvelle publique", body="Texte", visibility="public",
        status=NewsStatus.PUBLISHED, author=world.users["coordinateur"],
        published_at=timezone.now(),
    )  # fmt: skip
    _failing_for(monkeypatch, "porteur@example.org")
    out = io.StringIO()
    call_command("send_news_digest", stdout=out)
    assert out.getvalue().startswith("1 lettre mise en file")
    people = sorted(to for m in mailoutbox for to in m.to if to != "admin@example.org")
    assert people == ["coordination@armentieres.example.org"]
    assert not DigestItem.objects.filter(user=world.users["porteur"]).exists()
    [report] = _admin_reports(mailoutbox)
    assert "send_news_digest" in report.subject
