import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdvs.territories import services
from cdvs.territories.geo import GeometryError
from cdvs.territories.models import Kind, Territory
from cdvs.territories.services import ensure_pac, set_perimeter
from cdvs.testing import plain

from .conftest import ARMENTIERES, POINT_ARMENTIERES, square

LAT, LON = POINT_ARMENTIERES
GOOD = json.dumps(square(LON, LAT))


@pytest.fixture
def pac(mel):
    return ensure_pac("pac-de-test", "PAC de test", ARMENTIERES)


@pytest.mark.django_db
def test_ensure_pac_creates_once(pac):
    assert (pac.kind, pac.code, pac.parent.code) == (Kind.PAC, "pac-de-test", ARMENTIERES)
    assert list(pac.communes.values_list("code", flat=True)) == [ARMENTIERES]
    assert not pac.has_perimeter
    again = ensure_pac("pac-de-test", "PAC de test renommé", ARMENTIERES)
    assert again.pk == pac.pk and again.name == "PAC de test renommé"
    assert Territory.objects.of_kind(Kind.PAC).count() == 1
    with pytest.raises(ValueError, match="load_territories"):
        ensure_pac("autre", "Autre", "00000")


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, message",
    [
        ("pas du json", "pas du JSON valable"),
        (json.dumps(BOWTIE), "se recoupe"),
        (json.dumps({"type": "Polygon", "coordinates": []}), "vide"),
        (json.dumps({"type": "Point", "coordinates": [LON, LAT]}), "doit être un polygone"),
        (
            json.dumps({"type": "LineString", "coordinates": [[LON, LAT], [LON, LAT + 1]]}),
            "polygone",
        ),
        (json.dumps(square(200, 95)), "hors limites"),
        (json.dumps(square(690_000, 7_060_000, 100)), "Lambert-93"),
        (
            json.dumps(
                {
                    "type": "Feature",
                    "crs": {"type": "name", "properties": {"name": "EPSG:2154"}},
                    "geometry": json.loads(GOOD),
                }
            ),
            "Lambert-93",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}), "aucun objet"),
    ],
)
def test_bad_perimeters_are_refused_and_change_nothing(pac, users, text, message):
    with pytest.raises(GeometryError, match=message):
        set_perimeter(pac, text, users["admin"], "upload")
    pac.refresh_from_db()
    assert not pac.has_perimeter
    assert pac.history.count() == 1  # its creation only


@pytest.mark.django_db
def test_set_perimeter_keeps_history(pac, users):
    user = users["coord_armentieres"]
    set_perimeter(pac, GOOD, user, "upload")
    set_perimeter(
        pac,
        json.dumps({"type": "Feature", "properties": {}, "geometry": square(LON, LAT, 0.001)}),
        user,
        "draw",
    )
    pac.refresh_from_db()
    assert pac.geometry_source == services.SOURCE_DRAWN
    latest, previous = pac.history.all()[:2]
    assert latest.history_user == user and latest.history_change_reason == services.SOURCE_DRAWN
    assert previous.geometry_source == services.SOURCE_UPLOAD
    assert latest.geometry != previous.geometry


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "coord_lille"])
def test_service_refuses_users_without_scope(pac, users, who):
    with pytest.raises(PermissionDenied):
        set_perimeter(pac, GOOD, users[who], "upload")
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        set_perimeter(pac, GOOD, AnonymousUser(), "upload")


def perimeter_url(t):
    return reverse("territories:perimeter", args=[t.kind, t.code])


def upload(client, territory, text=GOOD):
    file = SimpleUploadedFile("perimetre-de-test.geojson", text.encode(), "application/geo+json")
    return client.post(perimeter_url(territory), {"action": "upload", "depot-file": file})


def as_points(geojson_text: str) -> str:
    """The vertices of a GeoJSON polygon as typed in the form: « lat, lon » per line."""
    if not geojson_text:
        return ""
    ring = json.loads(geojson_text)["coordinates"][0]
    return "\n".join(f"{lat}, {lon}" for lon, lat in ring)


def draw(client, territory, text=GOOD):
    return client.post(
        perimeter_url(territory), {"action": "draw", "trace-points": as_points(text)}
    )


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, pac):
    response = upload(client, pac)
    assert response.status_code == 302 and "/compte/" in response["Location"]
    assert client.get(perimeter_url(pac)).status_code == 302
    pac.refresh_from_db()
    assert not pac.has_perimeter


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "coord_lille"])
@pytest.mark.parametrize("send", [upload, draw])
def test_refused_without_scope(client, pac, users, who, send):
    client.force_login(users[who])
    assert client.get(perimeter_url(pac)).status_code == 403
    assert send(client, pac).status_code == 403
    pac.refresh_from_db()
    assert not pac.has_perimeter


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coord_armentieres", "admin"])
@pytest.mark.parametrize(
    "send, source", [(upload, services.SOURCE_UPLOAD), (draw, services.SOURCE_DRAWN)]
)
def test_accepted_for_armentieres_coordinator_and_admin(client, pac, users, who, send, source):
    client.force_login(users[who])
    page = client.get(perimeter_url(pac))
    assert page.status_code == 200
    assert "Déposer un fichier GeoJSON" in page.content.decode()
    response = send(client, pac)
    assert response.status_code == 302 and response["Location"] == pac.get_absolute_url()
    pac.refresh_from_db()
    assert pac.has_perimeter and pac.geometry_source == source
    assert pac.history.first().history_user == users[who]


@pytest.mark.django_db
@pytest.mark.parametrize("send", [upload, draw])
def test_invalid_geometry_shows_french_error(client, pac, users, send):
    client.force_login(users["coord_armentieres"])
    response = send(client, pac, json.dumps(BOWTIE))
    assert response.status_code == 200
    assert "se recoupe" in response.content.decode()
    pac.refresh_from_db()
    assert not pac.has_perimeter


@pytest.mark.django_db
def test_empty_drawing_is_explained(client, pac, users):
    client.force_login(users["coord_armentieres"])
    response = draw(client, pac, "")
    assert "Tracez d&#x27;abord le périmètre" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("50.69, 2.88\n50.70, 2.88", "au moins trois sommets"),
        ("50.69, 2.88\nnord-est\n50.70, 2.89", "Ligne 2 : « nord-est »"),
        ("50.69, 2.88\n95, 2.88\n50.70, 2.89", "Ligne 2 : latitude entre -90 et 90"),
    ],
)
def test_typed_vertices_with_mistakes_are_refused_in_french(client, pac, users, typed, message):
    client.force_login(users["coord_armentieres"])
    response = client.post(perimeter_url(pac), {"action": "draw", "trace-points": typed})
    assert response.status_code == 200
    assert message in plain(response.content.decode().replace("&#x27;", "'"))
    pac.refresh_from_db()
    assert not pac.has_perimeter


@pytest.mark.django_db
@pytest.mark.parametrize("separator", [", ", " ; ", " "])
def test_vertices_typed_at_the_keyboard_make_the_perimeter(client, pac, users, separator):
    client.force_login(users["coord_armentieres"])
    vertices = [(LAT, LON), (LAT, LON + 0.01), (LAT + 0.01, LON + 0.01), (LAT + 0.01, LON)]
    lines = [f"{lat}{separator}{lon}" for lat, lon in vertices]
    if separator == " ; ":
        lines = [line.replace(".", ",") for line in lines]  # French decimal commas
    response = client.post(
        perimeter_url(pac), {"action": "draw", "trace-points": "\n".join(lines) + "\n"}
    )
    assert response.status_code == 302
    pac.refresh_from_db()
    assert pac.has_perimeter and pac.geometry_source == services.SOURCE_DRAWN
    west, south, east, north = pac.bbox
    assert (round(west, 4), round(south, 4)) == (round(LON, 4), round(LAT, 4))
    assert (round(east, 4), round(north, 4)) == (round(LON + 0.01, 4), round(LAT + 0.01, 4))


@pytest.mark.django_db
def test_history_page(client, pac, users):
    set_perimeter(pac, GOOD, users["coord_armentieres"], "upload")
    url = reverse("territories:history", args=[pac.kind, pac.code])
    assert client.get(url).status_code == 302
    client.force_login(users["coord_lille"])
    assert client.get(url).status_code == 403
    client.force_login(users["coord_armentieres"])
    body = client.get(url).content.decode()
    assert "coord-armentieres@test.invalid" in body
    assert "aucun périmètre" in body  # before
    assert "ha," in body and services.SOURCE_UPLOAD in body  # after
