"""Drill « worker killed in the middle of a job »: its task goes back to the queue, runs
again, and an email already handed to the SMTP server is not sent twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cdvs.accounts.tasks import send_email
from cdvs.core.models import Heartbeat, TaskReceipt
from cdvs.core.tasks import liveness_name, requeue_lost_tasks

pytestmark = pytest.mark.django_db(
    transaction=True
)  # the worker closes a connection left in a transaction (PostgreSQL)


def _worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _killed(result, worker="mort", silent_for=timedelta(minutes=5)):
    """The state a SIGKILL leaves: the task claimed and running, its worker silent."""
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker)
    Heartbeat.objects.update_or_create(
        name=liveness_name(worker), defaults={"beat_at": timezone.now() - silent_for}
    )
    return row


def test_a_task_of_a_killed_worker_is_requeued_and_the_email_goes_once():
    result = send_email.enqueue(to=["a@example.org"], subject="Rappel", text="Bonjour")
    _killed(result)  # killed before sending
    _worker()
    assert mail.outbox == []  # a running task is not taken by another worker

    assert requeue_lost_tasks() == [str(result.id)]
    _worker()
    assert [m.subject for m in mail.outbox] == ["Rappel"]
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


def test_killed_after_sending_the_email_is_not_sent_twice():
    result = send_email.enqueue(to=["a@example.org"], subject="Rappel", text="Bonjour")
    _worker()
    assert len(mail.outbox) == 1
    assert TaskReceipt.objects.filter(key=f"courriel:{result.id}").exists()
    # the worker had sent it but was killed before recording success
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.READY)
    _killed(result)
    assert requeue_lost_tasks() == [str(result.id)]
    _worker()
    assert len(mail.outbox) == 1  # not twice
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value["deja_envoye"] is True


def test_a_task_still_running_on_a_live_worker_is_left_alone():
    result = send_email.enqueue(to=["a@example.org"], subject="Rappel", text="Bonjour")
    _killed(result, worker="vivant", silent_for=timedelta(seconds=10))
    assert requeue_lost_tasks() == []
    # a worker without beat (plain db_worker): only after CDVS_TASK_LOST_AFTER
    other = send_email.enqueue(to=["b@example.org"], subject="Autre", text="Bonjour")
    row = DBTaskResult.objects.get(pk=other.id)
    row.claim("sans-signe-de-vie")
    assert requeue_lost_tasks() == []
    later = timezone.now() + timedelta(hours=2)
    assert set(requeue_lost_tasks(later)) == {str(other.id), str(result.id)}


def test_run_worker_beats_while_it_serves_the_queue():
    result = send_email.enqueue(to=["a@example.org"], subject="Rappel", text="Bonjour")
    call_command(
        "run_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--worker-id",
        "essai",
        verbosity=0,
    )
    assert Heartbeat.objects.filter(name=liveness_name("essai")).exists()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert len(mail.outbox) == 1
