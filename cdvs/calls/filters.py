"""The filters of the list of calls, shared by the page, its exports, the saved
searches (alerts and calendars) and the API, so that they all answer the same."""

from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from cdvs.territories.models import Territory

from .models import CallForProjects, Status

STATUS_VALUES = {"", "tous", "en_cours", *Status.values}
FILTER_KEYS = ("q", "statut", "enjeu", "territoire", "nature", "financeur", "public")


def clean_filters(data) -> dict:
    """The known filters of a query string, validated loosely (unknown values dropped)."""
    out = {}
    for key in FILTER_KEYS:
        value = (data.get(key) or "").strip()[:100]
        if not value:
            continue
        if key in ("enjeu", "territoire"):
            if not value.isdigit():
                continue
            value = int(value)
        if key == "statut" and value not in STATUS_VALUES:
            continue
        out[key] = value
    return out


def as_query(filters: dict) -> str:
    q = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if filters.get(key) not in (None, ""):
            q[key] = str(filters[key])
    return q.urlencode()


def apply_filters(queryset, filters: dict, today=None):
    status = filters.get("statut", "")
    if status == "":
        queryset = queryset.active(today)
    elif status != "tous":
        queryset = queryset.with_status(status, today)
    if filters.get("q"):
        for word in filters["q"].split()[:8]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(funder_name__icontains=word))
    if filters.get("enjeu"):
        through = CallForProjects.enjeux.through
        queryset = queryset.filter(
            Exists(
                through.objects.filter(callforprojects_id=OuterRef("pk"), enjeu_id=filters["enjeu"])
            )
        )
    if filters.get("territoire"):
        through = CallForProjects.territories.through
        ids = Territory.all_objects.related({filters["territoire"]})
        queryset = queryset.filter(
            Exists(through.objects.filter(callforprojects_id=OuterRef("pk"), territory_id__in=ids))
            | ~Exists(through.objects.filter(callforprojects_id=OuterRef("pk")))
        )
    if filters.get("nature"):
        queryset = queryset.filter(nature=filters["nature"])
    if filters.get("financeur"):
        queryset = queryset.filter(funder_name__icontains=filters["financeur"])
    if filters.get("public"):
        queryset = queryset.filter(tags__contains=f"|p:{filters['public']}|")
    return queryset


def ordered(queryset, filters: dict):
    if filters.get("statut") == Status.CLOSED:
        return queryset.order_by("-sort_date", "-opens_on", "-pk")
    # deadlines first (nearest first), then the calls au fil de l'eau
    return queryset.order_by("sort_date", "opens_on", "pk")
