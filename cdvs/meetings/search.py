"""What the meetings make searchable: each meeting (its agenda: retained, non
confidential items; its next steps) and its published minutes, for the readers the
meeting's visibility allows. Attendance lists (people) and confidential items are
never indexed; neither are the people named as presenters or in charge of a step."""

from django.urls import reverse
from django.utils.html import strip_tags

from cdvs.search.registry import Entry, SearchSource, register

from .models import AgendaItem, ItemStatus, Meeting, MeetingSeries, Minutes, NextStep


def _common(meeting: Meeting) -> dict:
    series = meeting.series
    commune = series.commune_id if series is not None else None
    return {
        "url": reverse("meetings:detail", args=[meeting.pk]),
        "visibility": meeting.visibility,
        "scope_territory_id": commune,
        "organisation_id": meeting.organiser_id or (series.organiser_id if series else None),
        "territory_ids": [commune],
    }


def meeting_entry(meeting: Meeting) -> Entry:
    items = [
        i
        for i in meeting.agenda_items.all()
        if i.status == ItemStatus.ACCEPTED and not i.confidential
    ]
    enjeux = [meeting.enjeu] + [i.enjeu for i in items]
    body = [
        meeting.series.name if meeting.series_id else "",
        meeting.when_text(),
        meeting.place_text(),
        meeting.get_status_display(),
        meeting.cancel_reason,
        f"Enjeu {meeting.enjeu.number} : {meeting.enjeu.title}" if meeting.enjeu_id else "",
        *(f"{i.title}\n{i.description}" for i in items),
        *(s.what for s in meeting.next_steps.all()),
    ]
    return Entry(
        title=meeting.title,
        body="\n".join(p for p in body if p),
        date=meeting.day or meeting.window_start,
        enjeux=[e.number for e in enjeux if e is not None],
        **_common(meeting),
    )


def minutes_entry(minutes: Minutes) -> Entry:
    meeting = minutes.meeting
    body = [strip_tags(minutes.body_html), strip_tags(minutes.decisions_html)]
    return Entry(
        title=f"Compte-rendu : {meeting.title}",
        body="\n".join(p for p in body if p),
        date=meeting.day or minutes.published_at,
        enjeux=[meeting.enjeu.number] if meeting.enjeu_id else [],
        **_common(meeting),
    )


def _meeting_of(obj):
    return [obj.meeting_id]


register(
    SearchSource(
        kind="reunion",
        label="Réunions",
        queryset=lambda: Meeting.objects.select_related("series", "enjeu").prefetch_related(
            "agenda_items__enjeu", "next_steps"
        ),
        to_entry=meeting_entry,
        triggers={
            AgendaItem: _meeting_of,
            NextStep: _meeting_of,
            MeetingSeries: lambda s: Meeting.all_objects.filter(series=s).values_list(
                "pk", flat=True
            ),
        },
    )
)
register(
    SearchSource(
        kind="compte_rendu",
        label="Comptes-rendus",
        queryset=lambda: Minutes.objects.filter(
            published_at__isnull=False, meeting__deleted_at__isnull=True
        ).select_related("meeting__series", "meeting__enjeu"),
        to_entry=minutes_entry,
        triggers={
            Meeting: lambda m: Minutes.objects.filter(meeting=m).values_list("pk", flat=True)
        },
    )
)
