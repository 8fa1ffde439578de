"""Invitations, updates, cancellations, reminders: queued in the database, sent by the
worker, one email per person with the agenda and the ICS attachment."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cdvs.meetings import services
from cdvs.meetings.models import AgendaItem, Attendance, Mailing, MeetingStatus
from cdvs.testing import plain

PARIS = ZoneInfo("Europe/Paris")


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_invitations_go_through_the_queue_with_agenda_and_ics(client, agenda, login, frozen):
    point = agenda.meeting(agenda.point, "2025-03")
    AgendaItem.objects.create(
        meeting=point, title="Tour de table des structures", duration_minutes=20
    )
    AgendaItem.objects.create(meeting=point, title="Point nominatif", confidential=True)
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:invitations", args=[point.pk]),
        {"extra_emails": "habitante@example.org, Habitante@Example.org"},
    )
    assert response.status_code == 302
    assert mail.outbox == [] and DBTaskResult.objects.ready().count() == 4
    run_worker()
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == [
        "coordination@armentieres.example.org",  # the organiser's members
        "habitante@example.org",  # typed by the coordinator (duplicates merged)
        "membre@example.org",  # the participating association's members
        "porteur@example.org",
    ]
    message = next(m for m in mail.outbox if m.to == ["membre@example.org"])
    assert (
        message.subject
        == "Invitation\u202f: Point d'actu des acteurs QPV — lundi 3 mars 2025, 14\xa0h\xa000\xa0–\xa015\xa0h\xa000"
    )
    assert "Tour de table des structures (20 min)" in message.body
    assert "nominatif" not in message.body
    (name, content, mimetype) = message.attachments[0]
    assert name == "reunion.ics" and mimetype.startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(next(iter(cal.walk("VEVENT")))["UID"]) == point.uid
    # everyone invited is on the attendance list
    assert Attendance.objects.filter(meeting=point, status="invite").count() == len(to)
    point.refresh_from_db()
    assert point.invited_at is not None
    assert Mailing.objects.get(meeting=point).kind == Mailing.Kind.INVITATION


@pytest.mark.django_db
def test_invalid_emails_send_nothing(client, agenda, login, frozen, immediate_tasks):
    point = agenda.meeting(agenda.point, "2025-03")
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:invitations", args=[point.pk]),
        {"extra_emails": "bonne@example.org\npas-une-adresse\n@example.org"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Adresses électroniques non valides : « pas-une-adresse », « @example.org »" in plain(
        body
    )
    assert "aucune invitation n&#x27;a été envoyée" in body
    assert mail.outbox == [] and not Attendance.objects.exists()
    point.refresh_from_db()
    assert point.invited_at is None


@pytest.mark.django_db
def test_no_invitation_for_a_meeting_to_plan(client, agenda, login, frozen, immediate_tasks):
    gpo = agenda.meeting(agenda.gpo, "2025-03")
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:invitations", args=[gpo.pk]),
        {"extra_emails": "a@example.org"},
    )
    assert "fixez-la avant d&#x27;envoyer les invitations" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_moving_and_cancelling_an_invited_meeting_updates_the_calendars(
    client, agenda, login, frozen, immediate_tasks
):
    point = agenda.meeting(agenda.point, "2025-03")
    services.send_invitations(point, agenda.world.users["coordinateur"], ["habitante@example.org"])
    mail.outbox.clear()
    login("coordinateur")
    client.post(
        reverse("meetings_coordination:edit", args=[point.pk]),
        {"day": "2025-03-10", "start_time": "14:00", "end_time": "15:00", "notify": "on"},
    )
    assert mail.outbox and all(m.subject.startswith("Mise à jour") for m in mail.outbox)
    cal = icalendar.Calendar.from_ical(mail.outbox[0].attachments[0][1])
    event = next(iter(cal.walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2025, 3, 10, 14, 0, tzinfo=PARIS)
    mail.outbox.clear()
    client.post(
        reverse("meetings_coordination:cancel", args=[point.pk]),
        {"reason": "Salle indisponible", "notify": "on"},
    )
    assert mail.outbox and all(m.subject.startswith("Annulée") for m in mail.outbox)
    cal = icalendar.Calendar.from_ical(mail.outbox[0].attachments[0][1])
    assert str(cal["METHOD"]) == "CANCEL"
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert "Salle indisponible" in mail.outbox[0].body


@pytest.mark.django_db
def test_reminders_are_sent_once_to_those_not_excused(agenda, time_machine, immediate_tasks):
    time_machine.move_to("2025-02-28 08:00:00+01:00", tick=False)
    point = agenda.meeting(agenda.point, "2025-03")
    services.send_invitations(point, None, ["habitante@example.org"])
    Attendance.objects.filter(meeting=point, email="membre@example.org").update(status="excuse")
    mail.outbox.clear()
    from cdvs.meetings.tasks import send_due_reminders

    send_due_reminders.enqueue(days_ahead=3)
    assert {m.to[0] for m in mail.outbox} == {
        "coordination@armentieres.example.org",
        "habitante@example.org",
        "porteur@example.org",
    }
    assert all(m.subject.startswith("Rappel") for m in mail.outbox)
    mail.outbox.clear()
    call_command("send_meeting_reminders", "--jours", "3", stdout=io.StringIO())
    assert mail.outbox == []
    # a cancelled meeting gets no reminder
    point.status = MeetingStatus.CANCELLED
    point.save()
    assert services.due_reminders(10).count() == 0
