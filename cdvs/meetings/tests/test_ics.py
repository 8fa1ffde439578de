"""ICS feeds and invitations, read back by two independent parsers: icalendar and
vobject."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.urls import reverse

from cdvs.meetings import ics, services
from cdvs.meetings.models import AgendaItem, CalendarFeedToken, Meeting

pytestmark = pytest.mark.usefixtures("frozen")
PARIS = ZoneInfo("Europe/Paris")


def _both(content: bytes):
    text = content.decode("utf-8")
    cal = icalendar.Calendar.from_ical(text)
    other = vobject.readOne(text)
    return cal, other


def _events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _token(world, role="membre"):
    return CalendarFeedToken.objects.create(user=world.users[role]).token


def test_private_feed_is_valid_for_both_parsers(client, agenda):
    token = _token(agenda.world)
    response = client.get(reverse("meetings:private_feed", args=[token]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal, other = _both(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    point = agenda.meeting(agenda.point, "2025-03")
    event = _events(cal)[point.uid]
    assert event.decoded("DTSTART") == datetime(2025, 3, 3, 14, 0, tzinfo=PARIS)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTEND") == datetime(2025, 3, 3, 15, 0, tzinfo=PARIS)
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    # vobject reads the same events, with the same times
    by_uid = {e.uid.value: e for e in other.vevent_list}
    assert by_uid[point.uid].dtstart.value == datetime(2025, 3, 3, 14, 0, tzinfo=PARIS)
    assert by_uid[point.uid].dtstart.value.utcoffset().total_seconds() == 3600
    assert set(by_uid) == set(_events(cal))
    # the member sees partners' meetings, not the GPO (coordination only), and no
    # meeting whose day is still to be set
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert titles == {"Point d'actu des acteurs QPV"}


def test_summer_time_and_stable_uid_with_higher_sequence_when_moved(client, agenda, login):
    token = _token(agenda.world)
    url = reverse("meetings:private_feed", args=[token])
    july = agenda.meeting(agenda.point, "2025-07")
    event = _events(_both(client.get(url).content)[0])[july.uid]
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 7200  # CEST
    login("coordinateur")
    client.post(
        reverse("meetings_coordination:edit", args=[july.pk]),
        {"day": "2025-07-08", "start_time": "10:00", "end_time": "11:30", "place": "CS 4Saisons"},
    )
    cal, other = _both(client.get(url).content)
    event = _events(cal)[july.uid]
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2025, 7, 8, 10, 0, tzinfo=PARIS)
    assert str(event["LOCATION"]) == "CS 4Saisons"
    assert {e.uid.value: e for e in other.vevent_list}[july.uid].sequence.value == "1"


def test_cancelled_meeting_stays_with_status_cancelled(client, agenda, login):
    token = _token(agenda.world)
    point = agenda.meeting(agenda.point, "2025-05")
    login("coordinateur")
    client.post(reverse("meetings_coordination:cancel", args=[point.pk]), {"reason": ""})
    cal, other = _both(client.get(reverse("meetings:private_feed", args=[token])).content)
    event = _events(cal)[point.uid]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert {e.uid.value: e for e in other.vevent_list}[point.uid].status.value == "CANCELLED"


def test_meeting_without_hour_is_an_all_day_event(agenda):
    agenda.point.start_time = None
    agenda.point.save()
    from cdvs.meetings.generation import generate

    generate(agenda.point)
    point = agenda.meeting(agenda.point, "2025-03")
    cal, other = _both(ics.feed([point], "Test"))
    event = _events(cal)[point.uid]
    assert event.decoded("DTSTART") == date(2025, 3, 3)
    assert event.decoded("DTEND") == date(2025, 3, 4)
    assert "Horaire à fixer." in str(event["DESCRIPTION"])
    assert other.vevent.dtstart.value == date(2025, 3, 3)


def test_public_feed_has_only_public_meetings_and_no_confidential_item(client, agenda):
    conseil = agenda.meeting(agenda.conseil, "2025-T1")
    services.update_meeting(
        conseil,
        {"day": date(2025, 2, 20), "start": datetime(2025, 2, 20, 18, 30, tzinfo=PARIS)},
        None,
    )
    AgendaItem.objects.create(meeting=conseil, title="Propreté du square")
    AgendaItem.objects.create(meeting=conseil, title="Dossier nominatif", confidential=True)
    cal, other = _both(client.get(reverse("meetings:public_feed")).content)
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [conseil.uid]
    description = str(events[0]["DESCRIPTION"])
    assert "Propreté du square" in description and "nominatif" not in description
    series_feed = client.get(reverse("meetings:public_series_feed", args=[agenda.conseil.pk]))
    assert series_feed.status_code == 200
    # a non-public series has no public feed
    assert (
        client.get(reverse("meetings:public_series_feed", args=[agenda.point.pk])).status_code
        == 404
    )


def test_revoked_token_stops_the_feed(client, agenda, login):
    token = _token(agenda.world)
    url = reverse("meetings:private_feed", args=[token])
    assert client.get(url).status_code == 200
    login("membre")
    feed_token = CalendarFeedToken.objects.get(token=token)
    client.post(reverse("meetings:revoke_token", args=[feed_token.pk]))
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(reverse("meetings:private_feed", args=["inconnu"])).status_code == 404


def test_feed_per_series_and_per_organisation(client, agenda):
    token = _token(agenda.world, "coordinateur")
    org = agenda.world.organisations["asso_arm"]
    for url in (
        reverse("meetings:private_series_feed", args=[token, agenda.gpo.pk]),
        reverse("meetings:private_organisation_feed", args=[token, org.pk]),
        reverse("meetings:private_mine_feed", args=[token]),
    ):
        cal, _ = _both(client.get(url).content)
        assert cal["X-WR-TIMEZONE"] == "Europe/Paris"
    gpo_meeting = agenda.meeting(agenda.gpo, "2025-04")
    services.update_meeting(gpo_meeting, {"day": date(2025, 4, 10)}, None)
    cal, _ = _both(
        client.get(reverse("meetings:private_series_feed", args=[token, agenda.gpo.pk])).content
    )
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [gpo_meeting.uid]


def test_invitation_attachment_is_a_request_then_a_cancel(agenda):
    point = agenda.meeting(agenda.point, "2025-03")
    cal, other = _both(ics.invitation(point, "camille@example.org").encode())
    assert str(cal["METHOD"]) == "REQUEST" and other.method.value == "REQUEST"
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["ATTENDEE"]) == "mailto:camille@example.org"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    services.cancel_meeting(point, "", None)
    cal, _ = _both(ics.invitation(point).encode())
    assert str(cal["METHOD"]) == "CANCEL"
    assert int(next(iter(cal.walk("VEVENT")))["SEQUENCE"]) == 1


def test_time_is_europe_paris_even_for_a_utc_start(agenda):
    point = agenda.meeting(agenda.point, "2025-03")
    point.start = datetime(2025, 3, 3, 13, 0, tzinfo=ZoneInfo("UTC"))
    point.end = None
    event = _events(_both(ics.feed([point], "Test"))[0])[point.uid]
    assert event.decoded("DTSTART") == datetime(2025, 3, 3, 14, 0, tzinfo=PARIS)
    assert event.decoded("DTSTART").time() == time(14, 0)


def test_long_accented_lines_are_folded_without_breaking_characters(agenda, client):
    point = agenda.meeting(agenda.point, "2025-03")
    point.title = "Réunion « élargie » ; thème : égalité, santé, éducation — " * 4
    point.place = "Centre social Salengro, 2 rue de l'Église ; salle « Les Ajoncs »"
    point.save()
    content = ics.feed(Meeting.objects.filter(pk=point.pk), "Agenda")
    assert all(len(line.encode()) <= 75 for line in content.decode().split("\r\n"))
    cal, other = _both(content)
    event = _events(cal)[point.uid]
    assert str(event["SUMMARY"]) == point.title.strip() or str(event["SUMMARY"]) == point.title
    assert other.vevent.location.value == point.place


def test_one_year_feed(client, agenda):
    token = _token(agenda.world)
    url = reverse("meetings:private_feed", args=[token]) + "?annee=2025"
    cal, _ = _both(client.get(url).content)
    assert len(list(cal.walk("VEVENT"))) == 6  # the point d'actu, in odd months


def test_unchanged_feed_answers_304_and_changes_are_seen(client, agenda):
    token = _token(agenda.world)
    url = reverse("meetings:private_feed", args=[token])
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    point = agenda.meeting(agenda.point, "2025-03")
    AgendaItem.objects.create(meeting=point, title="Nouveau point")
    second = client.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second["ETag"] != etag
    assert b"Nouveau point" in second.content
