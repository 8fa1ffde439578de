import json
import math
from io import StringIO

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command

from cdvs.territories.locate import PerimeterIndex, locate
from cdvs.territories.models import Kind, Territory
from cdvs.territories.services import ensure_pac, set_perimeter

from .conftest import ARMENTIERES, POINT_ARMENTIERES, QPV_ARMENTIERES, square


def star(rng, cx, cy, radius, n=120):
    theta = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * (1 + 0.3 * np.cos(5 * theta) + rng.uniform(-0.1, 0.1, n))
    return shapely.Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))


def brute_force(geoms, x, y):
    pairs = set()
    for g, geom in enumerate(geoms):
        hit = shapely.intersects_xy(geom, x, y)
        pairs |= {(int(p), g) for p in np.flatnonzero(hit)}
    return pairs


def pairs_of(index, x, y):
    p, g = index.query(np.asarray(x, float), np.asarray(y, float))
    return set(zip(p.tolist(), g.tolist(), strict=True))


def test_inside_outside_and_boundary():
    a = shapely.box(0, 0, 1, 1)
    b = shapely.box(0.5, 0.5, 2, 2)  # overlaps a
    index = PerimeterIndex([a, b])
    x = [0.25, 0.75, 1.5, 3.0, 1.0, 0.0, -0.5, 0.5]
    y = [0.25, 0.75, 1.5, 3.0, 0.5, 0.0, 0.5, 0.5]
    assert pairs_of(index, x, y) == {
        (0, 0),  # inside a only
        (1, 0),
        (1, 1),  # in both
        (2, 1),
        # 3: outside everything, 6: outside the grid
        (4, 0),  # on a's edge (and b's bottom edge): counts as inside both
        (4, 1),
        (5, 0),  # on a's corner
        (7, 0),
        (7, 1),  # on b's corner, inside a
    }


def test_matches_brute_force_on_irregular_shapes_with_holes_and_parts():
    rng = np.random.default_rng(7)
    geoms = [star(rng, *rng.uniform(0, 10, 2), rng.uniform(0.3, 1.5)) for _ in range(40)]
    holed = shapely.box(20, 0, 24, 4).difference(shapely.box(21, 1, 23, 3))
    multi = shapely.MultiPolygon([shapely.box(30, 0, 31, 1), shapely.box(32, 0, 33, 1)])
    geoms += [holed, multi]
    index = PerimeterIndex(geoms)
    x = np.concatenate([rng.uniform(-1, 34, 20_000), shapely.get_coordinates(geoms[0])[:, 0]])
    y = np.concatenate([rng.uniform(-1, 11, 20_000), shapely.get_coordinates(geoms[0])[:, 1]])
    assert pairs_of(index, x, y) == brute_force(geoms, x, y)
    assert not pairs_of(index, [22.0], [2.0])  # in the hole
    assert pairs_of(index, [32.5], [0.5]) == {(0, 41)}


def test_empty_index_and_no_points():
    assert pairs_of(PerimeterIndex([]), [1.0], [1.0]) == set()
    assert pairs_of(PerimeterIndex([shapely.box(0, 0, 1, 1)]), [], []) == set()


def test_index_survives_pickling():
    import pickle

    index = PerimeterIndex([shapely.box(0, 0, 1, 1)])
    copy = pickle.loads(pickle.dumps(index))  # noqa: S301 (our own bytes)
    assert pairs_of(copy, [0.5, 2], [0.5, 2]) == {(0, 0)}


@pytest.fixture
def located(mel, test_qpv_file, users):
    call_command("import_qpv", str(test_qpv_file), stdout=StringIO())
    pac = ensure_pac("pac-de-test", "PAC de test", ARMENTIERES)
    lat, lon = POINT_ARMENTIERES
    set_perimeter(pac, json.dumps(square(lon + 0.001, lat, 0.002)), users["admin"], "upload")
    return pac


@pytest.mark.django_db
def test_locate_finds_commune_qpv_and_pac(located):
    lat, lon = POINT_ARMENTIERES
    inside_all, commune_only, nowhere = locate([(lat, lon), (50.6850, 2.8650), (48.85, 2.35)])
    assert inside_all.epci.code == "200093201"
    assert inside_all.commune.code == ARMENTIERES
    assert [q.code for q in inside_all.qpv] == [QPV_ARMENTIERES]
    assert [p.code for p in inside_all.pac] == ["pac-de-test"]
    assert inside_all.in_priority_area
    assert commune_only.commune.code == ARMENTIERES and not commune_only.in_priority_area
    assert nowhere.commune is None and nowhere.epci is None and nowhere.qpv == []
    # a point on the edge of the test QPV counts as inside
    (edge,) = locate([(lat, lon - 0.002)])
    assert [q.code for q in edge.qpv] == [QPV_ARMENTIERES]


@pytest.mark.django_db
def test_locate_sees_changes_made_elsewhere(located, users):
    lat, lon = POINT_ARMENTIERES
    far = (lat + 0.012, lon - 0.012)
    assert locate([far])[0].pac == []
    # another process changes the perimeter: the version of the cached index changes
    set_perimeter(located, json.dumps(square(far[1], far[0])), users["admin"], "draw")
    assert [p.code for p in locate([far])[0].pac] == ["pac-de-test"]
    located.soft_delete()
    assert locate([far])[0].pac == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "points, message",
    [
        ([(math.nan, 2.0)], "Point n° 1 : la latitude doit être un nombre entre -90 et 90"),
        ([(50.0, 2.0), (91, 2.0)], "Point n° 2 : la latitude"),
        ([(50.0, 181)], "la longitude doit être un nombre entre -180 et 180"),
        ([(50.0, math.inf)], "longitude"),
        ([("50", 2.0)], "doit être un nombre"),
        ([(True, 2.0)], "doit être un nombre"),
        ([(50.0,)], "un couple (latitude, longitude) est attendu"),
        (["50.0,2.0"], "un couple"),
        ("50,2", "liste de couples"),
        (np.array([[math.nan, 1.0]]), "Point n° 1"),
    ],
)
def test_bad_coordinates_raise_a_french_error(points, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        locate(points)


@pytest.mark.django_db
def test_locate_command(located):
    out = StringIO()
    lat, lon = POINT_ARMENTIERES
    call_command("locate", str(lat), str(lon), "48.85", "2.35", stdout=out)
    results = json.loads(out.getvalue())
    assert results[0]["commune"]["code"] == ARMENTIERES
    assert results[0]["qpv"][0]["code"] == QPV_ARMENTIERES
    assert results[0]["en_qpv_ou_pac"] is True
    assert results[1]["commune"] is None
    with pytest.raises(CommandError, match="nombre pair"):
        call_command("locate", "50.1")
    with pytest.raises(CommandError, match="n'est pas un nombre"):
        call_command("locate", "abc", "2")
    with pytest.raises(CommandError, match="latitude"):
        call_command("locate", "95", "2")


@pytest.mark.django_db
def test_locate_without_perimeters_finds_nothing():
    assert locate([(50.69, 2.88)])[0].commune is None
    assert not Territory.objects.exists()
    assert Kind.QPV == "qpv"
