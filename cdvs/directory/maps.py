"""The map of the directory: organisations and their places as GeoJSON points, public
fields only (no contact, nobody's personal data), filtered like the list, inside the
map's bounding box and up to a limit, cached per version of the data."""

import hashlib
import json

from cdvs.core.cache import cached

from .models import Organisation, OrganisationKind, Place
from .services import directory_version

DEFAULT_LIMIT = 3000
MAX_LIMIT = 10000
CACHE_SECONDS = 3600


def parse_bbox(value: str):
    """« sud,ouest,nord,est » in decimal degrees, or None; ValueError in French."""
    if not value:
        return None
    try:
        south, west, north, east = (float(v) for v in value.split(","))
    except ValueError:
        raise ValueError(
            "Zone de la carte invalide : quatre nombres attendus (sud,ouest,nord,est)."
        ) from None
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise ValueError("Zone de la carte invalide : sud ≤ nord et ouest ≤ est attendus.")
    return south, west, north, east


def _in_box(qs, bbox):
    qs = qs.filter(lat__isnull=False, lon__isnull=False)
    if bbox is None:
        return qs
    south, west, north, east = bbox
    return qs.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


def markers(organisations, bbox=None, limit=DEFAULT_LIMIT) -> dict:
    """A FeatureCollection of the organisations' own points and of their places in
    `bbox`, at most `limit` of each (then `truncated` is true and `total` says how
    many there are): four narrow queries, whatever the number of organisations."""
    kinds = dict(OrganisationKind.choices)
    ids = organisations.values("pk")
    own = _in_box(Organisation.objects.filter(pk__in=ids), bbox).order_by("pk")
    places = _in_box(Place.objects.filter(organisation__in=ids), bbox).order_by("pk")
    org_rows = list(own.values_list("pk", "name", "kind", "city", "lat", "lon")[: limit + 1])
    place_rows = list(
        places.values_list(
            "pk", "name", "organisation_id", "organisation__name", "organisation__kind",
            "city", "lat", "lon",
        )[: limit + 1]
    )  # fmt: skip
    truncated = len(org_rows) > limit or len(place_rows) > limit
    total = None
    if truncated:
        total = own.count() + places.count()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "type": "organisation",
                "nom": name,
                "organisation": name,
                "organisation_type": kinds.get(kind, kind),
                "commune": city,
                "fiche": f"/organisations/{pk}/",
            },
        }
        for pk, name, kind, city, lat, lon in org_rows[:limit]
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "type": "lieu",
                "nom": name,
                "organisation": org_name,
                "organisation_type": kinds.get(kind, kind),
                "commune": city,
                "fiche": f"/organisations/{org_id}/",
            },
        }
        for _, name, org_id, org_name, kind, city, lat, lon in place_rows[:limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "truncated": truncated,
        "total": total if truncated else len(features),
    }


def cached_markers(organisations, query_string: str, bbox, limit) -> bytes:
    """`markers` as JSON bytes, cached under the query and the data's version (the
    queryset of `organisations` is read only when the cache has not the answer)."""
    digest = hashlib.sha256(f"{query_string}|{bbox}|{limit}".encode()).hexdigest()

    def compute() -> bytes:
        found = markers(organisations, bbox, limit)
        return json.dumps(found, ensure_ascii=False, separators=(",", ":")).encode()

    return cached(("directory:map", directory_version(), digest), compute, CACHE_SECONDS)
