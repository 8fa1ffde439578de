"""« Qui peut aider ? » : what the services say is searched (accents and plurals
folded), an address or « ma position » instead of coordinates, distances shown when a
point is known, neighbourhoods named with their commune, and never « hors périmètre »
while no perimeter is loaded."""

import httpx
import pytest
import respx
from django.urls import reverse

from cdvs.core.tests.browser import (
    blocking,
    chromium,
    describe,
    new_page,
    requires_chromium,
    run_axe,
)
from cdvs.directory.models import Organisation, Place, Service
from cdvs.testing import plain

URL = reverse("directory:help")
BAN = "https://api-adresse.data.gouv.fr/search/"


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


@pytest.fixture
def helpers(world):
    homework = Organisation.objects.create(
        name="Maison de quartier", kind="association", lat=50.6905, lon=2.8705
    )
    service = Service.objects.create(
        organisation=homework, name="Accompagnement", description="Aide aux devoirs le mercredi."
    )
    adults = Organisation.objects.create(name="Formation adultes", kind="association", age_min=18)
    Service.objects.create(organisation=adults, name="Aide aux devoirs pour adultes")
    far = Organisation.objects.create(
        name="Soutien de Lille", kind="association", lat=50.63, lon=3.06
    )
    Service.objects.create(organisation=far, name="Aides aux Dévoirs")  # plural, accent
    return homework, service, far


@pytest.mark.django_db
def test_service_names_and_descriptions_are_searched(client, helpers):
    homework, service, far = helpers
    page = text(client.get(URL, {"need": "aide aux devoirs", "age": "10"}))
    assert "Maison de quartier" in page and "Soutien de Lille" in page
    assert "Formation adultes" not in page  # age 10
    assert "distance inconnue" not in page  # no point: no distance
    # a service going to the trash takes its words away
    service.soft_delete()
    page = text(client.get(URL, {"need": "devoirs", "age": "10"}))
    assert "Maison de quartier" not in page and "Soutien de Lille" in page


@pytest.mark.django_db
@respx.mock
def test_an_address_gives_the_distances(client, helpers):
    respx.get(BAN).mock(
        return_value=httpx.Response(
            200,
            json={
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [2.87, 50.69]},
                        "properties": {"label": "10 Rue de Lille 59280 Armentières", "score": 0.97},
                    }
                ],
            },
        )
    )
    page = text(client.get(URL, {"need": "devoirs", "age": "10", "adresse": "10 rue de Lille"}))
    assert "Distances à vol d'oiseau depuis : 10 Rue de Lille 59280 Armentières" in page
    assert page.index("Maison de quartier") < page.index("Soutien de Lille")
    assert "70\u00a0m" in page and "km" in page
    assert 'name="lat"' in page and "Latitude" not in page  # no coordinates to type


@pytest.mark.django_db
@respx.mock
def test_address_not_found_is_said_in_french(client, helpers):
    respx.get(BAN).mock(return_value=httpx.Response(200, json={"features": []}))
    page = text(client.get(URL, {"need": "devoirs", "adresse": "zzz introuvable"}))
    assert "Adresse introuvable" in page


@pytest.mark.django_db
def test_neighbourhoods_are_named_with_their_commune(client, world):
    page = text(client.get(URL))
    assert "Route Nationale (QPV, Armentières)</option>" in page
    assert "Salengro (PAC, Armentières)</option>" in page
    assert "Quartier de Lille (QPV, Lille)</option>" in page


@pytest.mark.django_db
def test_never_outside_while_the_perimeters_are_not_loaded(client, world, login):
    org = world.organisations["asso_arm"]
    place = Place.objects.create(organisation=org, name="Local", lat=50.60, lon=3.05)
    assert place.get_classification_display() == "Périmètres non chargés"
    page = text(client.get(org.get_absolute_url()))
    assert "Périmètres non chargés" in page and "Hors périmètre" not in page
    qpv = world.territories["qpv_arm"]
    qpv.geometry = (
        '{"type": "Polygon", "coordinates": [[[2.86, 50.68], [2.88, 50.68], '
        "[2.88, 50.70], [2.86, 50.70], [2.86, 50.68]]]}"
    )
    qpv.save()
    place.save()
    assert place.get_classification_display() == "Hors périmètre"


@requires_chromium
@pytest.mark.django_db(transaction=True)
def test_my_position_in_the_browser(live_server):
    homework = Organisation.objects.create(
        name="Maison de quartier", kind="association", lat=50.6905, lon=2.8705
    )
    Service.objects.create(organisation=homework, name="Aide aux devoirs")
    Organisation.objects.create(name="Soutien de Lille", kind="association", lat=50.63, lon=3.06)
    with chromium() as browser:
        page = new_page(browser)
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation({"latitude": 50.69, "longitude": 2.87, "accuracy": 30})
        page.goto(live_server.url + URL)
        page.fill("#id_need", "aides aux devoirs")
        page.fill("#id_age", "10")
        page.get_by_role("button", name="Utiliser ma position").click()
        page.wait_for_function("document.querySelector('#id_lat').value !== ''")
        assert "Position trouvée" in page.inner_text("[data-place-status]")
        page.get_by_role("button", name="Chercher", exact=True).click()
        page.wait_for_load_state()
        body = plain(page.inner_text("main"))
        assert "Distances à vol d'oiseau depuis : Ma position" in body
        assert "Maison de quartier" in body and "70\u00a0m" in body
        violations = blocking(run_axe(page)["violations"])
        assert not violations, describe(violations)
        assert not page.console_messages_seen, page.console_messages_seen
