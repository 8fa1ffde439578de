"""API writes of the directory: PATCH of a fiche, POST/PATCH/DELETE of its places, for
its own members (session + CSRF), French errors (422), history; read endpoints of
places and services; no personal data for anonymous callers."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import Contact, OpeningSlot, Organisation, Place, Service
from cdvs.testing import ROLES_EXCEPT_LILLE as ROLES

API = "/api/annuaire"
SECRET = ["Dominique Confidentielle", "dominique.confidentielle@example.net"]


@pytest.fixture
def asso(world):
    org = world.organisations["asso_arm"]
    Contact.objects.create(organisation=org, name=SECRET[0], email=SECRET[1],
                           consent_at=timezone.now())  # fmt: skip
    return org


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/organisations/")  # sets the csrftoken cookie
    return client


def send(client, method, url, body=None, csrf=True):
    headers = {}
    if csrf and "csrftoken" in client.cookies:
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def test_patch_fiche_by_its_members_with_history(world, asso):
    client = csrf_client(world.users["porteur"])
    response = send(client, "patch", f"{API}/organisations/{asso.pk}",
                    {"description": "Soutien scolaire et familles.", "age_min": 6, "age_max": 16,
                     "publics": ["jeunes"]})  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["age_min"] == 6 and response.json()["publics"] == ["jeunes"]
    asso.refresh_from_db()
    assert (
        asso.description == "Soutien scolaire et familles."
        and asso.name == "Centre social du Bizet"
    )
    assert asso.history.first().history_user == world.users["porteur"]
    assert asso.last_confirmed_at is not None


def test_patch_errors_are_french_and_change_nothing(world, asso):
    client = csrf_client(world.users["porteur"])
    response = send(client, "patch", f"{API}/organisations/{asso.pk}",
                    {"siret": "12345678901234", "age_min": 20, "age_max": 10,
                     "name": "Nouveau nom"})  # fmt: skip
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("La fiche n'a pas été modifiée")
    assert "age_max" in body["errors"] and "siret" in body["errors"]
    assert "âge maximum" in body["errors"]["age_max"][0]
    assert Organisation.objects.get(pk=asso.pk).name == "Centre social du Bizet"


def test_writes_need_session_csrf_and_membership(world, asso):
    url = f"{API}/organisations/{asso.pk}"
    assert send(Client(), "patch", url, {"name": "X"}).status_code == 401
    client = csrf_client(world.users["porteur"])
    assert send(client, "patch", url, {"name": "X"}, csrf=False).status_code == 403
    other = csrf_client(world.users["coordinateur_lille"])
    response = send(other, "patch", url, {"name": "X"})
    assert response.status_code == 403 and "droits" in response.json()["message"]
    assert Organisation.objects.get(pk=asso.pk).name == "Centre social du Bizet"


def test_places_create_update_delete(world, asso, qpv_square):
    client = csrf_client(world.users["porteur"])
    response = send(client, "post", f"{API}/organisations/{asso.pk}/lieux",
                    {"name": "Antenne", "address": "1 rue X", "postcode": "59280",
                     "city": "Armentières", "lat": 50.69, "lon": 2.87})  # fmt: skip
    assert response.status_code == 201, response.content
    place = response.json()
    assert place["classification"] == "qpv" and place["opening_hours"] is None
    pk = place["id"]
    bad = send(client, "patch", f"{API}/lieux/{pk}", {"lat": 10.0, "lon": 2.87})
    assert bad.status_code == 422 and bad.json()["errors"]["lat"]
    bad = send(client, "post", f"{API}/organisations/{asso.pk}/lieux", {"postcode": "59"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) >= {"name", "postcode"}
    ok = send(client, "patch", f"{API}/lieux/{pk}", {"name": "Antenne du Bizet"})
    assert ok.status_code == 200 and ok.json()["name"] == "Antenne du Bizet"
    assert ok.json()["lat"] == 50.69  # unchanged fields kept
    other = csrf_client(world.users["coordinateur_lille"])
    assert send(other, "delete", f"{API}/lieux/{pk}").status_code == 403
    assert send(client, "delete", f"{API}/lieux/{pk}").status_code == 204
    assert not Place.objects.filter(pk=pk).exists() and Place.all_objects.get(pk=pk).is_deleted
    reasons = list(Place.history.filter(id=pk).values_list("history_change_reason", flat=True))
    assert "Suppression d'un lieu" in reasons and "Ajout d'un lieu" in reasons
    # coordinators restore it from the directory's trash
    coordinator = csrf_client(world.users["coordinateur"])
    assert (
        "Antenne du Bizet"
        in coordinator.get(reverse("directory_coordination:trash")).content.decode()
    )
    restore = send(
        coordinator, "post", reverse("directory_coordination:restore", args=["lieu", pk])
    )
    assert restore.status_code == 302 and Place.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_read_places_and_services_public_fields(client, world, asso, role):
    import datetime

    place = Place.objects.create(organisation=asso, name="Accueil", lat=50.69, lon=2.87)
    OpeningSlot.objects.create(place=place, weekday=1, start=datetime.time(14),
                               end=datetime.time(17))  # fmt: skip
    Service.objects.create(organisation=asso, name="Aide", place=place, publics=["jeunes"])
    if world.users[role] is not None:
        client.force_login(world.users[role])
    places = client.get(f"{API}/organisations/{asso.pk}/lieux")
    services = client.get(f"{API}/organisations/{asso.pk}/services")
    detail = client.get(f"{API}/organisations/{asso.pk}")
    for response in (places, services):
        assert response.status_code == 200
        for secret in SECRET:
            assert secret not in response.content.decode()
    (p,) = places.json()
    assert p["slots"][0]["label"] == "le mardi de 14\xa0h\xa000 à 17\xa0h\xa000"
    assert p["opening_hours"] == "Tu 14:00-17:00; PH off"
    assert services.json()[0]["place_id"] == place.pk
    if role == "anonyme":
        assert detail.json()["contacts"] is None and SECRET[0] not in detail.content.decode()


def test_openapi_documents_the_writes(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "patch" in paths["/api/annuaire/organisations/{pk}"]
    assert {"post", "get"} <= set(paths["/api/annuaire/organisations/{pk}/lieux"])
    assert {"patch", "delete"} <= set(paths["/api/annuaire/lieux/{place_pk}"])
    assert "/api/annuaire/organisations/{pk}/services" in paths


def test_public_list_follows_a_change_made_through_the_api(world, asso):
    client = csrf_client(world.users["membre"])
    names = [o["name"] for o in client.get(f"{API}/organisations?limit=500").json()]
    assert asso.name in names
    response = client.patch(
        f"{API}/organisations/{asso.pk}",
        data=json.dumps({"name": "Centre social renommé"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    names = [o["name"] for o in Client().get(f"{API}/organisations?limit=500").json()]
    assert "Centre social renommé" in names and asso.name not in names
    assert Client().get(f"{API}/organisations?limit=0").status_code == 200
