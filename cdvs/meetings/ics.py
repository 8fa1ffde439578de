"""iCalendar (RFC 5545) for feeds and invitations.

Each meeting keeps one UID for life; its SEQUENCE grows whenever its date, time, place,
title or status changes, so that Outlook, Thunderbird or Google Calendar update the
event they already hold instead of adding a new one. A cancelled meeting stays in the
feeds with STATUS:CANCELLED. Times are in Europe/Paris with its VTIMEZONE; a meeting
whose hour is still to be set is an all-day event on its day; a meeting whose day is
still to be set is left out (a calendar cannot place it).

Confidential agenda items never leave the tool: they are not in any feed or email.
"""

from datetime import UTC, date, timedelta
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from icalendar import Timezone

from .models import PARIS, AgendaItem, MeetingStatus, describe_place

PRODID = "-//Outil partagé du contrat de ville et des solidarités//cdvs//FR"


@lru_cache(maxsize=1)
def _vtimezone() -> str:
    """The VTIMEZONE of Europe/Paris (2020-2036), built once by `icalendar`."""
    tz = Timezone.from_tzid("Europe/Paris", first_date=date(2020, 1, 1), last_date=date(2036, 1, 1))
    return tz.to_ical().decode("utf-8").replace("\r\n", "\n").strip("\n")


# The events are written here rather than through `icalendar` objects: a year of
# meetings (~3 000 events) must come out in well under 300 ms. The tests read every
# output back with `icalendar` and `vobject`.


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _param(value: str) -> str:
    return '"' + value.replace('"', "'").replace("\n", " ") + '"'


def _fold(line: str) -> str:
    """Lines of at most 75 octets, never splitting a UTF-8 character (RFC 5545 §3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with a space
    return "\r\n ".join(parts)


def _stamp(d) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}{d.second:02d}"


def _utc(value) -> str:
    return _stamp(value.astimezone(UTC)) + "Z"


def _local(value) -> str:
    return _stamp(value.astimezone(PARIS))


def meeting_url(meeting) -> str:
    return f"{_url_prefix()}{meeting.pk}/"


def _url_prefix() -> str:
    # reversed once per call site batch: 3 000 reverse() calls cost more than the feed
    return settings.SITE_URL.rstrip("/") + reverse("meetings:detail", args=[0]).removesuffix("0/")


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


def event_lines(
    meeting, attendee: str | None = None, prefix: str = "", sender: str = ""
) -> list[str]:
    title = meeting.title
    if meeting.status == MeetingStatus.CANCELLED:
        title = f"Annulé : {title}"
    url = f"{prefix or _url_prefix()}{meeting.pk}/"
    modified = _utc(meeting.updated_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_escape(meeting.uid)}",
        f"DTSTAMP:{modified}",
        f"CREATED:{_utc(meeting.created_at)}",
        f"LAST-MODIFIED:{modified}",
        f"SEQUENCE:{meeting.sequence}",
        f"SUMMARY:{_escape(title)}",
    ]
    if meeting.start:
        end = meeting.end or meeting.start + timedelta(hours=1)
        lines.append(f"DTSTART;TZID=Europe/Paris:{_local(meeting.start)}")
        lines.append(f"DTEND;TZID=Europe/Paris:{_local(end)}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{meeting.day:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{meeting.day + timedelta(days=1):%Y%m%d}")
    description = []
    if meeting.start is None:
        description.append("Horaire à fixer.")
    agenda = _agenda_text(meeting)
    if agenda:
        description.append("Ordre du jour :\n" + agenda)
    if meeting.video_url:
        description.append(f"Lien de visio : {meeting.video_url}")
    description.append(url)
    text = "\n\n".join(description)
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    organiser = str(meeting.organiser) if meeting.organiser_id else "Outil partagé CdVS"
    lines += [
        f"LOCATION:{_escape(meeting.place_text())}",
        f"DESCRIPTION:{_escape(text)}",
        f"URL:{url}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        f"ORGANIZER;CN={_param(organiser)}:mailto:{sender or _from_address()}",
    ]
    if attendee:
        lines.append(
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{attendee}"
        )
    lines.append("END:VEVENT")
    return lines


@lru_cache(maxsize=4)
def _address_of(address: str) -> str:
    if "<" in address:
        address = address.split("<", 1)[1].rstrip(">").strip()
    return address


def _from_address() -> str:
    return _address_of(settings.DEFAULT_FROM_EMAIL)


def _calendar(name: str, bodies, method: str | None = None) -> str:
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
    ]
    if method:
        head.append(f"METHOD:{method}")
    head += [f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Europe/Paris"]
    head += _vtimezone().split("\n")
    lines = head + [line for body in bodies for line in body] + ["END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


class _FeedRow:
    """A meeting read with `values()` for a feed: the attributes `event_lines` uses,
    without building model instances (a year of feed is ~3 000 meetings)."""

    def __init__(self, row: dict, items: list):
        self.__dict__.update(row)
        self.organiser_id = row["organiser__name"]
        self.organiser = row["organiser__name"]
        self.shareable_items = items

    def place_text(self):
        return describe_place(self.place, self.format, bool(self.series__rotating_place))


FEED_VALUES = (
    "pk", "uid", "updated_at", "created_at", "sequence", "title", "status", "start", "end",
    "day", "place", "format", "video_url", "series__rotating_place", "organiser__name",
)  # fmt: skip


def feed_rows(queryset):
    """The meetings of `queryset` (dated ones) as light rows with their shareable items."""
    rows = list(queryset.filter(day__isnull=False).values(*FEED_VALUES))
    items = {}
    for meeting_id, temps, title, minutes in (
        AgendaItem.objects.retained()
        .shareable()
        .filter(meeting_id__in=[r["pk"] for r in rows])
        .order_by("meeting_id", "temps", "position", "pk")
        .values_list("meeting_id", "temps", "title", "duration_minutes")
    ):
        items.setdefault(meeting_id, []).append(_Item(temps, title, minutes))
    return [_FeedRow(r, items.get(r["pk"], [])) for r in rows]


class _Item:
    __slots__ = ("temps", "title", "duration_minutes")

    def __init__(self, temps, title, duration_minutes):
        self.temps, self.title, self.duration_minutes = temps, title, duration_minutes


def feed(meetings, name: str) -> bytes:
    """A feed to subscribe to (no METHOD, as calendar clients expect). `meetings` is a
    queryset (read as light rows) or a list of meetings."""
    if hasattr(meetings, "values"):
        meetings = feed_rows(meetings)
    prefix = _url_prefix()
    sender = _from_address()
    bodies = (event_lines(m, prefix=prefix, sender=sender) for m in meetings if m.day is not None)
    return _calendar(name, bodies).encode("utf-8")


def invitation(meeting, attendee: str | None = None) -> str:
    """The attachment of an invitation, update (METHOD:REQUEST) or cancellation
    (METHOD:CANCEL)."""
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    return _calendar(meeting.title, [event_lines(meeting, attendee)], method=method)
