"""The map of organisations: page with the list as text alternative, GeoJSON markers
filtered like the list, inside a bounding box, limited, cached per data version,
public fields only for every role; the printable list."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import Contact, Organisation, Place
from cdvs.testing import ROLES_EXCEPT_LILLE as ROLES

SECRET = ["Dominique Confidentielle", "dominique.confidentielle@example.net", "03 20 11 22 33"]


@pytest.fixture
def data(world):
    org = world.organisations["asso_arm"]
    Organisation.objects.filter(pk=org.pk).update(lat=50.69, lon=2.88, city="Armentières")
    Contact.objects.create(organisation=org, name=SECRET[0], email=SECRET[1], phone=SECRET[2],
                           consent_at=timezone.now())  # fmt: skip
    Place.objects.create(organisation=org, name="Accueil du Bizet", lat=50.70, lon=2.87)
    lille = world.organisations["asso_lille"]
    Organisation.objects.filter(pk=lille.pk).update(lat=50.63, lon=3.06)
    return org, lille


@pytest.mark.parametrize("role", ROLES)
def test_markers_have_public_fields_only(client, world, data, role):
    if world.users[role] is not None:
        client.force_login(world.users[role])
    response = client.get(reverse("directory:map_data"))
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    body = response.content.decode()
    for secret in SECRET:
        assert secret not in body
    collection = json.loads(body)
    assert collection["total"] == 3 and not collection["truncated"]
    keys = {k for f in collection["features"] for k in f["properties"]}
    assert keys == {"type", "nom", "organisation", "organisation_type", "commune", "fiche"}
    place = next(f for f in collection["features"] if f["properties"]["type"] == "lieu")
    assert place["geometry"]["coordinates"] == [2.87, 50.7]
    assert place["properties"]["organisation"] == "Centre social du Bizet"


def test_markers_filter_bbox_limit_and_errors(client, world, data):
    url = reverse("directory:map_data")
    names = lambda r: sorted(f["properties"]["nom"] for f in r.json()["features"])  # noqa: E731
    assert names(client.get(url, {"q": "lilloise"})) == ["Association lilloise"]
    assert names(client.get(url, {"bbox": "50.6,3.0,50.65,3.1"})) == ["Association lilloise"]
    truncated = client.get(url, {"limit": "1"}).json()
    assert truncated["truncated"] and truncated["total"] == 3
    assert len(truncated["features"]) == 2  # one organisation, one place
    bad = client.get(url, {"bbox": "nord,sud"})
    assert (
        bad.status_code == 400 and "Zone de la carte invalide" in bad.json()["erreurs"]["bbox"][0]
    )
    assert client.get(url, {"bbox": "51,3,50,2"}).status_code == 400
    assert client.get(url, {"age": "deux"}).status_code == 400


def test_markers_are_cached_until_the_data_changes(
    client, world, data, django_assert_max_num_queries
):
    url = reverse("directory:map_data")
    client.get(url)
    with django_assert_max_num_queries(8) as cached:  # session, version: no marker query
        client.get(url)
    assert not any("directory_place" in q["sql"] and "lat" in q["sql"].split("FROM")[0]
                   for q in cached.captured_queries)  # fmt: skip
    org, _ = data
    Place.objects.create(organisation=org, name="Nouveau lieu", lat=50.68, lon=2.86)
    assert client.get(url).json()["total"] == 4


def test_map_page_lists_the_same_organisations_with_constant_queries(
    client, world, data, django_assert_max_num_queries
):
    url = reverse("directory:map")
    with django_assert_max_num_queries(20) as first:
        page = client.get(url + "?q=bizet").content.decode()
    assert "Centre social du Bizet" in page and "Association lilloise" not in page
    assert 'id="directory-map-data"' in page and "directory-map.js" in page
    assert "leaflet.markercluster.js" in page and "<script>" not in page
    for i in range(10):
        Organisation.objects.create(name=f"Bizet {i}", kind="association")
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url + "?q=bizet").content.decode()
    assert "Bizet 9" in page


def test_printable_list(client, world, data):
    page = client.get(reverse("directory:list") + "?imprimer=1").content.decode()
    assert "Version imprimable" in page and "directory.css" in page
    assert "Association lilloise" in page
