"""iCalendar (RFC 5545) for feeds and invitations.

Each meeting keeps one UID for life; its SEQUENCE grows whenever its date, time, place,
title or status changes, so that Outlook, Thunderbird or Google Calendar update the
event they already hold instead of adding a new one. A cancelled meeting stays in the
feeds with STATUS:CANCELLED. Times are in Europe/Paris with its VTIMEZONE; a meeting
whose hour is still to be set is an all-day event on its day; a meeting whose day is
still to be set is left out (a calendar cannot place it).

Confidential agenda items never leave the tool: they are not in any feed or email.
"""

from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from .models import PARIS, MeetingStatus

PRODID = "-//Outil partagé du contrat de ville et des solidarités//cdvs//FR"


@lru_cache(maxsize=1)
def _vtimezone():
    return Timezone.from_tzid(
        "Europe/Paris", first_date=date(2020, 1, 1), last_date=date(2036, 1, 1)
    )


def _calendar(name: str, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add_component(_vtimezone())
    return cal


def meeting_url(meeting) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("meetings:detail", args=[meeting.pk])


def _agenda_text(meeting) -> str:
    lines = []
    items = getattr(meeting, "shareable_items", None)
    if items is None:
        items = meeting.agenda_items.retained().shareable()
    for item in items:
        prefix = f"Temps {item.temps} — " if item.temps else "• "
        extra = f" ({item.duration_minutes} min)" if item.duration_minutes else ""
        lines.append(f"{prefix}{item.title}{extra}")
    return "\n".join(lines)


def event(meeting, attendee: str | None = None) -> Event:
    ev = Event()
    ev.add("uid", meeting.uid)
    ev.add("dtstamp", meeting.updated_at)
    ev.add("created", meeting.created_at)
    ev.add("last-modified", meeting.updated_at)
    ev.add("sequence", meeting.sequence)
    title = meeting.title
    if meeting.status == MeetingStatus.CANCELLED:
        title = f"Annulé : {title}"
    ev.add("summary", title)
    if meeting.start:
        ev.add("dtstart", meeting.start.astimezone(PARIS))
        end = meeting.end or meeting.start + timedelta(hours=1)
        ev.add("dtend", end.astimezone(PARIS))
    else:
        ev.add("dtstart", meeting.day)
        ev.add("dtend", meeting.day + timedelta(days=1))
    ev.add("location", meeting.place_text())
    description = []
    if meeting.start is None:
        description.append("Horaire à fixer.")
    agenda = _agenda_text(meeting)
    if agenda:
        description.append("Ordre du jour :\n" + agenda)
    if meeting.video_url:
        description.append(f"Lien de visio : {meeting.video_url}")
    description.append(meeting_url(meeting))
    ev.add("description", "\n\n".join(description))
    ev.add("url", meeting_url(meeting))
    ev.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    organiser = vCalAddress(f"mailto:{_from_address()}")
    organiser.params["cn"] = vText(
        str(meeting.organiser) if meeting.organiser_id else "Outil partagé CdVS"
    )
    ev.add("organizer", organiser)
    if attendee:
        who = vCalAddress(f"mailto:{attendee}")
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["partstat"] = vText("NEEDS-ACTION")
        who.params["rsvp"] = vText("FALSE")
        ev.add("attendee", who)
    return ev


def _from_address() -> str:
    address = settings.DEFAULT_FROM_EMAIL
    if "<" in address:
        address = address.split("<", 1)[1].rstrip(">").strip()
    return address


def feed(meetings, name: str) -> bytes:
    """A feed to subscribe to (no METHOD, as calendar clients expect)."""
    cal = _calendar(name)
    for meeting in meetings:
        if meeting.day is not None:
            cal.add_component(event(meeting))
    return cal.to_ical()


def invitation(meeting, attendee: str | None = None) -> str:
    """The attachment of an invitation, update (METHOD:REQUEST) or cancellation
    (METHOD:CANCEL)."""
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    cal = _calendar(meeting.title, method=method)
    cal.add_component(event(meeting, attendee))
    return cal.to_ical().decode("utf-8")
