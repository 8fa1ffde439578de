"""Writes of the directory (each in one transaction, with its history) and its searches."""

import math
from dataclasses import dataclass

from django.db import transaction
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
    those without coordinates come last, by name.

    The filters run in the database; the distances are computed with numpy over the
    coordinates of the matching organisations and of their places (two narrow
    queries), then only the `limit` nearest fiches are loaded: a constant number of
    queries, whatever the number of matches."""
    qs = Organisation.objects.all()
    if thematique:
        qs = qs.with_thematique(thematique)
    if need:
        qs = qs.search(need)
    if age is not None:
        qs = qs.for_age(age)
    if lat is None or lon is None:
        chosen = {o.pk: (None, None) for o in qs.only("pk").order_by("name")[:limit]}
    else:
        chosen = _nearest(qs, lat, lon, limit)
    organisations = Organisation.objects.select_related("territory").in_bulk(list(chosen))
    places = Place.objects.in_bulk([p for _, p in chosen.values() if p])
    helpers = [
        Helper(organisations[pk], distance, places.get(place_pk))
        for pk, (distance, place_pk) in chosen.items()
        if pk in organisations
    ]
    helpers.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, h.organisation.name))
    return helpers


def _haversine_np(lat, lon, lats, lons):
    import numpy as np

    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


BOX_HALF_SIDES = (0.02, 0.06, 0.2, 0.6)  # degrees of latitude, then everything


def _nearest(qs, lat, lon, limit) -> dict:
    """{organisation pk: (distance in km or None, nearest place pk or None)}, the
    `limit` nearest first; organisations without any coordinates fill up by name.

    A bounding box around the point prefilters the coordinates (indexed); it widens
    until the `limit`-th nearest is inside the circle the box contains, so the answer
    is the same as without a box."""
    import numpy as np

    chosen: dict = {}
    for half in (*BOX_HALF_SIDES, None):
        own = qs.filter(lat__isnull=False)
        places = Place.objects.filter(organisation__in=qs.values("pk"), lat__isnull=False)
        if half is not None:
            box = {
                "lat__gte": lat - half,
                "lat__lte": lat + half,
                "lon__gte": lon - half / max(math.cos(math.radians(lat)), 0.1),
                "lon__lte": lon + half / max(math.cos(math.radians(lat)), 0.1),
            }
            own, places = own.filter(**box), places.filter(**box)
        rows = [(pk, 0, a, o) for pk, a, o in own.values_list("pk", "lat", "lon")]
        rows += list(places.values_list("organisation_id", "pk", "lat", "lon"))
        if not rows:
            if half is None:
                break
            continue
        array = np.array(rows, dtype=float)
        distances = _haversine_np(lat, lon, array[:, 2], array[:, 3])
        chosen = {}
        for i in np.argsort(distances, kind="stable"):
            pk = int(array[i, 0])
            if pk not in chosen:
                chosen[pk] = (float(distances[i]), int(array[i, 1]) or None)
                if len(chosen) >= limit:
                    break
        inscribed = None if half is None else half * 110.574 * 0.999
        if half is None or (
            len(chosen) >= limit and max(d for d, _ in chosen.values()) <= inscribed
        ):
            break
    if len(chosen) < limit:
        rest = qs.exclude(pk__in=list(chosen)).order_by("name").values_list("pk", flat=True)
        for pk in rest[: limit - len(chosen)]:
            chosen[pk] = (None, None)
    return chosen


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
