import json
from io import StringIO

import pytest
from django.core.management import call_command

from .conftest import ARMENTIERES, POINT_ARMENTIERES, QPV_ARMENTIERES, QPV_SECTEUR_SUD

API = "/api/territoires"


@pytest.fixture
def with_perimeters(mel, test_qpv_file):
    call_command("import_qpv", str(test_qpv_file), stdout=StringIO())


def post(client, body):
    return client.post(f"{API}/locate", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_list_and_filter(client, mel):
    rows = client.get(f"{API}/").json()
    assert len(rows) == 1 + 95 + 26
    qpv = client.get(f"{API}/", {"kind": "qpv"}).json()
    assert len(qpv) == 26 and all(r["kind"] == "qpv" for r in qpv)
    assert all(r["has_perimeter"] is False for r in qpv)
    bad = client.get(f"{API}/", {"kind": "quartier"})
    assert bad.status_code == 422
    assert "Type de territoire inconnu" in bad.json()["message"]


@pytest.mark.django_db
def test_detail_with_geojson(client, mel):
    commune = client.get(f"{API}/commune/{ARMENTIERES}").json()
    assert commune["name"] == "Armentières"
    assert commune["geometry"]["type"] == "Polygon"
    assert commune["parent"]["code"] == "200093201"
    assert {q["code"] for q in commune["priority_areas"]} == {"QN05967M", "QN05968M"}
    sud = client.get(f"{API}/qpv/{QPV_SECTEUR_SUD}").json()
    assert sud["geometry"] is None and len(sud["communes"]) == 4
    assert client.get(f"{API}/qpv/QN99999X").status_code == 404


@pytest.mark.django_db
def test_geojson_layer(client, with_perimeters):
    communes = client.get(f"{API}/geojson/commune").json()
    assert communes["type"] == "FeatureCollection" and len(communes["features"]) == 95
    qpv = client.get(f"{API}/geojson/qpv").json()
    assert {f["properties"]["code"] for f in qpv["features"]} == {"QN05967M", "QN05968M"}


@pytest.mark.django_db
def test_locate_get_and_post(client, with_perimeters):
    lat, lon = POINT_ARMENTIERES
    one = client.get(f"{API}/locate", {"lat": lat, "lon": lon}).json()["results"][0]
    assert one["commune"]["code"] == ARMENTIERES and one["qpv"][0]["code"] == QPV_ARMENTIERES
    many = post(client, {"points": [{"lat": lat, "lon": lon}, {"lat": 48.85, "lon": 2.35}]})
    assert many.status_code == 200
    first, second = many.json()["results"]
    assert first["en_qpv_ou_pac"] is True and second["commune"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"points": [{"lat": 50, "lon": 2}, {"lat": "x", "lon": 2}]},
            "Point n° 2 : la latitude doit être un nombre",
        ),
        ({"points": [{"lat": 95, "lon": 2}]}, "doit être comprise entre -90 et 90"),
        ({"points": [{"lat": 50}]}, "Point n° 1 : un objet"),
        ({"points": "50,2"}, "doit être une liste"),
        ({}, "liste « points »"),
        ({"points": [{"lat": 50, "lon": 2}] * 10_001}, "10\u202f000 au plus"),
    ],
)
def test_locate_bad_input_in_french(client, db, body, message):
    response = post(client, body)
    assert response.status_code == 422
    assert message in response.json()["message"]


@pytest.mark.django_db
def test_locate_accepts_ten_thousand_points(client, mel):
    response = post(client, {"points": [{"lat": 50.69, "lon": 2.88}] * 10_000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 10_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, message",
    [
        ({"lat": "abc", "lon": 2}, "La latitude doit être un nombre"),
        ({"lat": 50}, "« lon »"),
        ({"lat": 50, "lon": 200}, "entre -180 et 180"),
    ],
)
def test_locate_get_bad_input(client, db, query, message):
    response = client.get(f"{API}/locate", query)
    assert response.status_code == 422
    assert message in response.json()["message"]


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    for path in (
        "/api/territoires/",
        "/api/territoires/locate",
        "/api/territoires/geojson/{kind}",
        "/api/territoires/{kind}/{code}",
    ):
        assert path in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/territoires/locate"])
    components = schema["components"]["schemas"]
    assert {"LocateIn", "PointIn", "LocateOut", "TerritoryDetail"} <= set(components)
    assert components["PointIn"]["properties"]["lat"]["description"]


@pytest.mark.django_db
def test_territory_list_follows_changes(client):
    from cdvs.territories.models import Kind, Territory

    epci = Territory.objects.create(kind=Kind.EPCI, code="999999999", name="EPCI de test")
    assert [t["name"] for t in client.get("/api/territoires/").json()] == ["EPCI de test"]
    Territory.objects.create(kind=Kind.COMMUNE, code="99001", name="Commune de test", parent=epci)
    epci.name = "EPCI de test renommé"
    epci.save()
    names = {t["name"] for t in client.get("/api/territoires/").json()}
    assert names == {"EPCI de test renommé", "Commune de test"}
