"""Periodic jobs: reminders, alerts, digests, each once per day or per ISO week at a
local time (Europe/Paris), run by APScheduler (`manage.py run_scheduler`, started by
`make run`): each job has a cron trigger at its time, and a one-minute tick records the
scheduler's sign of life, queues the worker's heartbeat and catches up any run owed —
a job missed while the scheduler was stopped (or the database away) runs as soon as it
is back, within the same period. The commands only queue emails: the worker sends
them, with its retries.

Each run is recorded (`ScheduledRun`), unique per job and period: the row is the lock in
the database, so two schedulers on two machines never run a job twice."""

import io
import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from .models import Heartbeat, ScheduledRun
from .tasks import SCHEDULER, requeue_lost_tasks, worker_heartbeat

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

    def trigger(self) -> CronTrigger:
        """APScheduler's trigger for this job: its time, each day or on its weekday."""
        return CronTrigger(
            day_of_week="*" if self.weekday is None else str(self.weekday),
            hour=self.at.hour,
            minute=self.at.minute,
            timezone=ZoneInfo(settings.TIME_ZONE),
        )

    @property
    def when(self) -> str:
        return "chaque jour" if self.weekday is None else "chaque semaine"


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
        "rappels-bilans",
        "send_bilan_reminders",
        time(9, 30),
        label="Rappels des bilans des porteurs (avant le 30 juin, puis chaque mois de retard)",
    ),
    Job(
        "participation-purge-adresses",
        "purge_participation_emails",
        time(3, 0),
        label="Effacement des adresses des idées des campagnes terminées",
    ),
    Job(
        "comptes-inactifs",
        "anonymise_inactive_accounts",
        time(3, 0),
        label="Avertissement puis anonymisation des comptes inactifs",
    ),
    Job(
        "taches-terminees",
        "prune_task_results",
        time(4, 0),
        label="Effacement des résultats des tâches de fond terminées",
    ),
    Job(
        "cycle-cpo",
        "create_cpo_cycle",
        time(6, 0),
        label="Copil de suivi annuel et dialogue de gestion de l'année des actions en CPO",
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
        if ScheduledRun.objects.filter(job=job.name, period=period).exists():
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


def tick(now: datetime | None = None) -> list[ScheduledRun]:
    """Every minute: the scheduler's sign of life, the tasks of a dead worker put back
    in the queue, the worker's heartbeat queued (the worker beats when it runs it), and
    every run owed caught up."""
    Heartbeat.beat(SCHEDULER)
    requeue_lost_tasks()
    worker_heartbeat.enqueue()
    return run_due(now)


def _in_thread(fn, *args):
    """An APScheduler job runs in a thread of its own: fresh database connections."""
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


def _run_job(name: str):
    return run_due(jobs=[job for job in JOBS if job.name == name])


def build_scheduler(scheduler_class=BlockingScheduler, jobs=None):
    """The scheduler of every job of `JOBS` plus the one-minute tick (which runs at
    start, so that runs missed while stopped are caught up at once). One job at a time;
    a trigger missed (process busy or asleep) fires once when it can."""
    scheduler = scheduler_class(
        timezone=ZoneInfo(settings.TIME_ZONE),
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for job in JOBS if jobs is None else jobs:
        scheduler.add_job(
            _in_thread, job.trigger(), args=[_run_job, job.name], id=job.name, name=job.label
        )
    scheduler.add_job(
        _in_thread,
        IntervalTrigger(minutes=1),
        args=[tick],
        id="signe-de-vie",
        name="Signe de vie et rattrapage",
        next_run_time=timezone.now(),
    )
    return scheduler
