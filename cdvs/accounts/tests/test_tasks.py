import base64
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cdvs.accounts.tasks import MAX_ATTEMPTS, binary_attachment, queue_email, send_email


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_email_goes_through_the_database_queue_and_the_worker(settings):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    result = send_email.enqueue(
        to=["camille@example.org"],
        subject="Compte-rendu\n de la réunion",
        text="Bonjour,\nle compte-rendu est joint.",
        html="<p>Bonjour,</p><p>le compte-rendu est joint.</p>",
        attachments=[
            ("reunion.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
            binary_attachment("cr.pdf", b"%PDF-1.4\x00\xff", "application/pdf"),
        ],
    )
    assert mail.outbox == []
    assert DBTaskResult.objects.ready().count() == 1

    run_worker()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@example.org"]
    assert message.subject == "Compte-rendu de la réunion"
    assert message.body.startswith("Bonjour")
    assert message.alternatives[0].mimetype == "text/html"
    names = [a.filename for a in message.attachments]
    assert names == ["reunion.ics", "cr.pdf"]
    assert message.attachments[1].content == b"%PDF-1.4\x00\xff"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"to": ["camille@example.org"], "attempt": 1}


@pytest.mark.django_db(transaction=True)
def test_temporary_failure_is_retried_later_with_a_new_task():
    send_email.enqueue(to="a@example.org", subject="Essai", text="Corps")
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=smtplib.SMTPServerDisconnected("serveur parti"),
    ):
        run_worker()
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "TemporaryEmailError" in failed.exception_class_path
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now() + timedelta(seconds=30)
    assert mail.outbox == []

    # the retry is not due yet; once due, the worker sends the email
    run_worker()
    assert mail.outbox == []
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_permanent_failure_and_last_attempt_are_not_retried():
    send_email.enqueue(to="a@example.org", subject="Essai", text="Corps")
    send_email.enqueue(to="b@example.org", subject="Essai", text="Corps", attempt=MAX_ATTEMPTS)
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"inconnu")})
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=[refused, ConnectionRefusedError()],
    ):
        run_worker()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 2
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_sends_nothing():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send_email.enqueue(to="a@example.org", subject="Essai", text="Corps")
        raise RuntimeError("échec de l'écriture")
    run_worker()
    assert mail.outbox == []


def test_queue_email_renders_french_templates(world, immediate_tasks, mailoutbox):

    from cdvs.accounts.models import Invitation

    invitation = Invitation.objects.create(
        email="x@example.org", organisation=world.organisations["asso_arm"], role="membre"
    )
    queue_email(
        "x@example.org",
        "accounts/emails/invitation",
        {"invitation": invitation, "url": "http://t/lien", "inviter": None, "has_account": False},
        attachments=[("note.txt", "texte", "text/plain")],
    )
    (message,) = mailoutbox
    assert message.subject == (
        "Invitation à rejoindre Centre social du Bizet sur l'outil partagé du contrat de ville"
    )
    assert "«\u00a0Centre social du Bizet\u00a0»" in message.body
    assert "&#x27;" not in message.body  # plain text is not HTML-escaped
    html = message.alternatives[0].content
    assert 'lang="fr"' in html and "http://t/lien" in html
    assert message.attachments[0].filename == "note.txt"


def test_binary_attachment_is_json_friendly():
    name, content, mimetype = binary_attachment("a.bin", b"\x00\x01", "application/octet-stream")
    assert base64.b64decode(content["base64"]) == b"\x00\x01"
