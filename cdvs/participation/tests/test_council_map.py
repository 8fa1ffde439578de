"""The council page's map: the coordinator draws or edits the perimeter, the script
writes GeoJSON into the « Périmètre (GeoJSON, WGS84) » field (the text and the file
upload stay the way without JavaScript). What the server does with the posted text:
a valid polygon inside the commune is saved; self-intersecting, outside the commune,
too many vertices or unreadable → a French message, nothing saved."""

import json
import math

import pytest
import shapely
from django.urls import reverse

from cdvs.participation import services
from cdvs.participation.models import Council
from cdvs.testing import plain

from .conftest import square


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'").replace("&quot;", '"'))


@pytest.fixture
def council(places):
    return Council.objects.create(
        commune=places["armentieres"], name="Conseil du centre",
        geometry=square(2.88, 50.69, 2.89, 50.70),
    )  # fmt: skip


def edit(client, council, geometry_text, **extra):
    url = reverse("participation_coordination:edit_council", args=[council.pk])
    data = {"commune": council.commune_id, "name": council.name, "geometry_text": geometry_text}
    data.update(extra)
    return client.post(url, data)


def test_the_page_has_the_map_the_field_and_the_upload(client, login, council):
    login("coordinateur")
    page = client.get(reverse("participation_coordination:edit_council", args=[council.pk]))
    html = page.content.decode()
    assert 'id="territory-map"' in html and "territory-map.js" in html
    assert 'id="draw-geojson"' in html and 'name="geometry_text"' in html
    assert 'type="file" name="geojson"' in html
    data = json.loads(html.split('id="map-data" type="application/json">')[1].split("</script>")[0])
    assert data["draw"] == "geojson"
    assert [layer["kind"] for layer in data["layers"]] == ["commune", "qpv", "pac"]
    # the stored perimeter is in the field, for the map to draw and edit
    assert page.context["form"]["geometry_text"].value() == council.geometry


def test_a_drawn_perimeter_is_saved(client, login, council):
    login("coordinateur")
    drawn = square(2.865, 50.68, 2.875, 50.695)
    assert edit(client, council, drawn).status_code == 302
    council.refresh_from_db()
    assert shapely.from_geojson(council.geometry).equals(shapely.from_geojson(drawn))
    assert services.priority_shares(council.geometry)["qpv"] == pytest.approx(0.5, abs=0.01)


def test_an_unchanged_field_keeps_the_perimeter_and_an_empty_one_clears_it(client, login, council):
    login("coordinateur")
    stored = council.geometry
    assert edit(client, council, stored, name="Conseil renommé").status_code == 302
    council.refresh_from_db()
    assert (council.name, council.geometry) == ("Conseil renommé", stored)
    assert edit(client, council, "").status_code == 302
    council.refresh_from_db()
    assert council.geometry == ""


def bow_tie():
    return json.dumps({"type": "Polygon", "coordinates": [[
        [2.86, 50.68], [2.88, 50.70], [2.88, 50.68], [2.86, 50.70], [2.86, 50.68]]]})  # fmt: skip


def many_vertices(n):
    ring = [
        [round(2.88 + 0.005 * math.cos(2 * math.pi * i / n), 7),
         round(50.695 + 0.005 * math.sin(2 * math.pi * i / n), 7)]
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"type": "Polygon", "coordinates": [ring + [ring[0]]]})


@pytest.mark.parametrize(
    "posted, message",
    [
        (bow_tie(), "Le périmètre :"),
        (square(2.90, 50.70, 2.95, 50.75), "Le périmètre sort de la commune de Armentières"),
        (many_vertices(services.MAX_VERTICES + 1), f"{services.MAX_VERTICES} au plus"),
        ('{"type": "Polygon", "coordinates": [[[2.86, 50.68], [2.87, 50.69]]]}', "Le périmètre"),
        ("pas du json", "n'est pas du JSON valable"),
        ("[" * 10_000, "n'est pas du JSON valable"),
        # a lone surrogate, as JSON writes it (a form cannot carry it raw)
        ('{"type": "Polygon", "coordinates": [[["\\ud800", 50.69]]]}', "Le périmètre"),
        (
            '{"type": "Feature", "properties": {"nom": "\\ud800"}, "geometry": '
            '{"type": "Polygon", "coordinates": [[[2.86, 50.68], [2.86, 50.68]]]}}',
            "Le périmètre",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[1e308, 2], [3, 4], [5, 6], [1e308, 2]]]}',
            "Le périmètre",
        ),
        ('{"type": "Point", "coordinates": [2.88, 50.69]}', "un périmètre doit être un polygone"),
    ],
)
def test_a_bad_drawing_is_refused_in_french_and_nothing_saved(
    client, login, council, posted, message
):
    login("coordinateur")
    stored = council.geometry
    response = edit(client, council, posted, name="Nouveau nom")
    assert response.status_code == 200
    assert message in text(response)
    council.refresh_from_db()
    assert (council.name, council.geometry) == ("Conseil du centre", stored)


def test_a_drawing_along_the_commune_edge_is_accepted(client, login, council):
    """A hand-drawn edge a little past the commune's (less than 1 % of the area)."""
    login("coordinateur")
    assert edit(client, council, square(2.8499, 50.685, 2.87, 50.70)).status_code == 302


def test_a_huge_text_is_refused(client, login, council):
    login("coordinateur")
    response = edit(client, council, " " * 1_000_001)
    assert response.status_code in (200, 400)
    council.refresh_from_db()
    assert council.geometry
