"""Members' addresses follow `accounts.view_members` on the invitations page too, and
one meeting whose reminder fails never stops the others'."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cdvs.meetings import services
from cdvs.meetings.models import Attendance, Meeting

pytestmark = pytest.mark.django_db


def test_a_coordinator_of_another_territory_never_reads_the_members_addresses(
    client, agenda, login, frozen
):
    world = agenda.world
    login("coordinateur_lille")
    response = client.post(
        reverse("meetings_coordination:create"),
        {"title": "Réunion sans instance", "day": "2025-06-16", "start_time": "14:00",
         "end_time": "15:00", "visibility": "partenaires"},
    )  # fmt: skip
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Réunion sans instance")
    Attendance.objects.create(meeting=meeting, organisation=world.organisations["asso_arm"])
    Attendance.objects.create(meeting=meeting, email="invitee@example.org")
    url = reverse("meetings_coordination:invitations", args=[meeting.pk])
    # the same coordinator is refused the members page of that organisation
    members = reverse("directory:members", args=[world.organisations["asso_arm"].pk])
    assert client.get(members).status_code == 403
    page = client.get(url).content.decode()
    assert "porteur@example.org" not in page and "membre@example.org" not in page
    assert "invitee@example.org" in page  # typed on the attendance list: shown
    assert "Destinataires prévus (3)" in page
    assert "Et 2 adresses de membres d'organisations hors de votre territoire" in page
    # the coordinators of Armentières see them
    login("coordinateur")
    page = client.get(url).content.decode()
    assert "porteur@example.org" in page and "membre@example.org" in page
    assert "hors de votre territoire" not in page
    # and the invitations still go to everyone
    assert services.recipients_for(meeting) == [
        "invitee@example.org", "membre@example.org", "porteur@example.org",
    ]  # fmt: skip


def test_one_failing_reminder_never_stops_the_others(
    agenda, time_machine, immediate_tasks, monkeypatch
):
    time_machine.move_to("2025-02-28 08:00:00+01:00", tick=False)
    point = agenda.meeting(agenda.point, "2025-03")
    other = agenda.meeting(agenda.gpo, "2025-03")
    Meeting.objects.filter(pk=other.pk).update(day=date(2025, 3, 5))
    Meeting.objects.filter(pk__in=[point.pk, other.pk]).update(invited_at=timezone.now())
    due = list(services.due_reminders(40))
    assert len(due) == 2
    real = services._mail

    def _mail(meeting, kind, recipients):
        if meeting.pk == point.pk:
            raise RuntimeError("gabarit cassé")
        return real(meeting, kind, recipients)

    monkeypatch.setattr(services, "_mail", _mail)
    for meeting in due:
        Attendance.objects.get_or_create(meeting=meeting, email="habitante@example.org")
    mail.outbox.clear()
    sent = services.send_reminders(40)
    assert sent == len(due) - 1
    point.refresh_from_db()
    assert point.reminded_at is None  # tried again on the next run
    assert Meeting.objects.filter(reminded_at__isnull=False).count() == len(due) - 1
    admin = [m for m in mail.outbox if m.to == ["admin@example.org"]]
    assert len(admin) == 1 and "send_meeting_reminders" in admin[0].subject
    assert "gabarit cassé" in admin[0].body


def test_coordination_meetings_stay_within_the_coordinators_scope(client, agenda, login):
    gpo = agenda.meeting(agenda.gpo, "2025-03")  # coordination, Armentières
    login("coordinateur_lille")
    assert client.get(reverse("meetings:detail", args=[gpo.pk])).status_code == 403
    assert client.get(f"/api/agenda/reunions/{gpo.pk}").status_code == 404
    assert agenda.gpo.label not in client.get(reverse("meetings:series_list")).content.decode()
    assert "GPO" not in {s["name"] for s in client.get("/api/agenda/instances").json()}
    login("coordinateur")
    assert client.get(reverse("meetings:detail", args=[gpo.pk])).status_code == 200
    assert "GPO" in {s["name"] for s in client.get("/api/agenda/instances").json()}
