"""Deadlines of calls as iCalendar feeds (all calls one may see, or one saved search).

Built with the helpers of `cdvs.meetings.ics` (VTIMEZONE Europe/Paris from `icalendar`,
escaping, line folding): one event per closing date of the current and next sessions
(recurring calls), all-day, or ending at the deadline hour when there is one. Calls
without a closing date (au fil de l'eau) have no deadline and are left out, and so are
dates out of the plausible range (`cdvs.core.validators`) stored before it was enforced:
one bad row never breaks the feed of everyone.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from cdvs.core.french import date_text, hour
from cdvs.core.validators import is_plausible_date
from cdvs.meetings.ics import _calendar, _escape, _local, _utc
from cdvs.meetings.models import PARIS

SESSIONS_PER_CALL = 3


def _event(call, session, prefix: str) -> list[str]:
    url = f"{prefix}{call.pk}/"
    lines = [
        "BEGIN:VEVENT",
        f"UID:appel-{call.pk}-{session.closes_on:%Y%m%d}@cdvs",
        f"DTSTAMP:{_utc(call.updated_at)}",
        f"LAST-MODIFIED:{_utc(call.updated_at)}",
        f"SUMMARY:{_escape('Clôture : ' + call.title)}",
    ]
    if call.closes_at:
        deadline = datetime.combine(session.closes_on, call.closes_at, tzinfo=PARIS)
        lines.append(f"DTSTART;TZID=Europe/Paris:{_local(deadline - timedelta(minutes=30))}")
        lines.append(f"DTEND;TZID=Europe/Paris:{_local(deadline)}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{session.closes_on:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{session.closes_on + timedelta(days=1):%Y%m%d}")
    description = f"Financeur : {call.funder_name}\nOuvert le {date_text(session.opens_on)}."
    if call.closes_at:
        description += f"\nDate limite : {hour(call.closes_at)}."
    description += f"\n{url}"
    lines += [
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return lines


def deadlines_feed(calls, name: str, today=None) -> bytes:
    prefix = settings.SITE_URL.rstrip("/") + reverse("calls:detail", args=[0]).removesuffix("0/")
    bodies = []
    for call in calls:
        if call.closes_on is None or not all(
            map(is_plausible_date, (call.opens_on, call.closes_on, call.recurrence_until))
        ):
            continue
        for session in call.upcoming_sessions(SESSIONS_PER_CALL, today):
            if session.closes_on is not None and is_plausible_date(session.closes_on):
                bodies.append(_event(call, session, prefix))
    return _calendar(name, bodies).encode("utf-8")
