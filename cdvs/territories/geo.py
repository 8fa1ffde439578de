"""Reading, checking and writing perimeters (GeoJSON, WGS84 longitude/latitude).

Every message raised here is meant for the person who supplied the file: French,
precise, and naming the feature when there are several.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cdvs.core.french import format_number

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"

# Names a GeoJSON `crs` member may use for the two systems we accept.
_CRS_ALIASES = {
    WGS84: ("CRS84", "4326", "WGS84", "WGS 84"),
    LAMBERT93: ("2154", "LAMBERT93", "LAMBERT-93", "RGF93"),
}

# Lambert-93 covers metropolitan France: x from about 100 000 to 1 250 000 m,
# y from about 6 000 000 to 7 150 000 m (with a margin).
_L93_X = (0.0, 1_400_000.0)
_L93_Y = (5_900_000.0, 7_300_000.0)

COORDINATE_DECIMALS = 7  # about 1 cm: more is noise

_VALIDITY_FR = [
    (r"Ring Self-intersection", "un contour se recoupe lui-même"),
    (r"Self-intersection", "le contour se recoupe (auto-intersection)"),
    (r"Too few points", "un contour a trop peu de sommets"),
    (r"Interior is disconnected", "l'intérieur du polygone est coupé en plusieurs morceaux"),
    (r"Hole lies outside shell", "un trou est en dehors du contour extérieur"),
    (r"Nested holes", "des trous sont imbriqués les uns dans les autres"),
    (r"Nested shells", "des polygones sont imbriqués les uns dans les autres"),
    (r"Duplicate Rings?", "un contour est répété"),
    (r"Invalid Coordinate", "une coordonnée n'est pas un nombre valable"),
    (r"Ring is not closed", "un contour n'est pas fermé"),
]


class GeometryError(ValueError):
    """A perimeter that cannot be accepted; the message is in French."""


def explain_validity_fr(geometry: BaseGeometry) -> str:
    """Why GEOS finds a geometry invalid, in French, with the place (lon, lat)."""
    reason = shapely.is_valid_reason(geometry)
    place = ""
    if match := re.search(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]", reason):
        lon, lat = float(match.group(1)), float(match.group(2))
        place = f" (vers longitude {format_number(lon, 6)}, latitude {format_number(lat, 6)})"
    for pattern, french in _VALIDITY_FR:
        if re.search(pattern, reason, re.IGNORECASE):
            return french + place
    return f"géométrie invalide ({reason})"


def crs_of(document: dict) -> str | None:
    """The CRS named by a GeoJSON `crs` member (old GeoJSON 2008 style), or None when
    the member is absent. Raises GeometryError for a system we do not handle."""
    crs = document.get("crs")
    if not crs:
        return None
    name = ""
    if isinstance(crs, dict):
        props = crs.get("properties") or {}
        name = str(props.get("name") or props.get("href") or "")
    name_upper = name.upper().replace("_", "")
    for code, aliases in _CRS_ALIASES.items():
        if any(alias.replace("_", "") in name_upper for alias in aliases):
            return code
    raise GeometryError(
        f"Système de coordonnées non reconnu ({name or 'membre « crs » illisible'}) : "
        "le fichier doit être en WGS84 (EPSG:4326) ou en Lambert-93 (EPSG:2154)."
    )


def guess_crs(coords: np.ndarray) -> str:
    """WGS84 or Lambert-93 from the range of the coordinates (n x 2 array)."""
    if coords.size == 0:
        return WGS84
    xs, ys = coords[:, 0], coords[:, 1]
    if np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90):
        return WGS84
    if (
        xs.min() >= _L93_X[0]
        and xs.max() <= _L93_X[1]
        and ys.min() >= _L93_Y[0]
        and ys.max() <= _L93_Y[1]
    ):
        return LAMBERT93
    raise GeometryError(
        "Coordonnées hors limites : ni en degrés WGS84 (longitude entre -180 et 180, "
        "latitude entre -90 et 90), ni en mètres Lambert-93 en France métropolitaine. "
        "Vérifiez le système de coordonnées du fichier."
    )


def to_wgs84(geometries: list[BaseGeometry], crs: str) -> list[BaseGeometry]:
    if crs == WGS84:
        return geometries
    from pyproj import Transformer  # lazy: 0.1 s to import, only to reproject

    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    return [
        shapely.transform(g, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        for g in geometries
    ]


def load_json(text: str | bytes) -> dict:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeometryError(f"Le fichier n'est pas du JSON valable : {exc}.") from None
    except RecursionError:  # « [[[[… » nested thousands of times
        raise GeometryError("Le fichier n'est pas du JSON valable : trop d'imbrications.") from None
    if not isinstance(document, dict) or "type" not in document:
        raise GeometryError("Le fichier n'est pas du GeoJSON : l'objet « type » est absent.")
    return document


def features_of(document: dict) -> list[dict]:
    """The features of a GeoJSON document (a bare geometry becomes one feature)."""
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise GeometryError("FeatureCollection sans liste « features ».")
        return features
    if kind == "Feature":
        return [document]
    return [{"type": "Feature", "properties": {}, "geometry": document}]


def parse_geometry(geometry: dict | None, label: str) -> BaseGeometry:
    if not geometry:
        raise GeometryError(f"{label} : géométrie absente.")
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError(f"{label} : géométrie illisible.")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several kinds of errors on bad input
        raise GeometryError(f"{label} : géométrie illisible ({exc}).") from None
    return geom


def check_perimeter(geom: BaseGeometry, label: str) -> BaseGeometry:
    """A valid, non-empty (Multi)Polygon in WGS84 range, or GeometryError."""
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError(
            f"{label} : un périmètre doit être un polygone (type reçu : {geom.geom_type})."
        )
    if geom.is_empty:
        raise GeometryError(f"{label} : le polygone est vide.")
    coords = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(coords)):
        raise GeometryError(f"{label} : une coordonnée n'est pas un nombre valable.")
    if not (np.all(np.abs(coords[:, 0]) <= 180) and np.all(np.abs(coords[:, 1]) <= 90)):
        raise GeometryError(
            f"{label} : coordonnées hors limites (longitude entre -180 et 180, latitude "
            "entre -90 et 90) : le fichier n'est sans doute pas en WGS84."
        )
    if not geom.is_valid:
        raise GeometryError(f"{label} : {explain_validity_fr(geom)}.")
    if geom.area == 0:
        raise GeometryError(f"{label} : le polygone n'a pas de surface.")
    return geom


def perimeter_from_geojson(text: str | bytes) -> BaseGeometry:
    """One perimeter from an uploaded or drawn GeoJSON document (geometry, Feature or
    FeatureCollection of polygons, merged). Only WGS84 is accepted here."""
    document = load_json(text)
    crs = crs_of(document)
    if crs not in (None, WGS84):
        raise GeometryError(
            "Le fichier est en Lambert-93 (EPSG:2154) : exportez-le en WGS84 (EPSG:4326)."
        )
    features = features_of(document)
    if not features:
        raise GeometryError("Le fichier ne contient aucun objet géographique.")
    parts = []
    for number, feature in enumerate(features, start=1):
        label = "Le périmètre" if len(features) == 1 else f"Objet n° {number}"
        if not isinstance(feature, dict):
            raise GeometryError(f"{label} : objet illisible.")
        geom = parse_geometry(feature.get("geometry"), label)
        coords = shapely.get_coordinates(geom)
        if coords.size and np.all(np.isfinite(coords)):
            try:
                guessed = guess_crs(coords)
            except GeometryError:
                guessed = None
            if guessed == LAMBERT93:
                raise GeometryError(
                    f"{label} : les coordonnées sont en mètres (Lambert-93 ?) : "
                    "exportez le fichier en WGS84 (EPSG:4326)."
                )
        parts.append(check_perimeter(geom, label))
    if len(parts) == 1:
        return parts[0]
    merged = shapely.union_all(parts)
    return check_perimeter(merged, "Le périmètre fusionné")


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_POINT_LINE = re.compile(
    rf"^\s*({_NUMBER})\s*(?:;|\s)\s*({_NUMBER})\s*$|^\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*$"
)


def polygon_from_points(text: str) -> dict:
    """A GeoJSON polygon from vertices typed one per line as « latitude, longitude »
    (decimal degrees, WGS84; « 50,6885 ; 2,8815 » with decimal commas is read too).
    The ring is closed here; GeometryError names the first line that cannot be read."""
    ring = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _POINT_LINE.match(line)
        if not match:
            raise GeometryError(
                f"Ligne {number} : « {line.strip()[:60]} » n'est pas un sommet « latitude, "
                "longitude » (par exemple « 50.6885, 2.8815 »)."
            )
        lat_text, lon_text = (
            (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        )
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GeometryError(
                f"Ligne {number} : latitude entre -90 et 90 et longitude entre -180 et 180."
            )
        ring.append([lon, lat])
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(ring) < 3:
        raise GeometryError("Un périmètre a au moins trois sommets.")
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def to_geojson_text(geom: BaseGeometry) -> str:
    rounded = shapely.set_precision(geom, 10**-COORDINATE_DECIMALS)
    if rounded.is_empty or not rounded.is_valid:
        rounded = geom
    return shapely.to_geojson(rounded)


def bbox_of(geom: BaseGeometry) -> list[float]:
    return [round(v, COORDINATE_DECIMALS) for v in geom.bounds]


def from_text(text: str) -> BaseGeometry | None:
    if not text:
        return None
    return shapely.from_geojson(text)


def area_hectares(geom: BaseGeometry) -> float:
    """Area on the ellipsoid-free local approximation: good to a few per mille at the
    scale of a quartier (equirectangular projection at the centroid's latitude)."""
    lat = geom.centroid.y
    kx = 111_320.0 * math.cos(math.radians(lat))
    ky = 110_574.0
    scaled = shapely.transform(geom, lambda xy: xy * np.array([kx, ky]))
    return scaled.area / 10_000


def shapely_parts(geom: BaseGeometry) -> list:
    return list(shapely.get_parts(geom))


def vertex_count(geom: BaseGeometry) -> int:
    return int(shapely.get_num_coordinates(geom))


def _to_lambert93():
    from pyproj import Transformer  # lazy: 0.1 s to import, only to reproject

    return Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)


def within_distance(geom: BaseGeometry, lons, lats, metres: float) -> np.ndarray:
    """For each (lon, lat), whether it lies inside `geom` or at most `metres` from it,
    measured in Lambert-93 (metric, exact to a few centimetres over metropolitan France)."""
    transformer = _to_lambert93()
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    area = projected.buffer(metres) if metres else projected
    shapely.prepare(area)
    x, y = transformer.transform(np.asarray(lons, float), np.asarray(lats, float))
    return shapely.intersects_xy(area, x, y)


def bounds_around(geom: BaseGeometry, metres: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of `geom` widened by a little more than
    `metres`: a prefilter for an indexed latitude/longitude search."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    margin_lat = metres * 1.1 / 110_574.0
    cos_lat = max(math.cos(math.radians(max(abs(min_lat), abs(max_lat)))), 0.01)
    margin_lon = metres * 1.1 / (111_320.0 * cos_lat)
    return min_lon - margin_lon, min_lat - margin_lat, max_lon + margin_lon, max_lat + margin_lat
