"""Periodic jobs and mailings serve each recipient apart.

`for_each_recipient(items, fn, job_name)` calls ``fn(item)`` for every item (a saved
search, a subscriber, a meeting to remind, a fiche to update…), each in its own
transaction savepoint: when one item fails, what it wrote is rolled back, the error is
logged (logger ``cdvs.jobs``, with its traceback) and, at the end of the run, reported to
the administrators by email; every other item is served. One bad row never stops a
shared job.
"""

import logging
import traceback
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mail_admins, send_mail
from django.db import transaction

from cdvs.core.french import count

logger = logging.getLogger("cdvs.jobs")

MAX_REPORTED_FAILURES = 20


@dataclass
class JobRun:
    job_name: str
    results: list = field(default_factory=list)  # what `fn` answered, item by item
    failures: list = field(default_factory=list)  # (item description, traceback text)

    @property
    def failed(self) -> int:
        return len(self.failures)


def _describe(item) -> str:
    pk = getattr(item, "pk", None)
    label = f"{type(item).__name__} n° {pk}" if pk is not None else repr(item)
    return label[:200]


def for_each_recipient(items, fn, job_name: str, *, describe=_describe) -> JobRun:
    """Run ``fn(item)`` for each of `items`, one failure never stopping the others;
    returns the `JobRun` (results of the items served, failures). Failures are logged
    and reported to the administrators once per run."""
    run = JobRun(job_name)
    for item in items:
        try:
            with transaction.atomic():
                run.results.append(fn(item))
        except Exception:
            label = describe(item)
            logger.exception("Tâche %s : échec pour %s", job_name, label)
            run.failures.append((label, traceback.format_exc()))
    if run.failures:
        report_failures(run)
    return run


def admin_addresses() -> list[str]:
    """Who hears about failed jobs: ``ADMINS`` when set, else the active
    administrators of the tool."""
    if settings.ADMINS:
        return []  # `mail_admins` reads them

    return sorted(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def report_failures(run: JobRun) -> None:
    """One email to the administrators listing what failed in `run`."""
    subject = f"Tâche « {run.job_name} » : {count(run.failed, 'échec')}"
    lines = [
        f"La tâche « {run.job_name} » n'a pas pu servir {count(run.failed, 'destinataire')} ; "
        "les autres ont été servis.",
        "",
    ]
    for label, text in run.failures[:MAX_REPORTED_FAILURES]:
        lines += [f"— {label}", text, ""]
    if run.failed > MAX_REPORTED_FAILURES:
        lines.append(
            f"… et {count(run.failed - MAX_REPORTED_FAILURES, 'autre échec', 'autres échecs')}."
        )
    message = "\n".join(lines)
    try:
        if settings.ADMINS:
            mail_admins(subject, message)
        else:
            recipients = admin_addresses()
            if recipients:
                prefix = settings.EMAIL_SUBJECT_PREFIX
                send_mail(f"{prefix}{subject}", message, settings.SERVER_EMAIL, recipients)
    except Exception:  # the report must never break the job either
        logger.exception("Tâche %s : rapport d'échec non envoyé", run.job_name)
