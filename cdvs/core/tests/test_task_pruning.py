"""Old task results are pruned by a scheduled job, never a task waiting or running; the
receipts of once-only effects stay while a task that may own them can still run."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cdvs.core.french import NBSP
from cdvs.core.models import TaskReceipt
from cdvs.core.scheduler import JOBS, run_due
from cdvs.core.tasks import once, prune_finished, worker_heartbeat

pytestmark = pytest.mark.django_db


def _task(status, finished_days_ago=None):
    result = worker_heartbeat.enqueue()
    fields = {"status": status}
    if finished_days_ago is not None:
        fields["finished_at"] = timezone.now() - timedelta(days=finished_days_ago)
    DBTaskResult.objects.filter(pk=result.id).update(**fields)
    return str(result.id)


def _left():
    return {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}


def test_finished_results_go_after_their_delay_never_unfinished_ones(
    frozen, time_machine, settings
):
    settings.CDVS_TASK_RESULT_DAYS = 14
    settings.CDVS_FAILED_TASK_RESULT_DAYS = 30
    old_done = _task(TaskResultStatus.SUCCESSFUL, 15)
    recent_done = _task(TaskResultStatus.SUCCESSFUL, 13)
    old_failed = _task(TaskResultStatus.FAILED, 31)
    recent_failed = _task(TaskResultStatus.FAILED, 20)
    waiting = _task(TaskResultStatus.READY)
    running = _task(TaskResultStatus.RUNNING)
    DBTaskResult.objects.filter(pk__in=[waiting, running]).update(
        enqueued_at=timezone.now() - timedelta(days=400)
    )

    assert prune_finished()[0] == 2
    assert _left() == {recent_done, recent_failed, waiting, running}
    assert not {old_done, old_failed} & _left()

    time_machine.shift(timedelta(days=365))
    prune_finished()
    assert _left() == {waiting, running}  # whatever their age


def test_receipts_stay_while_an_older_unfinished_task_may_own_them(frozen, time_machine):
    waiting = _task(TaskResultStatus.READY)  # requeued after its worker died, say
    assert once("courriel:en-attente")
    time_machine.shift(timedelta(days=60))
    assert once("courriel:recent")
    prune_finished()
    assert set(TaskReceipt.objects.values_list("key", flat=True)) == {
        "courriel:en-attente",
        "courriel:recent",
    }

    DBTaskResult.objects.filter(pk=waiting).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
    )
    assert prune_finished()[1] == 1  # the 60-day-old receipt, no task can need it now
    assert set(TaskReceipt.objects.values_list("key", flat=True)) == {"courriel:recent"}
    # its result goes after its own delay
    time_machine.shift(timedelta(days=15))
    assert prune_finished() == (1, 1)


def test_the_job_runs_once_a_day(frozen, time_machine, settings):
    settings.CDVS_TASK_RESULT_DAYS = 1
    job = next(job for job in JOBS if job.name == "taches-terminees")
    assert job.command == "prune_task_results" and job.weekday is None
    time_machine.move_to("2025-01-16 04:05:00+01:00", tick=False)
    old = _task(TaskResultStatus.SUCCESSFUL, 2)
    runs = run_due(jobs=[job])
    assert [run.period for run in runs] == ["2025-01-16"]
    assert f"Effacés : 1{NBSP}résultat de tâche" in runs[0].output
    assert old not in _left()
    assert run_due(jobs=[job]) == []  # once per period


def test_the_command_says_what_it_did(frozen, capsys):
    _task(TaskResultStatus.SUCCESSFUL, 100)
    call_command("prune_task_results")
    out = capsys.readouterr().out
    assert f"1{NBSP}résultat de tâche" in out and f"14{NBSP}jours" in out
