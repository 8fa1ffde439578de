"""GeoJSON of places and data·inclusion exports: valid (the package's v1 models), public
fields only, the same constant number of queries whatever the data size."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from pydantic import TypeAdapter

from cdvs.directory.models import Contact, Place, Service
from cdvs.testing import ROLES_EXCEPT_LILLE as ROLES
from cdvs.testing import plain

SECRET = ["Dominique Confidentielle", "dominique.confidentielle@example.net", "03 20 11 22 33"]


@pytest.fixture
def data(world, qpv_square):
    from data_inclusion.schema.v1 import Thematique

    org = world.organisations["asso_arm"]
    org.description = "Accompagnement scolaire et familles."
    org.postcode, org.city, org.website = "59280", "Armentières", "https://bizet.example.org"
    org.save()
    Contact.objects.create(organisation=org, name=SECRET[0], email=SECRET[1], phone=SECRET[2],
                           consent_at=timezone.now())  # fmt: skip
    place = Place.objects.create(organisation=org, name="Accueil", address="10 rue de Lille",
                                 postcode="59280", city="Armentières", lat=50.69, lon=2.87)  # fmt: skip
    thematique = next(iter(Thematique)).value
    Service.objects.create(organisation=org, name="Soutien scolaire", place=place,
                           thematiques=[thematique, "sport"], publics=["jeunes"])  # fmt: skip
    return org, place


def get(client, world, role, url):
    client.logout()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    response = client.get(url)
    assert response.status_code == 200, (role, url)
    body = response.content.decode()
    for secret in SECRET:
        assert secret not in body, (role, url, secret)
    return json.loads(body)


@pytest.mark.parametrize("role", ROLES)
def test_geojson_of_places_without_personal_data(client, world, data, role):
    org, place = data
    collection = get(client, world, role, reverse("directory:places_geojson"))
    assert collection["type"] == "FeatureCollection"
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.87, 50.69]}
    props = feature["properties"]
    assert props["organisation"] == org.name and props["localisation"] == "qpv"
    assert props["territoire"] == "Route Nationale" and props["fiche"] == org.get_absolute_url()


@pytest.mark.parametrize("role", ROLES)
def test_data_inclusion_exports_validate_with_the_v1_models(client, world, data, role):
    from data_inclusion.schema.v1 import Service as DIService
    from data_inclusion.schema.v1 import Structure

    org, _ = data
    structures = get(client, world, role, reverse("directory:data_inclusion", args=["structures"]))
    parsed = TypeAdapter(list[Structure]).validate_python(structures)
    assert len(parsed) == 5  # every organisation of the world
    mine = next(s for s in parsed if s.nom == org.name)
    assert mine.id == f"cdvs--{org.pk}" and mine.code_postal == "59280"
    assert mine.telephone is None and mine.courriel is None
    services = get(client, world, role, reverse("directory:data_inclusion", args=["services"]))
    (service,) = TypeAdapter(list[DIService]).validate_python(services)
    assert service.structure_id == mine.id and service.contact_nom_prenom is None
    assert [t.value for t in service.thematiques] == [next(iter(service.thematiques)).value]
    assert service.latitude == 50.69 and service.description.startswith("Soutien scolaire")


def test_filters_apply_and_unknown_export_is_404(client, world, data):
    url = reverse("directory:data_inclusion", args=["structures"])
    assert len(json.loads(client.get(url + "?q=bizet").content)) == 1
    assert client.get(reverse("directory:data_inclusion", args=["contacts"])).status_code == 404
    page = client.get(reverse("directory:list")).content.decode()
    assert "Lieux en GeoJSON" in page and "data·inclusion : structures (JSON)" in plain(page)


def test_exports_run_a_constant_number_of_queries(
    client, world, data, django_assert_max_num_queries
):
    org, _ = data
    urls = [reverse("directory:places_geojson"),
            reverse("directory:data_inclusion", args=["structures"]),
            reverse("directory:data_inclusion", args=["services"])]  # fmt: skip
    counts = []
    for url in urls:
        with django_assert_max_num_queries(20) as few:
            client.get(url)
        counts.append(len(few.captured_queries))
    for i in range(15):
        place = Place.objects.create(organisation=org, name=f"Lieu {i}", lat=50.6, lon=2.9)
        Service.objects.create(organisation=org, name=f"Service {i}", place=place)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
