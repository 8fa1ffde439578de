"""Emails leave the product through one background task, `send_email`.

Every app sends its emails with it (invitations, password reset, minutes, reminders):

    from cdvs.accounts.tasks import queue_email
    queue_email(to, "meetings/emails/invitation", {"meeting": meeting},
                attachments=[("reunion.ics", ics_text, "text/calendar")])

`queue_email` renders ``<template>_subject.txt``, ``<template>.txt`` and
``<template>.html`` now, in French, and enqueues plain data only (the queue stores
JSON): the recipient list, the subject, both bodies and the attachments as
``(filename, content, mimetype)``, where content is text or ``{"base64": "..."}`` for
binary files. With the database backend the task row is written in the caller's
transaction: a rolled-back write sends nothing.

A temporary failure (SMTP server down, 4xx answer) is retried later with a growing
delay, up to `MAX_ATTEMPTS` attempts; each attempt is a task result of its own, so
the failed ones stay visible in the task admin.
"""

import base64
import contextlib
import logging
import re
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from cdvs.core.french import punctuate, punctuate_text
from cdvs.core.tasks import done_before, once

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# delay before attempt n+1, after attempt n failed
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
]


class TemporaryEmailError(Exception):
    """The email could not be sent this time; another attempt is queued."""


def _is_temporary(exc: Exception) -> bool:
    """Worth another try later? (smtplib's errors are OSErrors: order matters)"""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPException):
        return False
    return isinstance(exc, OSError)  # connection refused, timeout, DNS


def _as_list(to) -> list[str]:
    return [to] if isinstance(to, str) else list(to)


def one_line(subject: str) -> str:
    """A subject on one line; the no-break spaces of French typography are kept."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", subject).strip()


def _content(content):
    if isinstance(content, dict):
        return base64.b64decode(content["base64"])
    return content


def build_message(to, subject, text, html="", attachments=(), reply_to=None, headers=None):
    """The message as sent, with the French punctuation of the pages (`french.punctuate`)."""
    message = EmailMultiAlternatives(
        subject=punctuate_text(one_line(subject)),
        body=punctuate_text(text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=_as_list(to),
        reply_to=_as_list(reply_to) if reply_to else None,
        headers=dict(headers) if headers else None,
    )
    if html:
        message.attach_alternative(punctuate(html), "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, _content(content), mimetype)
    return message


@task(takes_context=True)
def send_email(
    context, to, subject, text, html="", attachments=None, reply_to=None, attempt=1, headers=None
):
    """Send one email (plain text + optional HTML); JSON-serialisable arguments only.
    `headers`: extra headers, e.g. List-Unsubscribe for digests.

    From the database queue, a sent email leaves a receipt keyed by the task's id: when
    the worker was killed after sending but before recording success, the task runs
    again (`core.tasks.requeue_lost_tasks`) and does not send it twice."""
    receipt = None
    if isinstance(send_email.get_backend(), DatabaseBackend):
        receipt = f"courriel:{context.task_result.id}"
        if done_before(receipt):
            return {"to": _as_list(to), "attempt": attempt, "deja_envoye": True}
    message = build_message(to, subject, text, html, attachments, reply_to, headers)
    try:
        _send(message, receipt)
    except Exception as exc:
        if not _is_temporary(exc) or attempt >= MAX_ATTEMPTS:
            raise
        retry = send_email
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + delay)
        retry.enqueue(
            to=to,
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
            reply_to=reply_to,
            attempt=attempt + 1,
            headers=headers,
        )
        logger.warning("Envoi du courriel reporté (tentative %s) : %s", attempt, exc)
        raise TemporaryEmailError(f"Tentative {attempt} échouée, nouvel essai programmé") from exc
    return {"to": _as_list(to), "attempt": attempt}


def _send(message, receipt):
    """Send on a connection of our own, so that the receipt is written as soon as the
    server has accepted the message, before the connection is closed (QUIT)."""
    connection = get_connection()
    message.connection = connection
    connection.open()
    try:
        message.send()
        if receipt:
            once(receipt)
    except BaseException:
        connection.close()
        raise
    # accepted: a failure to say goodbye must not send it again
    with contextlib.suppress(Exception):
        connection.close()


def binary_attachment(filename: str, content: bytes, mimetype: str):
    """An attachment for `send_email` carrying bytes (PDF, ODT…)."""
    return (filename, {"base64": base64.b64encode(content).decode("ascii")}, mimetype)


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) from ``<template>_subject.txt``, ``.txt`` and ``.html``."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = render_to_string(f"{template}_subject.txt", context)
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return one_line(subject), text, html


def queue_email(to, template: str, context: dict, attachments=None, reply_to=None, headers=None):
    """Render an email now and hand it to the queue; returns the task result."""
    subject, text, html = render_email(template, context)
    return send_email.enqueue(
        to=_as_list(to),
        subject=subject,
        text=text,
        html=html,
        attachments=[list(a) for a in attachments or []],
        reply_to=reply_to,
        headers=dict(headers) if headers else None,
    )
