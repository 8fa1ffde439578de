"""Geocoding with the Base Adresse Nationale: the client (single and CSV batch), the
place form (address → point, typed or picked coordinates), classification QPV / PAC.
HTTP answers are replayed from fixtures/ban (written from the documented format)."""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.urls import reverse

from cdvs.core.geocoding import BanClient, GeocodingError, in_france
from cdvs.directory import services
from cdvs.directory.models import Classification, Place
from cdvs.testing import plain

FIXTURES = Path(__file__).parent / "fixtures" / "ban"
BASE = "https://api-adresse.data.gouv.fr/"


def fixture(name):
    return (FIXTURES / name).read_bytes()


def json_fixture(name):
    return json.loads(fixture(name))


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


@pytest.fixture
def client_no_wait():
    return BanClient(sleep=lambda seconds: None)


@respx.mock
def test_search_reads_label_score_and_citycode(client_no_wait):
    route = respx.get(BASE + "search/").mock(
        return_value=httpx.Response(200, json=json_fixture("search_found.json"))
    )
    result = client_no_wait.search("10 rue de Lille 59280 Armentières", postcode="59280")
    assert (result.lat, result.lon) == (50.69, 2.87)
    assert result.label == "10 Rue de Lille 59280 Armentières"
    assert result.citycode == "59017" and result.type == "housenumber"
    assert result.score == pytest.approx(0.9712, abs=1e-3) and not result.needs_review
    query = parse_qs(urlsplit(str(route.calls.last.request.url)).query)
    assert query == {
        "q": ["10 rue de Lille 59280 Armentières"],
        "limit": ["1"],
        "postcode": ["59280"],
    }


@respx.mock
def test_low_score_is_flagged_and_nothing_found_is_none(client_no_wait, settings):
    respx.get(BASE + "search/").mock(
        side_effect=[
            httpx.Response(200, json=json_fixture("search_low_score.json")),
            httpx.Response(200, json=json_fixture("search_empty.json")),
        ]
    )
    low = client_no_wait.search("jardin partagé près de l'école")
    assert low.needs_review and low.score_label == "42\u202f%"
    settings.BAN_MIN_SCORE = 0.4
    assert not low.needs_review
    assert client_no_wait.search("zzzz introuvable") is None


@respx.mock
def test_base_url_is_a_setting(settings):
    settings.BAN_BASE_URL = "https://data.geopf.fr/geocodage/"
    route = respx.get("https://data.geopf.fr/geocodage/search/").mock(
        return_value=httpx.Response(200, json=json_fixture("search_found.json"))
    )
    assert BanClient().search("10 rue de Lille Armentières").citycode == "59017"
    assert route.called


@respx.mock
def test_retries_on_429_and_5xx_then_gives_up_in_french():
    waits = []
    route = respx.get(BASE + "search/").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503),
            httpx.Response(200, json=json_fixture("search_found.json")),
        ]
    )
    client = BanClient(sleep=waits.append, retries=3)
    assert client.search("10 rue de Lille").label.startswith("10 Rue de Lille")
    assert route.call_count == 3 and waits == [2.0, 1.0]

    respx.get(BASE + "search/").mock(return_value=httpx.Response(502))
    with pytest.raises(GeocodingError, match="momentanément indisponible"):
        BanClient(sleep=waits.append, retries=2).search("10 rue de Lille")
    respx.get(BASE + "search/").mock(side_effect=httpx.ConnectTimeout("lent"))
    with pytest.raises(GeocodingError, match="n'a pas répondu à temps"):
        BanClient(sleep=waits.append, retries=1).search("10 rue de Lille")
    respx.get(BASE + "search/").mock(return_value=httpx.Response(400))
    with pytest.raises(GeocodingError, match="refusé la demande"):
        BanClient(sleep=waits.append).search("10 rue de Lille")
    with pytest.raises(GeocodingError, match="trop courte"):
        BanClient().search("a")


@respx.mock
def test_csv_batch_sends_columns_and_reads_result_columns(client_no_wait):
    route = respx.post(BASE + "search/csv/").mock(
        return_value=httpx.Response(200, content=fixture("batch_result.csv"))
    )
    rows = [
        {"adresse": "10 rue de Lille", "commune": "Armentières", "code_postal": "59280"},
        {"adresse": "rue des jardins", "commune": "Armentières", "code_postal": "59280"},
        {"adresse": "lieu inconnu", "commune": "Nulle Part", "code_postal": ""},
    ]
    found, low, missing = client_no_wait.search_csv(
        rows, ["adresse", "commune"], postcode_column="code_postal"
    )
    assert found.citycode == "59017" and found.score == 0.97 and not found.needs_review
    assert low.needs_review and low.type == "street"
    assert missing is None
    body = route.calls.last.request.content.decode()
    assert 'name="columns"\r\n\r\nadresse' in body and 'name="columns"\r\n\r\ncommune' in body
    assert 'name="result_columns"\r\n\r\nresult_score' in body
    assert 'name="postcode"\r\n\r\ncode_postal' in body
    assert 'filename="adresses.csv"' in body and "10 rue de Lille,Armentières,59280" in body


def test_in_france():
    assert in_france(50.69, 2.87) and in_france(-21.1, 55.5)  # Armentières, La Réunion
    assert not in_france(2.87, 50.69)  # inverted
    assert not in_france(51.5074, -0.1278)  # London


# ------------------------------------------------------------------ the place form


@pytest.fixture
def asso(world):
    return world.organisations["asso_arm"]


@respx.mock
def test_place_form_geocodes_then_saves_classified_in_the_qpv(client, world, asso, qpv_square):
    respx.get(BASE + "search/").mock(
        return_value=httpx.Response(200, json=json_fixture("search_found.json"))
    )
    client.force_login(world.users["membre"])
    url = reverse("directory:place_add", args=[asso.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-place-map="place-map-data"' in text(page)
    assert "js/place-map.js" in text(page) and "<script>" not in text(page)
    data = {"name": "Accueil du centre", "address": "10 rue de Lille", "postcode": "59280",
            "city": "Armentières", "lat": "", "lon": "", "action": "geocode"}  # fmt: skip
    page = text(client.post(url, data))
    assert "Adresse trouvée : « 10 Rue de Lille 59280 Armentières » (score 97\u202f%)" in page
    assert 'value="50,690000"' in page and 'value="59017"' in page
    assert not Place.objects.exists()  # nothing saved by the geocode button
    data.update(action="save", lat="50,690000", lon="2,870000", geocoding_score="0.97",
                geocoding_label="10 Rue de Lille 59280 Armentières", citycode="59017",
                geocoded_point="50.690000,2.870000")  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    place = Place.objects.get()
    assert place.classification == Classification.QPV and place.territory == qpv_square
    assert place.citycode == "59017" and place.geocoding_score == 0.97 and not place.needs_review
    assert place.history.first().history_user == world.users["membre"]


@respx.mock
def test_low_score_is_saved_to_review(client, world, asso):
    respx.get(BASE + "search/").mock(
        return_value=httpx.Response(200, json=json_fixture("search_low_score.json"))
    )
    client.force_login(world.users["membre"])
    url = reverse("directory:place_add", args=[asso.pk])
    data = {
        "name": "Jardin",
        "address": "jardin partagé",
        "postcode": "",
        "city": "",
        "action": "geocode",
    }
    page = text(client.post(url, data))
    assert "score de 42\u202f% seulement" in page and "À vérifier" in page
    data.update(action="save", lat="50,685100", lon="2,881200", geocoding_score="0.4218",
                geocoded_point="50.685100,2.881200", geocoding_label="Rue des Jardins")  # fmt: skip
    assert client.post(url, data).status_code == 302
    place = Place.objects.get()
    assert place.needs_review
    # no QPV / PAC perimeter loaded here: never « hors périmètre »
    assert place.classification == Classification.NO_PERIMETERS
    assert "Géocodage à vérifier" in text(client.get(asso.get_absolute_url()))


def test_typed_or_picked_coordinates_have_no_score_and_outside_france_is_refused(
    client, world, asso
):
    client.force_login(world.users["membre"])
    url = reverse("directory:place_add", args=[asso.pk])
    base = {"name": "Permanence", "address": "", "postcode": "", "city": "", "action": "save"}
    # a point moved after geocoding: a person's choice, no score kept
    moved = base | {"lat": "50,7", "lon": "2,9", "geocoding_score": "0.3",
                    "geocoded_point": "50.690000,2.870000"}  # fmt: skip
    assert client.post(url, moved).status_code == 302
    place = Place.objects.get()
    assert place.geocoding_score is None and not place.needs_review
    response = client.post(url, base | {"lat": "2,87", "lon": "50,69"})
    assert response.status_code == 200
    assert "Ces coordonnées sont hors de France (latitude 2,87, longitude 50,69)" in text(response)
    assert Place.objects.count() == 1


@respx.mock
def test_geocoding_service_down_keeps_the_form(client, world, asso):
    respx.get(BASE + "search/").mock(return_value=httpx.Response(503))
    client.force_login(world.users["membre"])
    url = reverse("directory:place_add", args=[asso.pk])
    services_client = BanClient
    assert services_client  # the view builds its own client with the settings' retries
    data = {"name": "Lieu", "address": "10 rue de Lille", "action": "geocode"}
    import cdvs.core.geocoding as geocoding

    original = geocoding.time.sleep
    geocoding.time.sleep = lambda s: None
    try:
        page = text(client.post(url, data))
    finally:
        geocoding.time.sleep = original
    assert "momentanément indisponible" in page and "Lieu" in page
    assert not Place.objects.exists()


def test_place_edit_is_for_the_organisation_people_only(client, world, asso):
    place = Place.objects.create(organisation=asso, name="Accueil")
    url = reverse("directory:place_edit", args=[place.pk])
    assert client.get(url).status_code == 302
    client.force_login(world.users["coordinateur_lille"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["porteur"])
    assert client.get(url).status_code == 200


@respx.mock
def test_batch_geocoding_of_places_saves_and_classifies(world, asso, qpv_square):
    respx.post(BASE + "search/csv/").mock(
        return_value=httpx.Response(200, content=fixture("batch_result.csv"))
    )
    places = [
        Place.objects.create(organisation=asso, name="A", address="10 rue de Lille", city="Armentières", postcode="59280"),
        Place.objects.create(organisation=asso, name="B", address="rue des jardins", city="Armentières", postcode="59280"),
        Place.objects.create(organisation=asso, name="C", address="lieu inconnu", city="Nulle Part"),
    ]  # fmt: skip
    counts = services.geocode_places(places, client=BanClient(sleep=lambda s: None))
    assert counts == {"found": 2, "to_review": 1, "not_found": 1}
    a, b, c = (Place.objects.get(pk=p.pk) for p in places)
    assert a.classification == Classification.QPV and a.territory == qpv_square
    assert b.needs_review and b.geocoding_score == 0.42
    assert c.lat is None and c.classification == Classification.UNKNOWN
