"""Writes of the directory (each in one transaction, with its history) and its searches."""

import difflib
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import shapely
from data_inclusion.schema.v1 import Public, Structure, Thematique
from data_inclusion.schema.v1 import Service as DIService
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from pydantic import ValidationError

from cdvs.contract.models import enjeu_labels
from cdvs.core.cache import cached, data_version
from cdvs.core.french import fold, words
from cdvs.core.geocoding import BanClient, in_france
from cdvs.core.history import mark_history, save_with_history
from cdvs.core.place_input import distance_text
from cdvs.territories import geo
from cdvs.territories.models import Kind, Territory

from .hours import organisations_open_on, osm_opening_hours
from .models import Contact, OpeningException, OpeningSlot, Organisation, Place, Service


@transaction.atomic
def update_fiche(form, user) -> Organisation:
    """Save an organisation's fiche from a valid form (fields and many-to-many)."""
    organisation = form.save(commit=False)
    organisation.last_confirmed_at = timezone.now()
    save_with_history(organisation, user, "Modification de la fiche")
    form.save_m2m()
    organisation.refresh_index()
    return organisation


@transaction.atomic
def create_organisation(form, user) -> Organisation:
    """A new fiche from a valid creation form (the fiche edit's fields and checks)."""
    organisation = form.save(commit=False)
    organisation.last_confirmed_at = timezone.now()
    save_with_history(organisation, user, "Création de la fiche")
    form.save_m2m()
    organisation.refresh_index()
    return organisation


DUPLICATE_RATIO = 0.85


def _name_key(name: str) -> str:
    return " ".join(words(name))


def possible_duplicates(*, name: str, city: str = "", postcode: str = "", siret: str = ""):
    """Organisations that may be the one about to be created: the same SIRET, or a close
    name (folded words, difflib ratio >= DUPLICATE_RATIO, or one name inside the other)
    in the same commune (same folded commune name; the same postcode when either has no
    commune). A list of (organisation, reason), the SIRET matches first."""
    found = {}
    if siret:
        for org in Organisation.objects.filter(siret=siret).order_by("name")[:10]:
            found[org.pk] = (org, f"même SIRET ({siret})")
    key = _name_key(name)
    commune = fold(city).strip()
    near = []
    if key and (commune or postcode):
        # every fiche's name and commune (a few thousand short rows): accents and case
        # of the commune are folded in Python, which the database cannot do portably
        rows = Organisation.objects.values_list("pk", "name", "city", "postcode")
        for pk, org_name, org_city, org_postcode in rows.iterator():
            if commune and org_city:
                same_place = fold(org_city).strip() == commune
            else:
                same_place = bool(postcode) and org_postcode == postcode
            if pk in found or not same_place:
                continue
            other = _name_key(org_name)
            matcher = difflib.SequenceMatcher(None, key, other)
            # the cheap upper bounds first: most names of a commune stop there
            close = (
                matcher.real_quick_ratio() >= DUPLICATE_RATIO
                and matcher.quick_ratio() >= DUPLICATE_RATIO
                and matcher.ratio() >= DUPLICATE_RATIO
            )
            inside = min(len(key), len(other)) >= 6 and (key in other or other in key)
            if close or inside:
                near.append(pk)
    for org in Organisation.objects.filter(pk__in=near).order_by("name"):
        found[org.pk] = (org, f"nom proche dans la même commune ({org.city or org.postcode})")
    return list(found.values())[:10]


@transaction.atomic
def mark_up_to_date(organisation: Organisation, user) -> Organisation:
    """« Marquer comme à jour » : confirm the fiche without editing it."""
    organisation.last_confirmed_at = timezone.now()
    return save_with_history(
        organisation,
        user,
        "Fiche confirmée à jour",
        update_fields=["last_confirmed_at", "updated_at"],
    )


@transaction.atomic
def add_contact(form, organisation, user) -> Contact:
    contact = form.save(commit=False)
    contact.organisation = organisation
    return save_with_history(contact, user, "Ajout d'un contact")


# ------------------------------------------------------------------ searching


# what the directory's cached answers depend on
DATA_MODELS = (Organisation, Place, OpeningSlot, OpeningException)


def directory_version() -> str:
    """Changes whenever a fiche, a place or an opening hour changes: every write of the
    application leaves a history row (imports too)."""
    return data_version(*DATA_MODELS)


def with_place_near(territory, metres: int = 0):
    """Ids of the organisations with a place inside `territory` or at most `metres` from
    its perimeter. A commune without its outline falls back on the commune the BAN gave
    to each place; otherwise the perimeter is needed (FilterForm says so). Kept in the
    cache until a fiche, a place or a territory changes."""
    places = Place.objects.all()
    if not territory.has_perimeter:
        if metres or territory.kind != Kind.COMMUNE:
            raise ValueError(f"Le périmètre de {territory.name} n'est pas chargé.")
        return places.filter(citycode=territory.code).values("organisation_id")
    stamp = territory.updated_at.timestamp() if territory.updated_at else 0
    key = ("directory:near", territory.pk, stamp, metres, directory_version())
    return cached(key, lambda: _organisations_near(places, territory.outline, metres))


def _organisations_near(places, outline, metres: int) -> list[int]:
    min_lon, min_lat, max_lon, max_lat = geo.bounds_around(outline, metres)
    candidates = places.filter(
        lat__range=(min_lat, max_lat), lon__range=(min_lon, max_lon)
    ).order_by()
    # tens of thousands of rows in a large commune: read as plain tuples, not through the ORM
    sql, params = candidates.values_list("organisation_id", "lon", "lat").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = np.array(cursor.fetchall(), dtype=float).reshape(-1, 3)
    if metres:
        inside = geo.within_distance(outline, rows[:, 1], rows[:, 2], metres)
    else:
        shapely.prepare(outline)
        inside = shapely.intersects_xy(outline, rows[:, 1], rows[:, 2])
    return sorted({int(pk) for pk in rows[inside, 0]})


def open_filter(qs, params: dict):
    """« Ouvert le … » : a date (`open_date`) or a weekday (`open_weekday`, 0 = lundi):
    organisations with a place open then (one subquery)."""
    if params.get("open_date"):
        return qs.filter(organisations_open_on(day=params["open_date"]))
    if params.get("open_weekday") not in (None, ""):
        return qs.filter(organisations_open_on(weekday=int(params["open_weekday"])))
    return qs


# what a row of the list pages shows (name, type, enjeux, commune, freshness)
LIST_PAGE_COLUMNS = (
    "id", "name", "kind", "city", "territory__name", "territory__kind",
    "territory__code", "last_confirmed_at", "update_frequency_months",
)  # fmt: skip


def list_rows_key(query_string: str, mine) -> str:
    """What the rows of a list page depend on: the query (filters and page), the data's
    version (every write leaves a history row), the territories' version, the day (the
    « mis à jour il y a N mois » badges) and the reader's own organisations."""
    version = data_version(*DATA_MODELS, Territory, Territory.all_objects.all())
    parts = [query_string, version, timezone.localdate().isoformat()]
    parts.append(",".join(map(str, sorted(mine))))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def listing(qs):
    """What the list pages show, in a constant number of queries (the territory's
    name, not its perimeter)."""
    return (
        qs.select_related("territory")
        .defer("territory__geometry")
        .prefetch_related(Prefetch("enjeux", queryset=enjeu_labels()))
    )


EARTH_RADIUS_KM = 6371.0088


@dataclass
class Helper:
    organisation: Organisation
    distance_km: float | None
    place: Place | None  # the nearest place, if nearer than the organisation's address

    @property
    def distance_label(self) -> str:
        return distance_text(None if self.distance_km is None else self.distance_km * 1000)


def who_can_help(
    *, need: str = "", thematique: str = "", age=None, lat=None, lon=None, limit=50, opening=None
):
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
    if opening:
        qs = open_filter(qs, opening)
    if lat is None or lon is None:
        chosen = {o.pk: (None, None) for o in qs.only("pk").order_by("name")[:limit]}
    else:
        chosen = _nearest(qs, lat, lon, limit)
    organisations = (
        Organisation.objects.select_related("territory")
        .defer("territory__geometry")
        .in_bulk(list(chosen))
    )
    places = Place.objects.in_bulk([p for _, p in chosen.values() if p])
    helpers = [
        Helper(organisations[pk], distance, places.get(place_pk))
        for pk, (distance, place_pk) in chosen.items()
        if pk in organisations
    ]
    helpers.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, h.organisation.name))
    return helpers


def _haversine_np(lat, lon, lats, lons):
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


# degrees of latitude, then everything: the first box (about 550 m) holds enough
# places in a dense town; each step is one indexed query
BOX_HALF_SIDES = (0.005, 0.02, 0.06, 0.2, 0.6)


def _nearest(qs, lat, lon, limit) -> dict:
    """{organisation pk: (distance in km or None, nearest place pk or None)}, the
    `limit` nearest first; organisations without any coordinates fill up by name.

    A bounding box around the point prefilters the coordinates (indexed); it widens
    until the `limit`-th nearest is inside the circle the box contains, so the answer
    is the same as without a box."""
    chosen: dict = {}
    for half in (*BOX_HALF_SIDES, None):
        own = qs.filter(lat__isnull=False).order_by()
        # EXISTS per place rather than IN (all matching organisations): the database
        # walks the box through the coordinates' index and checks only those places
        matching = Exists(qs.filter(pk=OuterRef("organisation_id")))
        places = Place.objects.filter(matching, lat__isnull=False).order_by()
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

    geom = shapely.from_geojson(territory.geometry)
    if geom is None or geom.is_empty:
        return None
    point = geom.representative_point()
    return point.y, point.x


# ------------------------------------------------------------------ places and geocoding


def place_address(place) -> str:
    return " ".join(p for p in (place.address, place.postcode, place.city) if p)


def apply_geocoding(place: Place, result) -> Place:
    """Copy a BAN result on a place (not saved): point, found label, score, and the
    « à vérifier » flag when the score is low."""
    place.lat, place.lon = result.lat, result.lon
    place.citycode = result.citycode
    place.geocoding_label = result.label[:255]
    place.geocoding_score = result.score
    place.needs_review = result.needs_review
    if not place.postcode and result.postcode:
        place.postcode = result.postcode
    if not place.city and result.city:
        place.city = result.city[:120]
    return place


@transaction.atomic
def save_place(form, organisation, user) -> Place:
    place = form.save(commit=False)
    place.organisation = organisation
    reason = "Modification d'un lieu d'accueil" if place.pk else "Ajout d'un lieu"
    return save_with_history(place, user, reason)  # classified QPV / PAC / hors périmètre


def geocode_places(places, *, client=None, user=None, reason="Géocodage des adresses") -> dict:
    """Geocode many places in one request to the BAN's CSV endpoint and save them (each
    in its history, classified on save). Places whose address the BAN cannot place
    are left without coordinates. Returns counts: found, to_review, not_found."""
    places = [p for p in places if place_address(p)]
    client = client or BanClient()
    rows = [
        {"adresse": p.address or p.name, "code_postal": p.postcode, "commune": p.city}
        for p in places
    ]
    results = client.search_csv(rows, ["adresse", "commune"], postcode_column="code_postal")
    counts = {"found": 0, "to_review": 0, "not_found": 0}
    with transaction.atomic():
        for place, result in zip(places, results, strict=True):
            if result is None or not in_france(result.lat, result.lon):
                counts["not_found"] += 1
                continue
            apply_geocoding(place, result)
            save_with_history(place, user, reason)
            counts["found"] += 1
            counts["to_review"] += int(place.needs_review)
    return counts


# ------------------------------------------------------------------ exports


def places_geojson(organisations) -> dict:
    """The places of `organisations` as a GeoJSON FeatureCollection (WGS84): public
    fields only (no contact, nobody's personal data)."""
    qs = (
        Place.objects.filter(organisation__in=organisations.values("pk"), lat__isnull=False)
        .select_related("organisation", "territory")
        .defer("territory__geometry")
        .order_by("organisation__name", "name")
    )
    features = []
    for place in qs:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
                "properties": {
                    "nom": place.name,
                    "organisation": place.organisation.name,
                    "organisation_type": place.organisation.get_kind_display(),
                    "fiche": place.organisation.get_absolute_url(),
                    "adresse": place.address,
                    "code_postal": place.postcode,
                    "commune": place.city,
                    "localisation": place.classification,
                    "localisation_libelle": place.get_classification_display(),
                    "territoire": place.territory.name if place.territory else None,
                    "territoire_code": place.territory.code if place.territory else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


DI_SOURCE = "cdvs"
HOURS_PREFETCH = ("places__slots", "places__exceptions")


def _place_hours(place) -> str | None:
    return osm_opening_hours(
        place.slots.all(), place.exceptions.all(), place.open_on_public_holidays
    )


def _organisation_hours(org) -> str | None:
    """The hours of the organisation's only place with hours (with several places
    open at different hours, each service carries its own)."""
    hours = [h for h in (_place_hours(p) for p in org.places.all()) if h]
    return hours[0] if len(hours) == 1 else None


def _di_date(org):
    moment = org.last_confirmed_at or org.updated_at or timezone.now()
    return min(timezone.localdate(moment), timezone.localdate())


def data_inclusion_structures(organisations, base_url: str) -> tuple[list[dict], int]:
    """The organisations as data·inclusion structures (schema v1), each validated with
    the package's model; returns (items, number left out because invalid). Never any
    contact: `telephone` and `courriel` stay empty (they would be a person's)."""
    items, skipped = [], 0
    for org in organisations.order_by("pk").prefetch_related(*HOURS_PREFETCH):
        data = {
            "source": DI_SOURCE,
            "id": f"{DI_SOURCE}--{org.pk}",
            "nom": org.name[:150].rstrip("."),
            "date_maj": _di_date(org),
            "lien_source": base_url + org.get_absolute_url(),
            "description": org.description if len(org.description) >= 5 else None,
            "siret": org.siret or None,
            "adresse": org.address or None,
            "code_postal": org.postcode or None,
            "commune": org.city or None,
            "latitude": org.lat,
            "longitude": org.lon,
            "site_web": org.website or None,
            "horaires_accueil": _organisation_hours(org),
        }
        try:
            structure = Structure.model_validate(data)
        except ValidationError:
            skipped += 1
            continue
        items.append(structure.model_dump(mode="json", exclude_none=True))
    return items, skipped


def data_inclusion_services(organisations, base_url: str) -> tuple[list[dict], int]:
    """The services of the organisations as data·inclusion services (schema v1)."""
    thematiques = {t.value for t in Thematique}
    publics = {p.value for p in Public}
    qs = (
        Service.objects.filter(organisation__in=organisations.values("pk"))
        .select_related("organisation", "place")
        .prefetch_related("place__slots", "place__exceptions")
        .order_by("pk")
    )
    items, skipped = [], 0
    for service in qs:
        org, place = service.organisation, service.place
        where = place or org
        description = service.description
        if len(description) < 5:
            description = f"{service.name} — proposé par {org.name}"
        data = {
            "source": DI_SOURCE,
            "id": f"{DI_SOURCE}--service-{service.pk}",
            "structure_id": f"{DI_SOURCE}--{org.pk}",
            "nom": service.name[:150].rstrip("."),
            "description": description,
            "date_maj": min(timezone.localdate(service.updated_at), timezone.localdate()),
            "lien_source": base_url + org.get_absolute_url(),
            "thematiques": [t for t in service.thematiques if t in thematiques] or None,
            "publics": [p for p in service.publics if p in publics] or None,
            "adresse": where.address or None,
            "code_postal": where.postcode or None,
            "commune": where.city or None,
            "latitude": where.lat,
            "longitude": where.lon,
            "horaires_accueil": _place_hours(place) if place else None,
        }
        try:
            item = DIService.model_validate(data)
        except ValidationError:
            skipped += 1
            continue
        items.append(item.model_dump(mode="json", exclude_none=True))
    return items, skipped


@transaction.atomic
def erase_contact(contact: Contact) -> None:
    """Erase a person's contact entry at their request (RGPD, right to erasure): the
    row and every past version of it, so that nothing of it remains in the history."""
    pk = contact.pk
    Contact.all_objects.filter(pk=pk).delete()
    # after the row: its deletion itself writes a last version, with the data
    Contact.history.filter(id=pk).delete()


# ------------------------------------------------------------------ opening hours


@transaction.atomic
def save_hours(place: Place, holidays_form, slots, exceptions, user) -> None:
    """Save a place's slots and exceptions from valid formsets: removed ones go to
    the trash (soft deletion, in their history), the others are saved with theirs."""
    mark_history(holidays_form.instance, user, "Modification des horaires")
    holidays_form.save()
    for formset in (slots, exceptions):
        for form in formset.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            obj = form.instance
            if formset.can_delete and form.cleaned_data.get("DELETE"):
                if obj.pk:
                    obj.soft_delete(user, "Suppression d'un horaire")
                continue
            if not form.has_changed():
                continue
            obj = form.save(commit=False)
            obj.place = place
            reason = "Modification des horaires" if obj.pk else "Ajout d'un horaire"
            save_with_history(obj, user, reason)


# ------------------------------------------------------------------ contacts and services


@transaction.atomic
def save_contact(form, user) -> Contact:
    """Edit a contact: the person's consent is confirmed again (its date renewed)."""
    return save_with_history(form.save(commit=False), user, "Modification d'un contact")


@transaction.atomic
def save_service(form, organisation, user):
    service = form.save(commit=False)
    service.organisation = organisation
    reason = "Modification d'un service" if service.pk else "Ajout d'un service"
    return save_with_history(service, user, reason)
