"""Turn a series' rule into meetings, and keep them in step when the rule changes.

A generated meeting is matched to its occurrence by `(series, occurrence)`. When the
rule changes, meetings without content follow the new rule (moved, or removed when
their occurrence is gone); a meeting with content — agenda, attendance, minutes, next
steps, invitations sent, a status or a date set by hand — is never moved nor removed.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from simple_history.utils import bulk_create_with_history

from cdvs.core.history import history_author, save_with_history
from cdvs.search.registry import refresh_objects

from .models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Minutes,
    NextStep,
    aware,
)
from .recurrence import Rule

# fields whose change makes calendar clients update the event (SEQUENCE + 1)
ICS_FIELDS = ("day", "start", "end", "place", "status", "title")


@dataclass
class GenerationReport:
    created: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: list = field(default_factory=list)  # meetings with content left where they are

    def add(self, other: "GenerationReport"):
        self.created += other.created
        self.moved += other.moved
        self.removed += other.removed
        self.unchanged += other.unchanged
        self.kept.extend(other.kept)

    def lines(self):
        out = [
            f"Réunions créées : {self.created}",
            f"Réunions déplacées selon la règle : {self.moved}",
            f"Réunions retirées (plus prévues par la règle, sans contenu) : {self.removed}",
        ]
        out.extend(f"Réunion avec du contenu, laissée telle quelle : {m}" for m in self.kept)
        return out


def with_content_flag(queryset):
    """Annotate `has_content` in the same query (no query per meeting)."""
    return queryset.annotate(
        _has_items=Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"))),
        _has_attendance=Exists(Attendance.objects.filter(meeting=OuterRef("pk"))),
        _has_minutes=Exists(Minutes.objects.filter(meeting=OuterRef("pk"))),
        _has_steps=Exists(NextStep.objects.filter(meeting=OuterRef("pk"))),
    )


def _protected(meeting) -> bool:
    return bool(
        meeting._has_items
        or meeting._has_attendance
        or meeting._has_minutes
        or meeting._has_steps
        or meeting.edited_by_hand
        or meeting.status != MeetingStatus.PLANNED
        or meeting.invited_at is not None
    )


def _enjeux_in_turn(series):
    """The enjeux of the series' volet communal, in order, for `enjeu_rotation`."""
    if not series.enjeu_rotation or not series.section_id:
        return []
    return list(
        series.section.enjeux.filter(enjeu__deleted_at__isnull=True)
        .order_by("enjeu__number")
        .values_list("enjeu_id", flat=True)
    )


def planned_values(series, occurrence, index, enjeux) -> dict:
    start = end = None
    if occurrence.day is not None and series.start_time is not None:
        start = aware(occurrence.day, series.start_time)
        if series.duration_minutes:
            end = start + timedelta(minutes=series.duration_minutes)
    return {
        "title": series.label,
        "day": occurrence.day,
        "start": start,
        "end": end,
        "window_start": occurrence.day or occurrence.window_start,
        "window_end": occurrence.day or occurrence.window_end,
        "window_label": occurrence.window_label,
        "format": series.format,
        "visibility": series.visibility,
        "organiser_id": series.organiser_id,
        "enjeu_id": enjeux[index % len(enjeux)] if enjeux else None,
    }


@transaction.atomic
def generate(series: MeetingSeries, user=None) -> GenerationReport:
    """Create, move or remove the meetings of `series` so that they follow its rule
    (`user`, who changed the rule, is the author of the meetings' history)."""
    report = GenerationReport()
    if series.is_deleted:
        return report
    occurrences = Rule.from_series(series).occurrences()
    enjeux = _enjeux_in_turn(series)
    existing = {
        m.occurrence: m
        for m in with_content_flag(Meeting.all_objects.filter(series=series).exclude(occurrence=""))
    }
    to_create, to_update = [], []
    for index, occurrence in enumerate(occurrences):
        values = planned_values(series, occurrence, index, enjeux)
        meeting = existing.pop(occurrence.key, None)
        if meeting is None:
            meeting = Meeting(series=series, occurrence=occurrence.key, **values)
            meeting.sort_date = meeting.day or meeting.window_start
            to_create.append(meeting)
            continue
        if meeting.is_deleted:
            continue  # deleted by a coordinator: stays in the trash
        if _protected(meeting):
            if _differs(meeting, values):
                report.kept.append(str(meeting))
            else:
                report.unchanged += 1
            continue
        if not _differs(meeting, values):
            report.unchanged += 1
            continue
        if any(getattr(meeting, f) != values.get(f, getattr(meeting, f)) for f in ICS_FIELDS):
            meeting.sequence += 1
        for name, value in values.items():
            setattr(meeting, name, value)
        meeting.sort_date = meeting.day or meeting.window_start
        to_update.append(meeting)
    if to_create:
        bulk_create_with_history(
            to_create, Meeting, batch_size=500, default_user=history_author(user)
        )
        refresh_objects(Meeting, [m.pk for m in to_create])  # no signal on bulk_create
        report.created = len(to_create)
    for meeting in to_update:
        save_with_history(meeting, user, "Règle de l'instance modifiée")
    report.moved = len(to_update)
    # occurrences the rule no longer gives
    gone = [m for m in existing.values() if not m.is_deleted]
    removable = [m.pk for m in gone if not _protected(m)]
    report.kept.extend(str(m) for m in gone if _protected(m))
    if removable:
        Meeting.all_objects.filter(pk__in=removable).delete()
    report.removed = len(removable)
    return report


def _differs(meeting, values) -> bool:
    return any(getattr(meeting, name) != value for name, value in values.items())


def generate_all(queryset=None) -> GenerationReport:
    report = GenerationReport()
    queryset = queryset if queryset is not None else MeetingSeries.objects.all()
    for series in queryset.select_related("section"):
        report.add(generate(series))
    return report
