"""Background work of the meetings: reminders. Emails themselves leave through the
project's single `send_email` task (cdvs.accounts.tasks)."""

from django_tasks import task

from .services import send_reminders


@task()
def send_due_reminders(days_ahead: int = 2):
    """Remind the invited of the meetings of the next days; each meeting once."""
    return {"meetings": send_reminders(days_ahead)}
