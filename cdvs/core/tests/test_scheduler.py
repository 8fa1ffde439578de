from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cdvs.core.models import ScheduledRun
from cdvs.core.scheduler import JOBS, Job, run_due

PARIS = ZoneInfo("Europe/Paris")


def at(*args):
    return datetime(*args, tzinfo=PARIS)


def test_a_daily_job_is_due_from_its_time_on_each_day():
    job = Job("quotidienne", "check", time(7, 0))
    assert job.due_period(at(2026, 11, 26, 6, 59)) is None
    assert job.due_period(at(2026, 11, 26, 7, 0)) == "2026-11-26"
    assert job.due_period(at(2026, 11, 26, 23, 0)) == "2026-11-26"


def test_a_weekly_job_is_due_from_its_day_and_time_until_the_end_of_the_week():
    monday = Job("hebdomadaire", "check", time(8, 0), weekday=0)
    assert monday.due_period(at(2026, 11, 23, 7, 59)) is None  # Monday, too early
    assert monday.due_period(at(2026, 11, 23, 8, 0)) == "2026-W48"
    assert monday.due_period(at(2026, 11, 29, 22, 0)) == "2026-W48"  # missed: Sunday still
    thursday = Job("jeudi", "check", time(8, 0), weekday=3)
    assert thursday.due_period(at(2026, 11, 25, 12, 0)) is None  # Wednesday


@pytest.mark.django_db
def test_each_job_runs_once_per_period_and_its_output_is_kept():
    job = Job("verification", "check", time(0, 0))
    first = run_due(at(2026, 11, 26, 10, 0), jobs=[job])
    assert [(r.job, r.period, r.failed) for r in first] == [("verification", "2026-11-26", False)]
    assert "System check identified no issues" in first[0].output
    assert run_due(at(2026, 11, 26, 18, 0), jobs=[job]) == []  # same day: not again
    assert len(run_due(at(2026, 11, 27, 10, 0), jobs=[job])) == 1  # next day
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run():
    broken = Job("cassee", "check", time(0, 0), args=("--tag", "inexistant"))
    fine = Job("saine", "check", time(0, 0))
    runs = run_due(at(2026, 11, 26, 10, 0), jobs=[broken, fine])
    assert [(r.job, r.failed) for r in runs] == [("cassee", True), ("saine", False)]
    assert "Échec" in runs[0].output


@pytest.mark.django_db
def test_on_a_monday_morning_every_product_job_runs_through_the_command(time_machine, capsys):
    from django.core.management import get_commands

    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    call_command("run_scheduler", "--once")
    expected = {job.name for job in JOBS if job.command in get_commands()}
    assert {"rappels-reunions", "alertes-appels", "lettre-actualites"} <= expected
    assert set(ScheduledRun.objects.values_list("job", flat=True)) == expected
    assert not ScheduledRun.objects.filter(failed=True).exists()
    call_command("run_scheduler", "--once")
    assert ScheduledRun.objects.count() == len(expected)
