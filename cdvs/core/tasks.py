"""Background tasks of the core: the worker's heartbeat, lost tasks, receipts.

- The scheduler queues `worker_heartbeat` every minute; when the worker runs it, the
  health page knows the queue is being served. Every other task the worker finishes
  counts as a sign of life too (the `task_finished` signal).
- `manage.py run_worker` (the database worker with a liveness beat of its own, every
  `LIVENESS_SECONDS`) lets `requeue_lost_tasks` tell a task whose worker was killed
  from a task still running: the scheduler's tick puts the lost ones back in the queue.
- `once(key)`: an effect done once per task result (an email sent), even when the
  task runs again after its worker died.
- `prune_finished()` (job « taches-terminees »): finished task results are deleted after
  `CDVS_TASK_RESULT_DAYS` days (failed ones after `CDVS_FAILED_TASK_RESULT_DAYS`), never
  a task waiting or running. A receipt is kept as long as a task that could own it may
  still run: it goes with the results of its age, but never while an unfinished task
  enqueued before it was written remains (a task requeued after its worker died and
  still waiting keeps its receipt, so its email is not sent twice).
"""

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Heartbeat, TaskReceipt

logger = logging.getLogger(__name__)

WORKER = "travailleur"
SCHEDULER = "planificateur"
LIVENESS_SECONDS = 30


def liveness_name(worker_id: str) -> str:
    return f"{WORKER}:{worker_id}"[:50]


@task()
def worker_heartbeat():
    Heartbeat.beat(WORKER)


@receiver(task_finished)
def _task_finished(sender, **kwargs):
    """Only the database worker beats (tasks run inline in tests do not); a failure to
    record the beat must never fail the task that just ran."""
    if not (isinstance(sender, type) and issubclass(sender, DatabaseBackend)):
        return
    try:
        Heartbeat.beat(WORKER)
    except Exception:
        logger.warning("Signe de vie du travailleur non enregistré", exc_info=True)


def requeue_lost_tasks(now=None) -> list[str]:
    """Put back in the queue every task left running by a dead worker: one whose
    liveness beat stopped more than `CDVS_WORKER_LOST_AFTER` seconds ago, or, for a
    worker without beat (plain `db_worker`), started more than `CDVS_TASK_LOST_AFTER`
    seconds ago. Returns the ids requeued."""
    now = now or timezone.now()
    silent = now - timedelta(seconds=settings.CDVS_WORKER_LOST_AFTER)
    too_old = now - timedelta(seconds=settings.CDVS_TASK_LOST_AFTER)
    beats = dict(
        Heartbeat.objects.filter(name__startswith=f"{WORKER}:").values_list("name", "beat_at")
    )
    lost = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        beat_at = beats.get(liveness_name(worker))
        if (beat_at is not None and beat_at < silent) or (
            beat_at is None and result.started_at and result.started_at < too_old
        ):
            lost.append(result.pk)
    if lost:
        DBTaskResult.objects.filter(pk__in=lost, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, run_after=now
        )
        logger.warning("Tâches reprises après la perte de leur travailleur : %s", lost)
    Heartbeat.objects.filter(
        name__startswith=f"{WORKER}:", beat_at__lt=now - timedelta(days=1)
    ).delete()  # workers gone for a day
    return [str(pk) for pk in lost]


def prune_finished(now=None) -> tuple[int, int]:
    """Delete the finished task results past their delay and the receipts no task can
    need any more; returns (results deleted, receipts deleted)."""
    now = now or timezone.now()
    done = now - timedelta(days=settings.CDVS_TASK_RESULT_DAYS)
    failed = now - timedelta(days=settings.CDVS_FAILED_TASK_RESULT_DAYS)
    results, _ = (
        DBTaskResult.objects.filter(
            Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=done)
            | Q(status=TaskResultStatus.FAILED, finished_at__lt=failed)
        )
        .exclude(finished_at=None)
        .delete()
    )
    # a receipt is written while its task runs, after the task was enqueued: an
    # unfinished task enqueued before `cutoff` may own any receipt written after it
    oldest_unfinished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).aggregate(oldest=Min("enqueued_at"))["oldest"]
    cutoff = min(done, oldest_unfinished) if oldest_unfinished else done
    receipts, _ = TaskReceipt.objects.filter(done_at__lt=cutoff).delete()
    if results or receipts:
        logger.info("Résultats de tâches effacés : %s, reçus : %s", results, receipts)
    return results, receipts


def once(key: str) -> bool:
    """True the first time for `key` (the effect may be done now), False afterwards."""
    with contextlib.suppress(IntegrityError), transaction.atomic():
        TaskReceipt.objects.create(key=key[:100])
        return True
    return False


def done_before(key: str) -> bool:
    return TaskReceipt.objects.filter(key=key[:100]).exists()
