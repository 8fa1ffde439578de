"""The API refuses what it cannot take, in French and as documented (issue 11): bounded
search text, lone surrogates, wrong JSON types and over-long texts in the bodies, empty
or non-object bodies; every error body is an `ErrorsOut`, negative ids answer a JSON 404."""

import json
from datetime import date, time

import pytest
from django.test import Client

from cdvs.directory.forms import FilterForm, OrganisationForm
from cdvs.directory.models import Organisation, Place
from cdvs.search.forms import SearchForm
from cdvs.testing import World

API = "/api/annuaire"


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def asso(world):
    return world.organisations["asso_arm"]


@pytest.fixture
def place(asso):
    return Place.objects.create(organisation=asso, name="Accueil", lat=50.69, lon=2.87)


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/organisations/")  # sets the csrftoken cookie
    return client


def send(client, method, url, raw: str, csrf=True):
    headers = {}
    if csrf and "csrftoken" in client.cookies:
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return getattr(client, method)(url, data=raw, content_type="application/json", **headers)


def assert_errors_out(response, status):
    """The documented error body: a French `message`, `errors` by field."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"message", "errors"} and isinstance(body["message"], str)
    assert all(isinstance(v, list) for v in body.get("errors", {}).values())
    assert body["message"] and not body["message"].startswith(("Not Found", "Unauthorized"))
    return body


# ------------------------------------------------------------------ search text


def test_long_search_of_the_directory_is_refused_like_the_form(client, world):
    """About 1 000 words answered 500 « Expression tree is too large »."""
    bound = FilterForm.base_fields["q"].max_length
    response = client.get(f"{API}/organisations", {"q": " ".join(["mot"] * 1000)})
    body = assert_errors_out(response, 422)
    assert f"{bound}" in body["errors"]["q"][0] and "caractères" in body["errors"]["q"][0]
    assert client.get(f"{API}/organisations", {"q": "m" * bound}).status_code == 200


def test_long_search_everywhere_is_bounded_by_its_form(client, world):
    bound = SearchForm.base_fields["q"].max_length
    response = client.get("/api/recherche", {"q": "mot " * bound})
    assert "caractères" in assert_errors_out(response, 422)["errors"]["q"][0]
    schema = client.get("/api/openapi.json").json()

    def q_of(path):
        (param,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "q"]
        return param["schema"]

    assert q_of("/api/recherche")["maxLength"] == bound
    assert (
        q_of("/api/annuaire/organisations")["maxLength"] == FilterForm.base_fields["q"].max_length
    )


# ------------------------------------------------------------------ bodies


@pytest.mark.parametrize("target", ["fiche", "lieu"])
def test_lone_surrogate_is_refused_in_french(world, asso, place, target):
    """`{"name": "a\\ud800"}` answered 500 UnicodeEncodeError."""
    client = csrf_client(world.users["porteur"])
    url = f"{API}/organisations/{asso.pk}" if target == "fiche" else f"{API}/lieux/{place.pk}"
    response = send(client, "patch", url, '{"name": "a\\ud800"}')
    body = assert_errors_out(response, 422)
    assert "caractère" in body["errors"]["name"][0]
    assert Organisation.objects.get(pk=asso.pk).name == "Centre social du Bizet"
    assert Place.objects.get(pk=place.pk).name == "Accueil"


@pytest.mark.parametrize("raw", ["null", "[]", '"str"', "{}", "", "12", '[{"name": "X"}]'])
def test_empty_or_non_object_body_changes_nothing(world, asso, raw):
    """`null`, `[]` or `"str"` answered 200, confirmed the fiche and added a history row."""
    client = csrf_client(world.users["porteur"])
    history = asso.history.count()
    response = send(client, "patch", f"{API}/organisations/{asso.pk}", raw)
    assert_errors_out(response, 422)
    asso.refresh_from_db()
    assert asso.last_confirmed_at is None and asso.history.count() == history


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": {"$ne": 1}}, "name"),  # was stored as "{'$ne': 1}"
        ({"name": ["a", "b"]}, "name"),  # was stored as "b"
        ({"name": True}, "name"),  # was stored as "True"
        ({"name": 12}, "name"),
        ({"city": None, "name": None}, "name"),  # a required text cannot be null
        ({"description": "x" * 2_000_000}, "description"),  # was accepted
        ({"name": "x" * 256}, "name"),  # the model's max_length
        ({"siret": "1" * 21}, "siret"),  # the form's max_length (spaces allowed)
        ({"age_min": True}, "age_min"),
        ({"age_min": 6.5}, "age_min"),
        ({"age_min": "6"}, "age_min"),
        ({"lat": "50.69"}, "lat"),
        ({"lat": False}, "lat"),
        ({"publics": "jeunes"}, "publics"),
        ({"publics": [1]}, "publics"),
        ({"publics": [["jeunes"]]}, "publics"),
        ({"inconnu": "x"}, "inconnu"),
    ],
)
def test_wrong_types_are_refused_and_change_nothing(world, asso, changes, field):
    client = csrf_client(world.users["porteur"])
    history = asso.history.count()
    response = send(client, "patch", f"{API}/organisations/{asso.pk}", json.dumps(changes))
    body = assert_errors_out(response, 422)
    assert field in body["errors"], body
    asso.refresh_from_db()
    assert asso.name == "Centre social du Bizet" and asso.description == ""
    assert asso.last_confirmed_at is None and asso.history.count() == history


def test_strict_types_still_take_what_the_form_takes(world, asso, place):
    client = csrf_client(world.users["porteur"])
    ok = send(client, "patch", f"{API}/organisations/{asso.pk}",
              json.dumps({"lat": 50, "lon": 2.87, "age_min": 3, "city": None,
                          "publics": ["jeunes"], "description": "d" * 5000}))  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert ok.json()["lat"] == 50.0 and ok.json()["city"] == ""
    moved = send(client, "patch", f"{API}/lieux/{place.pk}", json.dumps({"lat": 50.7}))
    assert moved.status_code == 200 and moved.json()["lat"] == 50.7


def test_bodies_are_described_with_their_bounds(client):
    components = client.get("/api/openapi.json").json()["components"]["schemas"]
    fiche = components["FicheIn"]
    assert fiche.get("additionalProperties") is False
    name = fiche["properties"]["name"]
    assert name["type"] == "string"
    assert name["maxLength"] == Organisation._meta.get_field("name").max_length
    assert fiche["properties"]["siret"]["anyOf"][0]["maxLength"] == (
        OrganisationForm.base_fields["siret"].max_length
    )
    assert "maxLength" in fiche["properties"]["description"]["anyOf"][0]
    place = components["PlaceIn"]["properties"]
    assert place["name"]["maxLength"] == Place._meta.get_field("name").max_length


# ------------------------------------------------------------------ errors as documented


def test_every_error_is_an_errors_out_in_french(world, asso):
    url = f"{API}/organisations/{asso.pk}"
    anonymous = Client()
    assert_errors_out(send(anonymous, "patch", url, '{"name": "X"}'), 401)
    porteur = csrf_client(world.users["porteur"])
    no_csrf = assert_errors_out(send(porteur, "patch", url, '{"name": "X"}', csrf=False), 403)
    assert "CSRF" in no_csrf["message"]
    other = csrf_client(world.users["coordinateur_lille"])
    assert "droits" in assert_errors_out(send(other, "patch", url, '{"name": "X"}'), 403)["message"]
    assert_errors_out(send(porteur, "patch", url, '{"name": '), 400)
    assert_errors_out(send(porteur, "patch", url, '{"lat": NaN}'), 400)
    assert_errors_out(send(porteur, "patch", f"{API}/organisations/999999", '{"name": "X"}'), 404)
    assert_errors_out(anonymous.get(f"{API}/organisations/999999"), 404)
    assert_errors_out(anonymous.get("/api/territoires/", {"kind": "quartier"}), 422)
    assert_errors_out(anonymous.get("/api/appels", {"statut": "inconnu"}), 422)
    assert_errors_out(anonymous.get("/api/territoires/locate", {"lat": "x"}), 422)
    assert Organisation.objects.get(pk=asso.pk).name == "Centre social du Bizet"


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/organisations/-1",
        f"{API}/organisations/-1/lieux",
        f"{API}/organisations/0/services",
        f"{API}/organisations/9223372036854775808",
        f"{API}/organisations/abc",
        f"{API}/lieux/-5",
        "/api/appels/-1",
        "/api/documents/-1",
        "/api/actualites/-1",
        "/api/agenda/reunions/-1",
        "/api/contrat/enjeux/-1",
        "/api/contrat/enjeux/99999999999999999999",
    ],
)
def test_negative_or_huge_ids_answer_a_json_404(world, url):
    """Negative ids got the HTML 404 page (the path did not match)."""
    if "/lieux/" not in url:
        assert_errors_out(Client().get(url), 404)
        return
    client = csrf_client(world.users["porteur"])
    assert_errors_out(send(client, "patch", url, '{"name": "X"}'), 404)
    assert_errors_out(send(client, "delete", url, ""), 404)


def test_every_operation_documents_its_errors(client):
    """Path parameters may answer 404, query parameters and bodies 422, a body 400,
    session writes 401 and 403; every error is an ErrorsOut."""
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = {p["in"] for p in operation.get("parameters", [])}
            expected = set()
            if "path" in where:
                expected.add("404")
            if "query" in where or "requestBody" in operation:
                expected.add("422")
            if "requestBody" in operation:
                expected.add("400")
            if operation.get("security"):
                expected |= {"401", "403"}
            documented = set(operation["responses"])
            assert expected <= documented, (method, path, expected - documented)
            for code, response in operation["responses"].items():
                if code >= "400":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorsOut"), (method, path, code)


def test_closes_at_matches_its_description(client, world):
    """`format: time` (RFC 3339 full-time) needs an offset; the API answers a local
    wall-clock time « 12:00:00 »: the description says so."""
    import re

    from cdvs.calls import services

    call = services.create_call(
        {"title": "Appel à midi", "funder_name": "État", "opens_on": date(2025, 1, 1),
         "closes_on": date(2099, 3, 31), "closes_at": time(12)}
    )  # fmt: skip
    value = client.get(f"/api/appels/{call.pk}").json()["closes_at"]
    assert value == "12:00:00"
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["CallOut"]
    (documented,) = [s for s in schema["properties"]["closes_at"]["anyOf"] if s["type"] != "null"]
    assert documented.get("format") != "time"
    assert re.fullmatch(documented["pattern"], value)


# ------------------------------------------------------------------ dates, numbers, methods


@pytest.mark.parametrize("url", ["/api/agenda/reunions", "/api/recherche"])
@pytest.mark.parametrize(
    "value", ["1.1e-308", "0", "1700000000", "20250101", "2025-1-1", "2025-02-30",
              "2025-01-01T00:00:00", "１９９９-01-01", "9999-12-31", "1989-12-31"],
)  # fmt: skip
def test_a_date_parameter_is_an_iso_date_in_range(world, client, url, value):
    body = assert_errors_out(client.get(url, {"du": value}), 422)
    assert body["errors"]["du"][0] in (
        "Une date AAAA-MM-JJ est attendue.",
        "Une date comprise entre le 01/01/1990 et le 31/12/2100 est attendue.",
    )


@pytest.mark.parametrize("url", ["/api/agenda/reunions", "/api/recherche"])
def test_an_iso_date_in_range_is_taken(world, client, url):
    response = client.get(url, {"du": "1990-01-01", "au": "2100-12-31"})
    assert response.status_code == 200, response.content


def test_the_date_parameters_are_described_as_dates(client):
    schema = client.get("/api/openapi.json").json()
    for path, name in [("/api/agenda/reunions", "du"), ("/api/recherche", "au")]:
        (param,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert {"type": "string", "format": "date"}.items() <= param["schema"]["anyOf"][0].items()


@pytest.mark.parametrize(
    "name, value", [("enjeu", "9223372036854775808"), ("territoire", "-1"), ("page", "0"),
                    ("page", "x"), ("enjeu", "1.5"), ("du", "1.1e-308")],
)  # fmt: skip
def test_search_parameters_are_typed_in_french(world, client, name, value):
    body = assert_errors_out(client.get("/api/recherche", {name: value}), 422)
    assert list(body.get("errors", [name])) == [name]


def test_search_dates_in_order(world, client):
    response = client.get("/api/recherche", {"du": "2025-02-01", "au": "2025-01-01"})
    assert_errors_out(response, 422)


@pytest.mark.parametrize(
    "method, url, allowed",
    [("delete", "/api/recherche", "GET"), ("post", "/api/annuaire/organisations/1", "GET, PATCH")],
)
def test_a_wrong_method_answers_an_errors_out_in_french(world, client, method, url, allowed):
    response = getattr(client, method)(url)
    body = assert_errors_out(response, 405)
    assert response["Allow"] == allowed
    assert body["message"].startswith(f"Méthode {method.upper()} non autorisée")
