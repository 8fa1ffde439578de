"""Objects of one app made in one call, with the defaults tests do not care about
(plain functions: keyword arguments override any default)."""

from datetime import date

from django.utils import timezone

from cdvs.calls import services as calls_services
from cdvs.meetings.models import Meeting, MeetingSeries, Minutes


def make_call(title="Appel de test", *, enjeux=(), territories=(), **values):
    """A call for projects through the service a coordinator's form calls."""
    values.setdefault("funder_name", "État")
    values.setdefault("opens_on", date(2025, 1, 1))
    values.setdefault("closes_on", date(2025, 3, 31))
    return calls_services.create_call({"title": title, **values}, enjeux, territories)


def make_meeting(world, commune, visibility, title, day=date(2026, 3, 2), **extra):
    """A meeting on `day` in its own instance of `commune` (a key of world.territories,
    or None)."""
    series = MeetingSeries.objects.create(
        name=f"Instance {title}",
        commune=world.territories[commune] if commune else None,
        visibility=visibility,
        period_start=date(2025, 1, 1),
        period_end=date(2030, 12, 31),
    )
    return Meeting.objects.create(
        series=series,
        title=title,
        day=day,
        window_start=day,
        window_end=day,
        sort_date=day,
        visibility=visibility,
        **extra,
    )


def publish_minutes(meeting, body):
    return Minutes.objects.create(meeting=meeting, body=body, published_at=timezone.now())
