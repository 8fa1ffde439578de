"""Late-bilan reminders: a bilan of year Y is due on 30 June Y+1; the porteur's people
get one reminder in the month before, then one a month while late; the daily job sends
nothing twice for a period, through the scheduler's JOBS (frozen time)."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cdvs.core import scheduler
from cdvs.evaluation.models import Bilan, BilanReminder

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _run():
    out = StringIO()
    call_command("send_bilan_reminders", stdout=out)
    return out.getvalue()


def test_reminded_before_then_monthly_while_late(action, immediate_tasks, mailoutbox, time_machine):
    bilan = Bilan.objects.create(action=action, year=2025)
    Bilan.objects.create(action=action, year=2024, submitted_on=date(2025, 5, 2))  # transmitted
    time_machine.move_to(datetime(2026, 5, 15, 10, tzinfo=PARIS), tick=False)
    assert "0 courriel(s)" in _run()  # more than a month ahead
    time_machine.move_to(datetime(2026, 6, 5, 10, tzinfo=PARIS), tick=False)
    assert "2 courriel(s) mis en file pour 1 bilan(s)" in _run()
    assert sorted(to for m in mailoutbox for to in m.to) == [
        "membre@example.org", "porteur@example.org"]  # fmt: skip
    assert "30 juin 2026" in mailoutbox[0].body and "Atelier" in mailoutbox[0].subject
    mailoutbox.clear()
    time_machine.move_to(datetime(2026, 6, 30, 10, tzinfo=PARIS), tick=False)
    assert "1 bilan(s) déjà rappelé(s)" in _run() and mailoutbox == []
    time_machine.move_to(datetime(2026, 7, 1, 10, tzinfo=PARIS), tick=False)
    _run()
    assert len(mailoutbox) == 2 and "en retard" in mailoutbox[0].subject
    _run()
    assert len(mailoutbox) == 2  # once per month
    time_machine.move_to(datetime(2026, 8, 3, 10, tzinfo=PARIS), tick=False)
    _run()
    assert len(mailoutbox) == 4
    assert list(BilanReminder.objects.values_list("kind", "period")) == [
        ("avant", "avant"), ("retard", "2026-07"), ("retard", "2026-08")]  # fmt: skip
    bilan.submitted_on = date(2026, 8, 4)
    bilan.save()
    time_machine.move_to(datetime(2026, 9, 3, 10, tzinfo=PARIS), tick=False)
    assert "0 courriel(s)" in _run()


def test_the_scheduler_runs_it_once_a_day(action, immediate_tasks, mailoutbox, time_machine):
    Bilan.objects.create(action=action, year=2025)
    job = next(j for j in scheduler.JOBS if j.name == "rappels-bilans")
    now = datetime(2026, 7, 2, 10, tzinfo=PARIS)
    time_machine.move_to(now, tick=False)
    assert [r.job for r in scheduler.run_due(now, jobs=[job])] == ["rappels-bilans"]
    assert scheduler.run_due(now, jobs=[job]) == []
    assert len(mailoutbox) == 2
