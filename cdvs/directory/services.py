"""Writes of the directory (each in one transaction, with its history) and its searches."""

import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from .models import Contact, Organisation, Place


@transaction.atomic
def update_fiche(form, user) -> Organisation:
    """Save an organisation's fiche from a valid form (fields and many-to-many)."""
    organisation = form.save(commit=False)
    organisation._history_user = user
    organisation._change_reason = "Modification de la fiche"
    organisation.last_confirmed_at = timezone.now()
    organisation.save()
    form.save_m2m()
    organisation.refresh_index()
    return organisation


@transaction.atomic
def mark_up_to_date(organisation: Organisation, user) -> Organisation:
    """« Marquer comme à jour » : confirm the fiche without editing it."""
    organisation._history_user = user
    organisation._change_reason = "Fiche confirmée à jour"
    organisation.last_confirmed_at = timezone.now()
    organisation.save(update_fields=["last_confirmed_at", "updated_at"])
    return organisation


@transaction.atomic
def add_contact(form, organisation, user) -> Contact:
    contact = form.save(commit=False)
    contact.organisation = organisation
    contact._history_user = user
    contact._change_reason = "Ajout d'un contact"
    contact.save()
    return contact


# ------------------------------------------------------------------ searching


def filtered(params: dict):
    """Organisations matching the list filters (a cleaned FilterForm's data)."""
    qs = Organisation.objects.all()
    if params.get("q"):
        qs = qs.search(params["q"])
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("enjeu"):
        qs = qs.filter(enjeux=params["enjeu"])
    if params.get("public"):
        qs = qs.with_public(params["public"])
    if params.get("thematique"):
        qs = qs.with_thematique(params["thematique"])
    if params.get("age") is not None:
        qs = qs.for_age(params["age"])
    if params.get("territory"):
        qs = qs.serving(params["territory"])
    return qs


def listing(qs):
    """What the list pages show, in a constant number of queries."""
    return qs.select_related("territory").prefetch_related("enjeux")


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class Helper:
    organisation: Organisation
    distance_km: float | None
    place: Place | None  # the nearest place, if nearer than the organisation's address

    @property
    def distance_label(self) -> str:
        if self.distance_km is None:
            return "distance inconnue"
        if self.distance_km < 1:
            return f"{round(self.distance_km * 1000 / 50) * 50:.0f} m"
        return f"{self.distance_km:.1f} km".replace(".", ",")


def who_can_help(*, need: str = "", thematique: str = "", age=None, lat=None, lon=None, limit=50):
    """Organisations that can help with a need at an age, nearest to (lat, lon) first;
    those without coordinates come last, by name. Distances are computed in Python over
    the filtered set (its size is bounded by the filters; no spatial index needed)."""
    qs = Organisation.objects.all()
    if thematique:
        qs = qs.with_thematique(thematique)
    if need:
        qs = qs.search(need)
    if age is not None:
        qs = qs.for_age(age)
    qs = qs.select_related("territory").prefetch_related(
        Prefetch(
            "places", queryset=Place.objects.filter(lat__isnull=False), to_attr="located_places"
        )
    )
    helpers = []
    for org in qs:
        best, best_place = None, None
        if lat is not None and lon is not None:
            if org.lat is not None and org.lon is not None:
                best = haversine_km(lat, lon, org.lat, org.lon)
            for place in org.located_places:
                d = haversine_km(lat, lon, place.lat, place.lon)
                if best is None or d < best:
                    best, best_place = d, place
        helpers.append(Helper(org, best, best_place))
    helpers.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, h.organisation.name))
    return helpers[:limit]


def point_of(territory):
    """A representative point (lat, lon) of a territory's perimeter, or None."""
    if not territory.geometry:
        return None
    import shapely

    geom = shapely.from_geojson(territory.geometry)
    if geom is None or geom.is_empty:
        return None
    point = geom.representative_point()
    return point.y, point.x
