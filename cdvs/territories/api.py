"""Territories in the JSON API (mounted at /api/territoires): read-only lists, details
with their perimeter, GeoJSON layers, and `locate` (which territories contain points).
"""

from __future__ import annotations

import json
import math
from typing import Annotated

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from cdvs.api.errors import LIST, errors
from cdvs.api.types import Code
from cdvs.core.cache import cached_json
from cdvs.core.french import format_number

from .locate import index_version, locate
from .models import Kind, Territory
from .services import feature_collection

router = Router()

MAX_POINTS = 10_000
KINDS = ", ".join(Kind.values)
# checked by _check_kind (French message); described with its values
KindCode = Annotated[Code, WithJsonSchema({"type": "string", "enum": Kind.values})]


class TerritoryBrief(Schema):
    kind: str = Field(description="Type : epci, commune, qpv ou pac")
    code: str = Field(description="SIREN (EPCI), code INSEE (commune), code ANCT (QPV), clé (PAC)")
    name: str = Field(description="Nom")


class TerritoryOut(TerritoryBrief):
    kind_label: str = Field(description="Type, en toutes lettres")
    parent: TerritoryBrief | None = Field(description="Territoire de rattachement")
    population: int | None = Field(description="Population municipale (communes)")
    has_perimeter: bool = Field(description="Le périmètre est-il chargé ?")
    geometry_source: str = Field(description="Source du périmètre")
    bbox: list[float] | None = Field(description="Emprise [lon min, lat min, lon max, lat max]")
    url: str = Field(description="Page du territoire")


class TerritoryDetail(TerritoryOut):
    geometry: dict | None = Field(description="Périmètre (géométrie GeoJSON, WGS84)")
    communes: list[TerritoryBrief] = Field(description="Communes couvertes (QPV, PAC)")
    children: list[TerritoryBrief] = Field(description="Territoires rattachés")
    priority_areas: list[TerritoryBrief] = Field(description="QPV et PAC qui couvrent la commune")


class FeatureCollectionOut(Schema):
    type: str = Field("FeatureCollection")
    features: list[dict] = Field(
        description="Un objet par territoire doté d'un périmètre ; propriétés kind, code, name, url, source"
    )


def _number(value, what: str, number: int | None, limit: float) -> float:
    where = f"Point n° {number} : la" if number is not None else "La"
    if isinstance(value, str) and number is None:  # query string
        try:
            value = float(value.replace(",", "."))
        except ValueError:
            raise PydanticCustomError(
                "nombre_attendu", f"{where} {what} doit être un nombre (reçu : « {value} »)."
            ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError(
            "nombre_attendu", f"{where} {what} doit être un nombre (reçu : {value!r})."
        )
    if not math.isfinite(value) or abs(value) > limit:
        raise PydanticCustomError(
            "hors_limites",
            f"{where} {what} doit être comprise entre -{limit:g} et {limit:g} (reçu : {value}).",
        )
    return float(value)


class PointIn(BaseModel):
    lat: float = Field(ge=-90, le=90, description="Latitude WGS84, en degrés")
    lon: float = Field(ge=-180, le=180, description="Longitude WGS84, en degrés")


class LocateIn(BaseModel):
    points: list[PointIn] = Field(
        max_length=MAX_POINTS, description=f"Les points à situer ({MAX_POINTS} au plus par appel)"
    )

    @model_validator(mode="before")
    @classmethod
    def french_messages(cls, data):
        """Every check done here first, so that errors come in French."""
        if not isinstance(data, dict) or "points" not in data:
            raise PydanticCustomError(
                "points_absents", "Le corps doit être un objet JSON avec une liste « points »."
            )
        points = data["points"]
        if not isinstance(points, list):
            raise PydanticCustomError("points_liste", "« points » doit être une liste.")
        if len(points) > MAX_POINTS:
            raise PydanticCustomError(
                "trop_de_points",
                f"Trop de points : {format_number(len(points), 0)} reçus, "
                f"{format_number(MAX_POINTS, 0)} au plus par appel.",
            )
        cleaned = []
        for number, point in enumerate(points, start=1):
            if not isinstance(point, dict) or "lat" not in point or "lon" not in point:
                raise PydanticCustomError(
                    "point_invalide",
                    f'Point n° {number} : un objet {{"lat": …, "lon": …}} est attendu.',
                )
            cleaned.append(
                {
                    "lat": _number(point["lat"], "latitude", number, 90),
                    "lon": _number(point["lon"], "longitude", number, 180),
                }
            )
        return {"points": cleaned}


class LocateQuery(BaseModel):
    lat: float = Field(ge=-90, le=90, description="Latitude WGS84, en degrés")
    lon: float = Field(ge=-180, le=180, description="Longitude WGS84, en degrés")

    @model_validator(mode="before")
    @classmethod
    def french_messages(cls, data):
        data = dict(data)
        for key, what, limit in (("lat", "latitude", 90), ("lon", "longitude", 180)):
            value = data.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if value in (None, ""):
                raise PydanticCustomError(
                    "parametre_absent", f"Le paramètre « {key} » ({what}) est obligatoire."
                )
            data[key] = _number(value, what, None, limit)
        return data


class LocationOut(Schema):
    lat: float
    lon: float
    epci: TerritoryBrief | None = Field(description="EPCI contenant le point")
    commune: TerritoryBrief | None = Field(description="Commune contenant le point")
    qpv: list[TerritoryBrief] = Field(description="QPV contenant le point (périmètres chargés)")
    pac: list[TerritoryBrief] = Field(description="PAC contenant le point")
    en_qpv_ou_pac: bool = Field(description="Le point est-il dans un QPV ou un PAC ?")


class LocateOut(Schema):
    results: list[LocationOut] = Field(description="Un résultat par point, dans l'ordre reçu")


def _brief(t) -> dict | None:
    if t is None:
        return None
    return {"kind": t.kind, "code": t.code, "name": t.name}


def _out(t: Territory) -> dict:
    loaded = getattr(t, "perimeter_loaded", None)  # annotated on lists (geometry deferred)
    return {
        **_brief(t),
        "kind_label": t.get_kind_display(),
        "parent": _brief(t.parent),
        "population": t.population,
        "has_perimeter": t.has_perimeter if loaded is None else bool(loaded),
        "geometry_source": t.geometry_source,
        "bbox": t.bbox,
        "url": t.get_absolute_url(),
    }


def _check_kind(kind: str | None):
    if kind is not None and kind not in Kind.values:
        raise HttpError(422, f"Type de territoire inconnu : « {kind} » (attendus : {KINDS}).")


@router.get("/", response={200: list[TerritoryOut], **LIST}, summary="Liste des territoires")
def list_territories(
    request,
    kind: KindCode | None = Query(None, description=f"Filtre par type : {KINDS}"),  # noqa: B008
):
    """Les territoires (sans leur périmètre), éventuellement d'un seul type."""
    _check_kind(kind)

    def build():
        rows = (
            Territory.objects.select_related("parent")
            .defer("geometry", "parent__geometry")
            .annotate(
                perimeter_loaded=ExpressionWrapper(~Q(geometry=""), output_field=BooleanField())
            )
        )
        if kind:
            rows = rows.of_kind(kind)
        return [_out(t) for t in rows.order_by("kind", "name")]

    key = f"territories:api-list:{kind or 'all'}:{index_version()}"
    return cached_json(key, list[TerritoryOut], build)


@router.get(
    "/geojson/{kind}",
    response={200: FeatureCollectionOut, **errors(404, 422)},
    summary="Périmètres d'un type de territoire (GeoJSON)",
)
def geojson_layer(request, kind: KindCode):
    """Une FeatureCollection GeoJSON (WGS84) des territoires du type demandé dont le
    périmètre est chargé."""
    _check_kind(kind)
    return feature_collection(Territory.objects.of_kind(kind).with_perimeter().order_by("name"))


def _locate(points):
    try:
        results = locate(points)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    return {"results": [r.as_dict() for r in results]}


@router.get("/locate", response={200: LocateOut, **LIST}, summary="Situer un point")
def locate_one(request, params: Query[LocateQuery]):
    """L'EPCI, la commune, les QPV et PAC qui contiennent un point (un point sur le bord
    d'un périmètre compte comme dedans)."""
    return _locate([(params.lat, params.lon)])


@router.post(
    "/locate",
    response={200: LocateOut, **errors(400, 422)},
    summary="Situer des points (10 000 au plus)",
)
def locate_many(request, payload: LocateIn):
    """Pour chaque point, l'EPCI, la commune, les QPV et PAC qui le contiennent, dans
    l'ordre des points reçus. Les QPV ne sont trouvés que si leurs périmètres officiels
    ont été importés."""
    return _locate([(p.lat, p.lon) for p in payload.points])


@router.get(
    "/{kind}/{code}",
    response={200: TerritoryDetail, **errors(404, 422)},
    summary="Un territoire et son périmètre",
)
def territory_detail(request, kind: KindCode, code: Code):
    """Un territoire, avec son périmètre GeoJSON, les communes qu'il couvre, les
    territoires qui lui sont rattachés et, pour une commune, ses QPV et PAC."""
    _check_kind(kind)
    brief_qs = Territory.objects.only("kind", "code", "name").order_by("kind", "name")
    territory = get_object_or_404(
        Territory.objects.select_related("parent").prefetch_related(
            Prefetch("communes", queryset=brief_qs),
            Prefetch("children", queryset=brief_qs),
            Prefetch("priority_areas", queryset=brief_qs),
        ),
        kind=kind,
        code=code,
    )
    return {
        **_out(territory),
        "geometry": json.loads(territory.geometry) if territory.geometry else None,
        "communes": [_brief(t) for t in territory.communes.all()],
        "children": [_brief(t) for t in territory.children.all()],
        "priority_areas": [_brief(t) for t in territory.priority_areas.all()],
    }
