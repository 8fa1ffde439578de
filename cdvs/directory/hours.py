"""Opening hours of the places: the OpenStreetMap `opening_hours` syntax for
data·inclusion, and « ouvert le … » as a database filter (a constant number of queries
whatever the number of places). The French labels (« le mardi de 14 h 00 à 17 h 00 »)
sit next to the models they label, in `models.py`."""

import datetime
from functools import lru_cache

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import OSM_DAYS, OpeningException, OpeningSlot

OSM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]  # fmt: skip


# ------------------------------------------------------------------ OpenStreetMap syntax


def _osm_time(t) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _osm_date(d) -> str:
    return f"{d.year} {OSM_MONTHS[d.month - 1]} {d.day:02d}"


def osm_opening_hours(slots, exceptions=(), open_on_public_holidays=False) -> str | None:
    """The slots and exceptions of a place in OpenStreetMap's `opening_hours` syntax
    (what data·inclusion's `horaires_accueil` expects), or None without any slot.
    Slots are additional rules (« , »): two slots the same day add up; exceptions
    override the day (« ; »); public holidays are closed unless the place opens."""
    rules = []
    for slot in sorted(slots, key=lambda s: (s.weekday, s.start)):
        selector = OSM_DAYS[slot.weekday]
        if slot.weeks:
            selector += "[" + ",".join(str(n) for n in slot.week_numbers) + "]"
        if slot.valid_from or slot.valid_until:
            start = _osm_date(slot.valid_from or datetime.date(2000, 1, 1))
            end = _osm_date(slot.valid_until or datetime.date(2099, 12, 31))
            selector = f"{start}-{end} {selector}"
        rules.append(f"{selector} {_osm_time(slot.start)}-{_osm_time(slot.end)}")
    if not rules:
        return None
    text = ", ".join(rules)
    for exception in sorted(exceptions, key=lambda e: e.date):
        if exception.closed:
            text += f"; {_osm_date(exception.date)} off"
        elif exception.start and exception.end:
            text += (
                f"; {_osm_date(exception.date)} "
                f"{_osm_time(exception.start)}-{_osm_time(exception.end)}"
            )
    if not open_on_public_holidays:
        text += "; PH off"
    return text


# ------------------------------------------------------------------ « ouvert le … »


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> dict:
    import holidays  # lazy: 0.3 s to import, only for « ouvert le » on a date

    return dict(holidays.France(years=year))


def public_holiday(day: datetime.date) -> str | None:
    """The name of the French public holiday on `day` (metropolitan France), or None."""
    return _french_holidays(day.year).get(day)


def week_of_month(day: datetime.date) -> int:
    return (day.day - 1) // 7 + 1


def organisations_open_on(*, day: datetime.date | None = None, weekday: int | None = None):
    """A Q on organisations with a place open on a date (its weekday's slots valid
    that day and that week of the month, minus the places closed that date and, on a
    public holiday, those that close then; plus exceptional openings), or on a
    weekday (slots of that day still valid today). One correlated subquery on the
    slots, whose `organisation` is copied from their place (index weekday,
    organisation): the database checks only the rows the other filters keep; the
    few exceptional openings of the date are read first (one small query)."""
    if day is None:
        slots = OpeningSlot.objects.filter(weekday=weekday).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
        )
        return Q(Exists(slots.filter(organisation_id=OuterRef("pk"))))
    slots = OpeningSlot.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        Q(weeks="") | Q(weeks__contains=str(week_of_month(day))),
        weekday=day.weekday(),
    )
    exceptions = OpeningException.objects.filter(date=day)
    slots = slots.exclude(place_id__in=exceptions.filter(closed=True).values("place_id"))
    if public_holiday(day):
        slots = slots.filter(place__open_on_public_holidays=True)
    q = Q(Exists(slots.filter(organisation_id=OuterRef("pk"))))
    extra = set(exceptions.filter(closed=False).values_list("organisation_id", flat=True))
    if extra:
        q |= Q(pk__in=sorted(extra))
    return q
