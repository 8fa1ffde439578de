"""« Dans ou près d'un QPV / PAC » : organisations with a place inside the perimeter or
within 500 m / 1 km of it, measured in Lambert-93 (the QPV perimeter is a test square)."""

import pytest
from django.urls import reverse

from cdvs.directory.models import Organisation, Place
from cdvs.territories import geo
from cdvs.testing import plain

# east edge of the test square: longitude 2.88 at latitude 50.69; 1 m ≈ 1 / 70 600 degree
EDGE_LON, LAT = 2.88, 50.69
METRE_LON = 1 / 70_600


@pytest.fixture
def around(world, qpv_square):
    """Organisations whose only place is inside, 300 m, 800 m and 3 km east of the QPV."""
    placed = {}
    for label, metres in (("dedans", -500), ("300 m", 300), ("800 m", 800), ("3 km", 3000)):
        org = Organisation.objects.create(name=f"Lieu {label}", kind="association")
        place = Place(organisation=org, name="Accueil", lat=LAT, lon=EDGE_LON + metres * METRE_LON)
        place.classify()
        place.save()
        placed[label] = org
    Organisation.objects.create(name="Sans lieu", kind="association")
    return placed


def names(client, **params):
    response = client.get(reverse("directory:list"), params)
    return {o.name for o in response.context["organisations"]} & {
        "Lieu dedans", "Lieu 300 m", "Lieu 800 m", "Lieu 3 km", "Sans lieu",
    }  # fmt: skip


def test_distance_is_measured_in_metres_from_the_perimeter(qpv_square):
    outline = qpv_square.outline
    lons = [EDGE_LON + m * METRE_LON for m in (-10, 480, 520, 990, 1010)]
    assert list(geo.within_distance(outline, lons, [LAT] * 5, 500)) == [
        True, True, False, False, False,
    ]  # fmt: skip
    assert list(geo.within_distance(outline, lons, [LAT] * 5, 1000)) == [True] * 4 + [False]
    assert list(geo.within_distance(outline, lons, [LAT] * 5, 0)) == [True] + [False] * 4


def test_list_filters_in_or_near_a_qpv(client, around, qpv_square):
    qpv = qpv_square.pk
    assert names(client, territory=qpv, proximity="0") == {"Lieu dedans"}
    assert names(client, territory=qpv, proximity="500") == {"Lieu dedans", "Lieu 300 m"}
    assert names(client, territory=qpv, proximity="1000") == {
        "Lieu dedans", "Lieu 300 m", "Lieu 800 m",
    }  # fmt: skip
    geojson = client.get(
        reverse("directory:places_geojson"), {"territory": qpv, "proximity": "500"}
    )
    assert len(geojson.json()["features"]) == 2


def test_proximity_without_perimeter_or_territory_is_explained(client, around, world):
    qpv_lille = world.territories["qpv_lille"]
    for proximity in ("0", "500"):
        response = client.get(
            reverse("directory:list"), {"territory": qpv_lille.pk, "proximity": proximity}
        )
        body = response.content.decode().replace("&#x27;", "'")
        assert "n'est pas encore chargé : on ne peut pas savoir quels lieux s'y trouvent" in plain(
            body
        )
    response = client.get(reverse("directory:list"), {"proximity": "500"})
    assert "Choisissez le territoire autour duquel chercher." in response.content.decode()
    commune = world.territories["armentieres"]
    response = client.get(reverse("directory:list"), {"territory": commune.pk, "proximity": "1000"})
    assert "vaut pour un QPV ou un PAC" in response.content.decode()


def test_places_in_a_commune_without_its_outline_follow_the_ban_commune(client, world):
    commune = world.territories["armentieres"]
    assert not commune.has_perimeter
    org = Organisation.objects.create(name="Lieu dedans", kind="association")
    Place.objects.create(organisation=org, name="Accueil", citycode=commune.code)
    other = Organisation.objects.create(name="Sans lieu", kind="association")
    Place.objects.create(organisation=other, name="Accueil", citycode="59350")
    assert names(client, territory=commune.pk, proximity="0") == {"Lieu dedans"}
