"""Numbers of 2^63 or more, and negative ids, in query strings, forms and API
parameters: refused where they are read (issue 11), never a server error."""

import pytest

from cdvs.core.bounds import MAX_INT, BoundedIntegerField, IdField
from cdvs.territories.models import Territory
from cdvs.testing import World

TOO_BIG = str(MAX_INT + 1)

PAGES = [
    "/documents/?enjeu={}",
    "/documents/?territoire={}",
    "/documents/?instance={}",
    "/appels-a-projets/?enjeu={}",
    "/appels-a-projets/?territoire={}",
    "/actualites/?enjeu={}",
    "/actualites/?territoire={}",
    "/agenda/?instance={}",
    "/agenda/?organisation={}",
    "/agenda/suites-a-donner/?instance={}",
    "/organisations/?enjeu={}",
    "/organisations/?territory={}",
    "/recherche/?q=centre&territoire={}&page={}",
    # the exports with filters
    "/documents/gestion/export.csv?enjeu={}&territoire={}&instance={}",
    "/appels-a-projets/export.csv?enjeu={}&territoire={}",
    "/organisations/export.csv?enjeu={}&territory={}",
    "/agenda/export/reunions.csv?instance={}",
]
API = [
    "/api/annuaire/organisations?offset={}",
    "/api/annuaire/organisations?limit={}&age={}",
    "/api/appels?offset={}",
    "/api/appels?enjeu={}&territoire={}&limit={}",
    "/api/agenda/reunions?instance={}",
    "/api/documents?enjeu={}",
    "/api/recherche?q=centre&territoire={}",
    "/api/recherche?q=centre&page={}",
]


@pytest.fixture
def admin(client, db):
    world = World.build()
    client.force_login(world.users["administrateur"])
    return world


@pytest.mark.parametrize("value", [TOO_BIG, "-1", "-" + TOO_BIG])
@pytest.mark.parametrize("url", PAGES)
def test_pages_and_exports_ignore_out_of_range_ids(client, admin, url, value):
    response = client.get(url.replace("{}", value))
    assert response.status_code == 200


@pytest.mark.parametrize("url", API)
def test_api_refuses_out_of_range_numbers_in_french(client, admin, url):
    response = client.get(url.replace("{}", TOO_BIG))
    assert response.status_code == 422
    text = str(response.json())
    assert "hors limites" in text or "inférieure ou égale à 9223372036854775807" in text


@pytest.mark.parametrize("url", API)
def test_api_takes_negative_numbers_as_before(client, admin, url):
    assert client.get(url.replace("{}", "-1")).status_code in (200, 422)


def test_api_offset_within_bounds_is_an_empty_page(client, admin):
    response = client.get("/api/appels", {"offset": MAX_INT})
    assert response.status_code == 200 and response.json() == []


FORMS = [
    "/documents/deposer/",
    "/actualites/publier/",
    "/appels-a-projets/gestion/nouveau/",
    "/organisations/{asso}/modifier/",
]


@pytest.mark.parametrize("field", ["territories", "enjeux"])
@pytest.mark.parametrize("url", FORMS)
def test_forms_answer_invalid_choice_for_out_of_range_ids(client, admin, url, field):
    url = url.format(asso=admin.organisations["asso_arm"].pk)
    for value in (TOO_BIG, "-1"):
        response = client.post(url, {"title": "Titre", "name": "Nom", field: [value]})
        assert response.status_code == 200
        assert f"Sélectionnez un choix valide. {value} n’en fait pas partie." in (
            response.content.decode()
        )


def test_in_lookup_leaves_out_values_no_row_can_hold(admin):
    arm = admin.territories["armentieres"]
    assert list(Territory.objects.filter(pk__in=[MAX_INT + 1, arm.pk])) == [arm]
    assert list(Territory.objects.filter(pk__in=[MAX_INT + 1, -(2**70)])) == []
    assert Territory.objects.filter(pk__in=[MAX_INT]).count() == 0


def test_bounded_fields():
    assert IdField().clean("12") == 12
    assert IdField().clean("") is None
    for wrong in (TOO_BIG, "-1", "²", "9" * 5000):
        with pytest.raises(Exception, match="."):
            IdField().clean(wrong)
    assert BoundedIntegerField().clean(str(-(2**63))) == -(2**63)
    with pytest.raises(Exception, match="inférieure ou égale"):
        BoundedIntegerField().clean(TOO_BIG)


def test_saved_search_with_an_out_of_range_territory_serves_its_feed(client, admin):
    from cdvs.calls import alerts
    from cdvs.calls.models import SavedSearch

    search = SavedSearch.objects.create(
        user=admin.users["membre"], name="Trop grand", query=f"territoire={TOO_BIG}&enjeu=-1"
    )
    response = client.get(f"/appels-a-projets/alertes/calendrier/{alerts.feed_token(search)}.ics")
    assert response.status_code == 200
    # the saved POST of such a search keeps only what is valid
    response = client.post(
        "/appels-a-projets/alertes/enregistrer/",
        {"name": "Recherche", "frequency": "hebdomadaire", "territoire": TOO_BIG, "q": "emploi"},
    )
    assert response.status_code in (200, 302)
    assert SavedSearch.objects.get(name="Recherche").query == "q=emploi"
