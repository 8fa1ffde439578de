"""Fixtures of the territories tests. Perimeters made here are test shapes ("Périmètre
de test"), never presented as real QPV outlines."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from cdvs.accounts.models import Membership, Role, User
from cdvs.directory.models import Organisation
from cdvs.territories.models import Kind, Territory

ARMENTIERES = "59017"
LILLE = "59350"
# the two QPV of Armentières (single-commune) and one spanning four communes
QPV_ARMENTIERES = "QN05967M"
QPV_ARMENTIERES_2 = "QN05968M"
QPV_SECTEUR_SUD = "QN05972M"
# a point inside Armentières (the commune outline), and the test squares around it
POINT_ARMENTIERES = (50.6880, 2.8800)


def square(lon, lat, half=0.002):
    """A test square (GeoJSON geometry) centred on (lon, lat)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, name="Périmètre de test", **props):
    return {
        "type": "Feature",
        "properties": {"code_qp": code, "lib_qp": name, **props},
        "geometry": geometry,
    }


def collection(features, crs=None):
    doc = {"type": "FeatureCollection", "name": "perimetres-de-test", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return doc


def write(path, document):
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def mel(db):
    """The real reference data of the MEL (communes, QPV list), no QPV perimeter."""
    call_command("load_territories", stdout=StringIO())
    return Territory.objects


@pytest.fixture
def armentieres(mel):
    return Territory.objects.get(kind=Kind.COMMUNE, code=ARMENTIERES)


@pytest.fixture
def test_qpv_file(tmp_path):
    """Test perimeters for the two QPV of Armentières, and one feature of another EPCI."""
    lat, lon = POINT_ARMENTIERES
    return write(
        tmp_path / "perimetres-de-test.geojson",
        collection(
            [
                feature(QPV_ARMENTIERES, square(lon, lat)),
                feature(QPV_ARMENTIERES_2, square(lon + 0.01, lat + 0.005)),
                feature("QN00103M", square(5.36, 45.95), siren_epci="240100883"),
            ],
            crs="urn:ogc:def:crs:OGC:1.3:CRS84",
        ),
    )


def _user(email, **extra):
    return User.objects.create_user(email=email, password="mot-de-passe-de-test", **extra)


def _member(email, territory, role):
    user = _user(email)
    org = Organisation.objects.create(
        name=f"Organisation de test {email}", kind="service_ville", territory=territory
    )
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def users(mel):
    armentieres = Territory.objects.get(kind=Kind.COMMUNE, code=ARMENTIERES)
    lille = Territory.objects.get(kind=Kind.COMMUNE, code=LILLE)
    return {
        "admin": _user("admin@test.invalid", is_superuser=True, is_staff=True),
        "member": _member("membre@test.invalid", armentieres, Role.MEMBER),
        "coord_lille": _member("coord-lille@test.invalid", lille, Role.COORDINATOR),
        "coord_armentieres": _member(
            "coord-armentieres@test.invalid", armentieres, Role.COORDINATOR
        ),
    }
