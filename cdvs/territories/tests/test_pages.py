import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.territories.models import Kind, Territory
from cdvs.territories.services import ensure_pac, set_perimeter

from .conftest import ARMENTIERES, POINT_ARMENTIERES, QPV_ARMENTIERES, QPV_SECTEUR_SUD, square


def page(client, territory_or_url):
    url = (
        territory_or_url
        if isinstance(territory_or_url, str)
        else territory_or_url.get_absolute_url()
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def map_data(body):
    match = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match.group(1))


def no_inline_script(body):
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in body


@pytest.mark.django_db
def test_index_groups_and_missing_badges(client, mel):
    body = page(client, reverse("territories:index"))
    assert "Communes (95)" in body
    assert "Quartiers prioritaires de la politique de la ville (QPV) (26)" in body
    assert "Aucun périmètre chargé pour ce type de territoire." in body
    assert body.count("périmètre non chargé") == 26
    layers = map_data(body)["layers"]
    assert [layer["kind"] for layer in layers] == ["epci", "commune"]
    assert len(layers[1]["data"]["features"]) == 95
    assert "vendor/leaflet/leaflet.js" in body and "js/territory-map.js" in body
    no_inline_script(body)


@pytest.mark.django_db
def test_index_without_any_territory(client):
    body = page(client, reverse("territories:index"))
    assert "la carte n'est pas disponible" in body
    assert "leaflet.js" not in body


@pytest.mark.django_db
def test_commune_page_lists_its_qpv_and_pac(client, mel):
    pac = ensure_pac("pac-de-test", "PAC de test", ARMENTIERES)
    armentieres = Territory.objects.get(code=ARMENTIERES)
    body = page(client, armentieres)
    assert "Attargette - Chanzy" in body and "Bizet - Briqueterie" in body
    assert "PAC de test" in body and pac.get_absolute_url() in body
    assert "Description du périmètre" in body and "ha" in body
    assert "IGN ADMIN EXPRESS 2018, simplifié" in body
    assert "Modifier le périmètre" not in body  # anonymous
    data = map_data(body)
    assert data["tileUrl"]
    assert data["layers"][-1]["emphasis"] is True
    no_inline_script(body)


@pytest.mark.django_db
def test_qpv_page_lists_the_communes_it_spans(client, mel):
    body = page(client, Territory.objects.get(code=QPV_SECTEUR_SUD))
    for name in ("Faches-Thumesnil", "Lezennes", "Lille", "Loos"):
        assert name in body
    assert "Communes couvertes" in body
    assert "périmètre non chargé" in body and "import_qpv" in body


@pytest.mark.django_db
def test_epci_and_pac_pages(client, mel, users):
    epci = Territory.objects.get(kind=Kind.EPCI)
    body = page(client, epci)
    assert "Communes (95)" in body and "Quartiers prioritaires (26)" in body
    pac = ensure_pac("pac-de-test", "PAC de test", ARMENTIERES)
    lat, lon = POINT_ARMENTIERES
    set_perimeter(pac, json.dumps(square(lon, lat)), users["admin"], "upload")
    client.force_login(users["coord_armentieres"])
    body = page(client, pac)
    assert "Modifier le périmètre" in body and "Historique des modifications" in body
    assert "Armentières" in body
    download = client.get(reverse("territories:geojson", args=[pac.kind, pac.code]))
    assert download["Content-Type"] == "application/geo+json"
    assert json.loads(download.content)["features"][0]["properties"]["code"] == "pac-de-test"


@pytest.mark.django_db
def test_unknown_territory_is_404(client, db):
    assert client.get(reverse("territories:detail", args=["qpv", "QN00000X"])).status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(users):
    """More territories of every kind, with perimeters."""
    lat, lon = POINT_ARMENTIERES
    for i in range(15):
        pac = ensure_pac(f"pac-de-test-{i}", f"PAC de test {i}", ARMENTIERES)
        set_perimeter(pac, json.dumps(square(lon + i * 0.001, lat)), users["admin"], "upload")


@pytest.mark.django_db
def test_list_pages_run_a_constant_number_of_queries(
    client, mel, users, test_qpv_file, django_assert_num_queries
):
    client.force_login(users["coord_armentieres"])
    urls = [
        reverse("territories:index"),
        Territory.objects.get(kind=Kind.EPCI).get_absolute_url(),
        Territory.objects.get(code=ARMENTIERES).get_absolute_url(),
        Territory.objects.get(code=QPV_ARMENTIERES).get_absolute_url(),
        "/api/territoires/",
        "/api/territoires/geojson/commune",
    ]
    before = {url: count_queries(client, url) for url in urls}
    grow(users)
    call_command("import_qpv", str(test_qpv_file), stdout=StringIO())
    for url in urls:
        with django_assert_num_queries(before[url]):
            client.get(url)
