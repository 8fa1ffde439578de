"""Read-only API of the instances, their meetings and next steps.

What a caller sees follows the same visibility as the pages (public for anonymous
callers; a logged-in session sees more); attendance lists and confidential items are
never served here."""

from datetime import date, datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from cdvs.accounts.permissions import readable_condition
from cdvs.api.errors import LIST, ONE
from cdvs.api.types import Date, Id
from cdvs.core.bounds import ApiInt

from .models import AgendaItem, Meeting, MeetingSeries, NextStep, agenda_order

router = Router()


class SeriesOut(Schema):
    id: int
    key: str | None
    name: str
    short_name: str
    commune: str | None
    organiser: str
    visibility: str
    format: str
    duration_minutes: int | None
    rule: str
    period: str
    months: list[int]
    weekday: int | None
    nth: int | None
    working_day: bool
    seed_fields: dict
    source: str


class ItemOut(Schema):
    temps: int | None
    title: str
    description: str
    duration_minutes: int | None
    presenter: str
    enjeu: int | None
    action_id: int | None = Field(description="Piste ou action du contrat liée")


class MeetingOut(Schema):
    id: int
    uid: str
    sequence: int
    series_id: int | None
    title: str
    day: date | None
    start: datetime | None
    end: datetime | None
    date_to_set: bool
    window_start: date
    window_end: date
    window_label: str
    place: str
    format: str
    status: str
    visibility: str
    enjeu: int | None
    agenda: list[ItemOut]


class NextStepOut(Schema):
    id: int
    meeting_id: int
    what: str
    who: str
    organisation: str | None
    due_date: date | None
    enjeu: int | None
    action_id: int | None = Field(description="Piste ou action du contrat liée")
    action: str = Field(description="Son texte, ou une action hors du contrat")
    status: str
    late: bool


def _series(s):
    return {
        "id": s.pk,
        "key": s.key,
        "name": s.name,
        "short_name": s.short_name,
        "commune": s.commune.name if s.commune_id else None,
        "organiser": str(s.organiser) if s.organiser_id else s.organiser_label,
        "visibility": s.visibility,
        "format": s.format,
        "duration_minutes": s.duration_minutes,
        "rule": s.rule_text(),
        "period": s.period,
        "months": s.months,
        "weekday": s.weekday,
        "nth": s.nth,
        "working_day": s.working_day,
        "seed_fields": s.seed_fields,
        "source": s.source,
    }


def _meeting(m):
    return {
        "id": m.pk,
        "uid": m.uid,
        "sequence": m.sequence,
        "series_id": m.series_id,
        "title": m.title,
        "day": m.day,
        "start": m.start,
        "end": m.end,
        "date_to_set": m.date_to_set,
        "window_start": m.window_start,
        "window_end": m.window_end,
        "window_label": m.window_label,
        "place": m.place_text(),
        "format": m.format,
        "status": m.status,
        "visibility": m.visibility,
        "enjeu": m.enjeu.number if m.enjeu_id else None,
        "agenda": [
            {
                "temps": i.temps,
                "title": i.title,
                "description": i.description,
                "duration_minutes": i.duration_minutes,
                "presenter": i.presenter,
                "enjeu": i.enjeu.number if i.enjeu_id else None,
                "action_id": i.action_id,
            }
            for i in m.shareable_items
        ],
    }


@router.get("/instances", response=list[SeriesOut], url_name="meeting_series")
def list_series(request):
    queryset = MeetingSeries.objects.visible_to(request.user)
    return [_series(s) for s in queryset.select_related("commune", "organiser")]


def _meetings(request):
    return (
        Meeting.objects.visible_to(request.user)
        .select_related("enjeu", "series")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.retained()
                .shareable()
                .select_related("enjeu")
                .order_by(*agenda_order()),
                to_attr="shareable_items",
            )
        )
        .chronological()
    )


@router.get("/reunions", response={200: list[MeetingOut], **LIST}, url_name="meetings")
def list_meetings(
    request, instance: ApiInt | None = None, du: Date | None = None, au: Date | None = None
):
    """Meetings in order; `du` / `au` bound the dates (those à planifier by their window)."""
    queryset = _meetings(request)
    if instance:
        queryset = queryset.filter(series_id=instance)
    if du or au:
        queryset = queryset.between(du or date(1900, 1, 1), au or date(2999, 12, 31))
    return [_meeting(m) for m in queryset[:2000]]


@router.get("/reunions/{pk}", response={200: MeetingOut, **ONE}, url_name="meeting")
def meeting_detail(request, pk: Id):
    return _meeting(get_object_or_404(_meetings(request), pk=pk))


@router.get("/suites-a-donner", response={200: list[NextStepOut], **LIST}, url_name="next_steps")
def list_next_steps(request, ouvertes: bool = True):
    queryset = NextStep.objects.filter(
        readable_condition(request.user, Meeting, through="meeting"),
        meeting__deleted_at__isnull=True,
    ).select_related("who_organisation", "enjeu", "action")
    if ouvertes:
        queryset = queryset.open()
    return [
        {
            "id": s.pk,
            "meeting_id": s.meeting_id,
            "what": s.what,
            "who": s.who,
            "organisation": s.who_organisation.name if s.who_organisation_id else None,
            "due_date": s.due_date,
            "enjeu": s.enjeu.number if s.enjeu_id else None,
            "action_id": s.action_id,
            "action": s.action.text if s.action_id else s.action_label,
            "status": s.status,
            "late": s.is_late(),
        }
        for s in queryset.order_by("due_date", "pk")[:2000]
    ]
