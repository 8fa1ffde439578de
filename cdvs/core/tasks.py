"""Background tasks of the core: the worker's heartbeat.

The scheduler queues `worker_heartbeat` every minute; when the worker runs it, the
health page knows the queue is being served. Every other task the worker finishes
counts as a sign of life too (the `task_finished` signal)."""

import logging

from django.dispatch import receiver
from django_tasks import task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend

from .models import Heartbeat

logger = logging.getLogger(__name__)

WORKER = "travailleur"
SCHEDULER = "planificateur"


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
