"""Coordination content is read only by the coordinators whose scope covers its
territory (the EPCI's coordinators cover all its communes), the same answer on pages,
downloads, API, exports, search and the digest (`permissions.can_read` /
`permissions.filter_readable`)."""

import pytest
from django.urls import reverse

from cdvs.accounts import permissions
from cdvs.accounts.models import Membership, Role
from cdvs.directory.models import Organisation, OrganisationKind
from cdvs.library.models import Document, News, NewsStatus
from cdvs.testing import make_user

from .test_documents import _get, _upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def armentieres_document(client, login, world):
    login("coordinateur")
    _upload(
        client,
        title="Note de coordination d'Armentières",
        visibility="coordination",
        organisation=world.organisations["pv_arm"].pk,
    )
    client.logout()
    document = Document.objects.get()
    assert document.territory == world.territories["armentieres"]
    return document


@pytest.fixture
def mel_coordinator(world):
    mel = Organisation.objects.create(
        name="MEL — Politique de la ville",
        kind=OrganisationKind.CITY_SERVICE,
        territory=world.territories["mel"],
    )
    return make_user("coordination@mel.example.org", role=Role.COORDINATOR, organisation=mel)


def _urls(document):
    version = document.current_version
    return [
        document.get_absolute_url(),
        reverse("library:download", args=[document.pk, version.pk]),
        reverse("library:preview", args=[document.pk, version.pk]),
    ]


def test_a_coordinator_of_another_commune_neither_opens_nor_downloads_it(
    client, login, armentieres_document
):
    login("coordinateur_lille")
    for url in _urls(armentieres_document):
        assert _get(client, url).status_code == 403, url
    assert client.get(f"/api/documents/{armentieres_document.pk}").status_code == 404
    assert armentieres_document.title not in {
        d["title"] for d in client.get("/api/documents").json()
    }
    listing = client.get(reverse("library:documents")).content.decode()
    assert "Note de coordination" not in listing
    export = client.get(reverse("library_coordination:export", args=["csv"]))
    assert export.status_code == 200
    assert "Note de coordination" not in export.content.decode("utf-8-sig")


@pytest.mark.parametrize("who", ["coordinateur", "mel", "administrateur"])
def test_the_coordinators_of_its_territory_and_of_the_epci_read_it(
    client, login, world, armentieres_document, mel_coordinator, who
):
    if who == "mel":
        client.force_login(mel_coordinator)
    else:
        login(who)
    for url in _urls(armentieres_document):
        assert _get(client, url).status_code == 200, url
    assert client.get(f"/api/documents/{armentieres_document.pk}").status_code == 200
    assert "Note de coordination" in client.get(reverse("library:documents")).content.decode()


def test_a_contract_wide_coordination_item_is_for_every_coordinator(client, login, world):
    login("coordinateur")
    _upload(client, title="Note du contrat", visibility="coordination")
    document = Document.objects.get()
    assert document.territory is None
    login("coordinateur_lille")
    for url in _urls(document):
        assert _get(client, url).status_code == 200, url


def test_can_read_and_filter_readable_agree(world, armentieres_document, mel_coordinator):
    news = News.objects.create(
        title="Nouvelle de coordination", body="Texte", visibility="coordination",
        status=NewsStatus.PUBLISHED, author=world.users["coordinateur"],
        organisation=world.organisations["pv_arm"], territory=world.territories["armentieres"],
    )  # fmt: skip
    people = [*world.users.values(), mel_coordinator]
    for user in people:
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            user = AnonymousUser()
        for obj in (armentieres_document, news):
            listed = permissions.filter_readable(user, type(obj).objects.all()).filter(pk=obj.pk)
            assert listed.exists() is permissions.can_read(user, obj), (user, obj)
    lille = world.users["coordinateur_lille"]
    assert not permissions.can_read(lille, armentieres_document)
    assert permissions.can_read(mel_coordinator, armentieres_document)
    assert not Membership.objects.filter(user=lille, organisation__territory__name="Armentières")
