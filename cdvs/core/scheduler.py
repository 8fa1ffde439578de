"""Periodic jobs: reminders, alerts, digests, each once per day or per ISO week at a
local time (Europe/Paris). `manage.py run_scheduler` (started by `make run`) checks
every minute which jobs are due and runs their management command; a job missed while
the scheduler was stopped runs as soon as it is back, within the same period. The
commands only queue emails: the worker sends them, with its retries.

Each run is recorded (`ScheduledRun`), unique per job and period, so that two
schedulers on two machines never run a job twice."""

import io
import logging
from dataclasses import dataclass
from datetime import datetime, time

from django.core.management import call_command, get_commands
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    command: str
    at: time
    args: tuple = ()
    weekday: int | None = None  # 0 = Monday: weekly; None: daily
    label: str = ""

    def due_period(self, now: datetime) -> str | None:
        """The period this job owes a run for at `now` (local time), or None."""
        local = timezone.localtime(now)
        if self.weekday is None:
            return local.date().isoformat() if local.time() >= self.at else None
        year, week, weekday = local.isocalendar()
        if (weekday - 1, local.time()) < (self.weekday, self.at):
            return None
        return f"{year}-W{week:02d}"


JOBS = [
    Job(
        "rappels-reunions",
        "send_meeting_reminders",
        time(7, 0),
        label="Rappels des réunions à venir",
    ),
    Job(
        "alertes-appels",
        "send_call_alerts",
        time(7, 30),
        label="Alertes immédiates sur les appels à projets",
    ),
    Job(
        "alertes-appels-hebdo",
        "send_call_alerts",
        time(8, 0),
        args=("--weekly",),
        weekday=0,
        label="Alertes hebdomadaires sur les appels à projets",
    ),
    Job(
        "lettre-actualites",
        "send_news_digest",
        time(8, 30),
        weekday=0,
        label="Lettre hebdomadaire des actualités",
    ),
    Job(
        "rappels-fiches",
        "send_freshness_reminders",
        time(9, 0),
        label="Rappels de mise à jour des fiches de l'annuaire",
    ),
    Job(
        "participation-purge-adresses",
        "purge_participation_emails",
        time(3, 0),
        label="Effacement des adresses des idées des campagnes terminées",
    ),
]


def run_due(now: datetime | None = None, jobs=None) -> list[ScheduledRun]:
    """Run every job due at `now` that has not run for its period yet."""
    now = now or timezone.now()
    known = get_commands()
    runs = []
    for job in JOBS if jobs is None else jobs:
        period = job.due_period(now)
        if period is None or job.command not in known:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, period=period)
        except IntegrityError:
            continue  # already run for this period (here or by another scheduler)
        out = io.StringIO()
        try:
            call_command(job.command, *job.args, stdout=out, stderr=out)
        except Exception as exc:  # recorded, and the other jobs still run
            logger.exception("Tâche planifiée %s en échec", job.name)
            run.failed = True
            out.write(f"\nÉchec : {type(exc).__name__} : {exc}")
        run.output = out.getvalue()[-10_000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["output", "failed", "finished_at"])
        runs.append(run)
    return runs
