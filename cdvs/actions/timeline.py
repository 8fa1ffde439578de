"""The timeline of an action's yearly cycle: its requests and their co-instruction
decisions, its CPO, its Copil de suivi annuel and dialogues de gestion, and what higher
apps add through `register` (the bilans of the evaluation app: actions never imports
it)."""

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from django.urls import reverse

from cdvs.meetings.models import Meeting


class Event(NamedTuple):
    on: date
    text: str
    url: str = ""


# source(action, user) -> iterable of Event; filled by higher apps at start-up
SOURCES: list[Callable] = []


def register(source: Callable) -> Callable:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def _meeting_text(meeting) -> str:
    if meeting.day is None:
        return f"{meeting.title} ({meeting.window_label or 'date'} : date à fixer)"
    return meeting.title


def events(action, user=None) -> list[Event]:
    """Every dated step of `action` that `user` may read, by date."""
    out = []
    for r in action.requests.select_related("programmation", "meeting"):
        year = r.programmation.year
        out.append(Event(r.submitted_on, f"Demande déposée à la programmation {year}"))
        if r.decided_on:
            where = f" ({r.meeting.title})" if r.meeting_id else ""
            out.append(Event(r.decided_on, f"Décision du comité de co-instruction {year}{where}"))
    for c in action.conventions.all():
        when = c.signed_on or date(c.start_year, 1, 1)
        out.append(Event(when, f"Convention pluriannuelle d'objectifs {c.start_year}-"
                               f"{c.end_year} : {c.title}", c.get_absolute_url()))  # fmt: skip
    meetings = Meeting.objects.filter(action_cycle__action=action)
    if user is not None:
        meetings = meetings.visible_to(user)
    for meeting in meetings.order_by("sort_date", "pk"):
        out.append(Event(meeting.day or meeting.window_end, _meeting_text(meeting),
                         reverse("meetings:detail", args=[meeting.pk])))  # fmt: skip
    for source in SOURCES:
        out.extend(source(action, user))
    return sorted(out, key=lambda e: (e.on, e.text))
