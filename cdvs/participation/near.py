"""« Près de chez moi » : from an address or the device's position (core.place_input),
the services open today nearest to it with their hours in plain words (the
directory's places, opening slots and « ouvert le » logic), the quartier the point is
in, the upcoming public events, the actions running there and the citizens'
initiatives (ideas of the budget participatif selected or carried out). A constant
number of queries whatever the size of the directory."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from cdvs.actions.models import Action
from cdvs.actions.models import Status as ActionStatus
from cdvs.core.place_input import distance_text
from cdvs.directory.hours import public_holiday, week_of_month
from cdvs.directory.models import OpeningException, OpeningSlot, Place, Service
from cdvs.directory.services import who_can_help
from cdvs.meetings.models import Meeting
from cdvs.territories.locate import locate

from .models import LAUREATE_STATUSES, Idea

NEAREST = 10
EVENTS = 5
RUNNING = [ActionStatus.PROGRAMMED, ActionStatus.RUNNING]


@dataclass
class Nearby:
    name: str
    pk: int
    distance: str
    address: str
    hours: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)


def _open_today(slot, day) -> bool:
    if slot.valid_from and slot.valid_from > day:
        return False
    if slot.valid_until and slot.valid_until < day:
        return False
    return not slot.weeks or str(week_of_month(day)) in slot.weeks


def open_near(lat: float, lon: float, day=None) -> list[Nearby]:
    """The organisations with a place open on `day` (today), nearest first, each with
    the hours of that day in words (« le mardi de 9 h 00 à 12 h 00 ») and its services."""
    day = day or timezone.localdate()
    helpers = who_can_help(lat=lat, lon=lon, limit=NEAREST, opening={"open_date": day})
    org_ids = [h.organisation.pk for h in helpers]
    closed = set(
        OpeningException.objects.filter(date=day, closed=True).values_list("place_id", flat=True)
    )
    holiday = public_holiday(day)
    slots = OpeningSlot.objects.filter(weekday=day.weekday()).order_by("start")
    places = {}
    for place in Place.objects.filter(organisation_id__in=org_ids).prefetch_related(
        Prefetch("slots", queryset=slots, to_attr="today_slots")
    ):
        places.setdefault(place.organisation_id, []).append(place)
    services = {}
    for org_id, name in Service.objects.filter(organisation_id__in=org_ids).values_list(
        "organisation_id", "name"
    ):
        services.setdefault(org_id, []).append(name)
    rows = []
    for h in helpers:
        org = h.organisation
        hours, address = [], org.address
        for place in places.get(org.pk, []):
            if place.pk in closed or (holiday and not place.open_on_public_holidays):
                continue
            labels = [s.label for s in place.today_slots if _open_today(s, day)]
            if labels:
                hours += [f"{place.name} : {label}" for label in labels]
                address = address or place.address
        metres = None if h.distance_km is None else h.distance_km * 1000
        rows.append(
            Nearby(org.name, org.pk, distance_text(metres), address, hours,
                   sorted(services.get(org.pk, []))[:5])
        )  # fmt: skip
    return rows


def upcoming_events(today=None, limit=EVENTS):
    """The next public meetings (the agenda's public events only)."""
    return list(
        Meeting.objects.filter(visibility="public")
        .upcoming(today or timezone.localdate())
        .chronological()
        .only("pk", "title", "day", "start", "end", "window_start", "window_end",
              "window_label", "place", "format", "status", "sort_date")[:limit]
    )  # fmt: skip


def quartier_of(lat: float, lon: float):
    """(commune, [QPV and PAC]) containing the point (TerritoryRef)."""
    location = locate([(lat, lon)])[0]
    return location.commune, location.qpv + location.pac


def actions_in(territory_ids: list[int], limit: int = 10) -> list[dict]:
    """The actions programmed or running in these territories: their public fields
    only (title, porteur, dates), never amounts."""
    if not territory_ids:
        return []
    rows = (
        Action.objects.filter(territories__in=territory_ids, status__in=RUNNING)
        .order_by("title", "pk")
        .values("pk", "title", "porteur__name", "starts_on", "ends_on")
        .distinct()[:limit]
    )
    return list(rows)


def initiatives(territory_ids: list[int], limit: int = 10) -> list[Idea]:
    """Citizens' initiatives: the ideas selected or carried out, there first."""
    qs = Idea.objects.filter(confirmed_at__isnull=False, status__in=LAUREATE_STATUSES)
    if territory_ids:
        qs = qs.filter(Q(territories__in=territory_ids))
    return list(qs.only("pk", "title", "status", "area").order_by("-pk").distinct()[:limit])
