"""Throughput of `locate()`: points placed in their territories per second.

1. National scale, no database: ~1 600 generated perimeters of realistic complexity
   (a few hundred vertices each, irregular star-shaped polygons the size of a
   quartier, scattered over the bounding box of metropolitan France, fixed seed) and
   1 000 000 points, most of them inside one perimeter. The index is the one the
   application uses (`PerimeterIndex`), built from the shapely geometries. The same
   points and shapes go through geopandas `sjoin` (predicate « within ») in the same
   run, and both answers are compared.
2. The MEL: its 95 real commune outlines (cdvs/territories/data/communes-mel.geojson)
   and its 26 QPV. The official QPV perimeters are not shipped: unless the bench
   database holds imported ANCT perimeters, generated test shapes are placed around
   the centroid of the (first) commune of each QPV, and the label says so.

Nothing here is real QPV data except the codes and the commune outlines.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import shapely

from bench import fr_number, timed

SEED = 20240101
N_POLYGONS = 1_600
N_POINTS = 1_000_000
INSIDE_SHARE = 0.9
# Metropolitan France (with Corsica), lon/lat
FRANCE_BBOX = (-4.8, 42.3, 8.2, 51.1)
TARGET_RATE = 1_000_000.0
DATA_DIR = Path(__file__).resolve().parent.parent / "cdvs" / "territories" / "data"


def star_polygon(rng, lon, lat, radius_m, vertices):
    """An irregular star-shaped polygon (always simple): radius modulated by a few
    random harmonics and noise, in metres around (lon, lat)."""
    theta = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    theta = np.unique(theta)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.uniform(0, 0.25) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r += rng.uniform(-0.08, 0.08, len(theta))
    r = np.clip(r, 0.25, None) * radius_m
    kx = 111_320.0 * np.cos(np.radians(lat))
    xs = lon + r * np.cos(theta) / kx
    ys = lat + r * np.sin(theta) / 110_574.0
    return shapely.Polygon(np.column_stack([xs, ys]))


def radial_points(rng, polygons, centres, radii, n):
    """n points inside (mostly) the given star polygons: a random polygon, a random
    direction, a distance below the polygon's radius in that direction."""
    which = rng.integers(0, len(polygons), n)
    lon_c, lat_c = centres[which, 0], centres[which, 1]
    angle = rng.uniform(0, 2 * np.pi, n)
    dist = np.sqrt(rng.uniform(0, 1, n)) * radii[which] * 0.95
    kx = 111_320.0 * np.cos(np.radians(lat_c))
    return lon_c + dist * np.cos(angle) / kx, lat_c + dist * np.sin(angle) / 110_574.0


def national_set(seed=SEED, n_polygons=N_POLYGONS, n_points=N_POINTS):
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = FRANCE_BBOX
    centres = np.column_stack([rng.uniform(x0, x1, n_polygons), rng.uniform(y0, y1, n_polygons)])
    radii = rng.uniform(300, 1_500, n_polygons)  # metres: the size of a quartier
    vertices = rng.integers(200, 500, n_polygons)
    polygons = [
        star_polygon(rng, lon, lat, rad, int(v))
        for (lon, lat), rad, v in zip(centres, radii, vertices, strict=True)
    ]
    n_in = int(n_points * INSIDE_SHARE)
    lon_in, lat_in = radial_points(rng, polygons, centres, radii * 0.8, n_in)
    lon_out = rng.uniform(x0, x1, n_points - n_in)
    lat_out = rng.uniform(y0, y1, n_points - n_in)
    lon = np.concatenate([lon_in, lon_out])
    lat = np.concatenate([lat_in, lat_out])
    order = rng.permutation(n_points)
    return polygons, lon[order], lat[order]


def _timed(fn, repeat=3):
    """The best of `repeat` runs of fn() in seconds (bench.timed), and fn's result."""
    results = []
    best = min(timed(lambda: results.append(fn()), [()], repeat, warmup=0)) / 1000
    return best, results[-1]


def _sjoin(polygons, lon, lat):
    import geopandas as gpd

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    shapes = gpd.GeoDataFrame(
        {"shape": np.arange(len(polygons))}, geometry=polygons, crs="EPSG:4326"
    )
    shapes.sindex  # built before timing, as the index of locate() is  # noqa: B018

    def join():
        return gpd.sjoin(points, shapes, predicate="within", how="inner")

    seconds, joined = _timed(join, repeat=2)
    pairs = set(zip(joined.index.to_numpy().tolist(), joined["shape"].tolist(), strict=True))
    return seconds, pairs


def _mel_shapes(rng):
    """(geometries, label, real_qpv) for the MEL: real communes, QPV from the bench
    database when imported there, else generated test shapes."""
    communes = json.loads((DATA_DIR / "communes-mel.geojson").read_text())
    outlines = {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in communes["features"]
    }
    real = _real_qpv_perimeters()
    if real:
        return list(outlines.values()) + real, "périmètres officiels importés", True
    first_commune = {}
    with open(DATA_DIR / "qpv-2024-liste-mel.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            first_commune.setdefault(row["code_qp"], row["insee_com"])
    shapes = []
    for _code, insee in sorted(first_commune.items()):
        centre = outlines[insee].centroid
        jitter = rng.uniform(-0.01, 0.01, 2)
        shapes.append(
            star_polygon(
                rng, centre.x + jitter[0], centre.y + jitter[1], rng.uniform(400, 900), 300
            )
        )
    label = "formes de test générées autour des centroïdes des communes (périmètres réels absents)"
    return list(outlines.values()) + shapes, label, False


def _real_qpv_perimeters():
    try:
        from bench import configure

        configure()
        from cdvs.territories.models import Kind, Territory

        rows = Territory.objects.of_kind(Kind.QPV).with_perimeter()
        rows = rows.filter(geometry_source__startswith="ANCT")
        return [shapely.from_geojson(g) for g in rows.values_list("geometry", flat=True)]
    except Exception:  # no bench database: generated shapes
        return []


def run() -> list[dict]:
    from cdvs.territories.locate import PerimeterIndex

    results = []
    polygons, lon, lat = national_set()
    started = time.perf_counter()
    index = PerimeterIndex(polygons)
    build = time.perf_counter() - started
    seconds, (pts, geoms) = _timed(lambda: index.query(lon, lat))
    rate = len(lon) / seconds
    sj_seconds, sj_pairs = _sjoin(polygons, lon, lat)
    sj_rate = len(lon) / sj_seconds
    ours = set(zip(pts.tolist(), geoms.tolist(), strict=True))
    agree = len(ours ^ sj_pairs)
    inside = len(np.unique(pts)) / len(lon)
    detail = (
        f"{fr_number(len(polygons), 0)} périmètres générés ({fr_number(np.mean([len(p.exterior.coords) for p in polygons]), 0)} "
        f"sommets en moyenne), {fr_number(len(lon), 0)} points dont "
        f"{fr_number(100 * inside, 1)} % dans un périmètre ; index : {index.stats()['niveaux']} niveaux, "
        f"construit en {fr_number(build, 1)} s ; écarts avec sjoin : {agree} couple(s) "
        f"(points sur un bord : inclus par locate, exclus par « within »)"
    )
    results.append(
        {
            "name": "locate() — échelle nationale (1 600 périmètres générés)",
            "value": float(round(rate)),
            "unit": "points/s",
            "target": "≥ 1 000 000 points/s et ≥ geopandas sjoin",
            "ok": rate >= TARGET_RATE and rate >= sj_rate,
            "detail": detail,
        }
    )
    results.append(
        {
            "name": "geopandas sjoin (within), mêmes points et formes",
            "value": float(round(sj_rate)),
            "unit": "points/s",
            "target": "référence (locate() doit faire au moins autant)",
            "ok": True,
            "detail": f"{fr_number(sj_seconds, 2)} s contre {fr_number(seconds, 2)} s pour locate()",
        }
    )
    results.append(
        {
            "name": "Construction de l'index national",
            "value": float(round(build, 2)),
            "unit": "s",
            "target": "< 60 s",
            "ok": build < 60,
        }
    )

    rng = np.random.default_rng(SEED + 1)
    shapes, label, _real = _mel_shapes(rng)
    mel_index = PerimeterIndex(shapes)
    bounds = shapely.bounds(np.asarray(shapes, dtype=object))
    mx0, my0 = bounds[:, 0].min(), bounds[:, 1].min()
    mx1, my1 = bounds[:, 2].max(), bounds[:, 3].max()
    mlon = rng.uniform(mx0, mx1, N_POINTS)
    mlat = rng.uniform(my0, my1, N_POINTS)
    m_seconds, (m_pts, _m_geoms) = _timed(lambda: mel_index.query(mlon, mlat))
    m_rate = N_POINTS / m_seconds
    results.append(
        {
            "name": f"locate() — MEL : 95 communes et 26 QPV ({label})",
            "value": float(round(m_rate)),
            "unit": "points/s",
            "target": "≥ 1 000 000 points/s",
            "ok": m_rate >= TARGET_RATE,
            "detail": f"{fr_number(N_POINTS, 0)} points tirés dans l'emprise de la MEL, "
            f"{fr_number(100 * len(np.unique(m_pts)) / N_POINTS, 1)} % dans au moins un territoire",
        }
    )
    return results
