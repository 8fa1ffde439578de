import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import Contact
from cdvs.testing import plain

PAGE = reverse("accounts:personal_data")


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'").replace("&nbsp;", "\u00a0"))


@pytest.fixture
def contact(world):
    entry = Contact.objects.create(
        organisation=world.organisations["asso_arm"],
        name="Dominique Martin",
        role="Animatrice",
        email="Dominique@Example.org",
        phone="03 20 00 00 00",
        consent_at=timezone.now(),
    )
    entry.role = "Coordinatrice"
    entry.save()  # a second version in the history
    return entry


def test_a_person_without_account_gets_a_link_and_erases_their_entry(
    client, contact, immediate_tasks, mailoutbox, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    response = client.post(PAGE, {"email": " dominique@example.org "})
    assert response.status_code == 302
    assert "un lien vient de lui être envoyé" in text(client.get(PAGE))
    (message,) = mailoutbox
    assert message.to == ["dominique@example.org"]
    path = re.search(r"http://127\.0\.0\.1:8000(/compte/mes-donnees/lien/\S+/)", message.body)[1]

    page = text(client.get(path))
    assert "Dominique Martin" in page and "Coordinatrice" in page
    assert "Centre social du Bizet" in page

    erase = reverse("accounts:personal_data_link_erase", args=[path.split("/")[-2], contact.pk])
    assert client.post(erase).status_code == 302
    assert not Contact.all_objects.filter(pk=contact.pk).exists()
    assert not Contact.history.filter(id=contact.pk).exists()
    assert "Aucune fiche contact" in text(client.get(path))


def test_asking_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, world, immediate_tasks, mailoutbox
):
    response = client.post(PAGE, {"email": "inconnu@example.org"}, follow=True)
    assert "un lien vient de lui être envoyé" in text(response)
    assert mailoutbox == []


@pytest.mark.parametrize("email", ["pas-une-adresse", ""])
def test_a_bad_address_gets_a_french_message(client, world, mailoutbox, email):
    response = client.post(PAGE, {"email": email})
    assert response.status_code == 200
    assert "adresse électronique" in text(response) and "errorlist" in text(response)
    assert mailoutbox == []


def test_a_forged_or_expired_link_shows_nothing(client, contact, time_machine):
    from cdvs.accounts.personal_data import _token

    assert client.get(reverse("accounts:personal_data_link", args=["faux:lien"])).status_code == 404
    token = _token("dominique@example.org")
    time_machine.move_to(timezone.now() + timezone.timedelta(days=3))
    assert client.get(reverse("accounts:personal_data_link", args=[token])).status_code == 404
    erase = reverse("accounts:personal_data_link_erase", args=[token, contact.pk])
    assert client.post(erase).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_logged_in_person_sees_their_entries_and_only_erases_their_own(client, world, contact):
    user = world.users["membre"]
    mine = Contact.objects.create(
        organisation=world.organisations["asso_arm"],
        name="Moi",
        email=user.email.upper(),
        consent_at=timezone.now(),
    )
    client.force_login(user)
    page = text(client.get(PAGE))
    assert "Moi" in page and user.email in page
    assert "Dominique Martin" not in page  # someone else's entry
    other = reverse("accounts:personal_data_erase", args=[contact.pk])
    assert client.post(other).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(reverse("accounts:personal_data_erase", args=[mine.pk])).status_code == 302
    assert not Contact.all_objects.filter(pk=mine.pk).exists()


def test_a_logged_in_person_downloads_their_data_as_json(client, login, contact):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cdvs.calls.models import SavedSearch

    user = login("membre")
    SavedSearch.objects.create(user=user, name="Appels jeunesse", query="theme=jeunesse")
    TOTPDevice.objects.create(user=user, name="Application", confirmed=True)
    assert reverse("accounts:personal_data_json") in text(client.get(PAGE))
    response = client.get(reverse("accounts:personal_data_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees.json"'
    data = response.json()
    assert data["adresse"] == user.email
    account = data["compte"]
    assert account["adresse_electronique"] == user.email
    assert account["double_authentification"] is True
    assert [s["nom"] for s in account["recherches_enregistrees"]] == ["Appels jeunesse"]
    assert {m["organisation"] for m in account["appartenances"]}
    assert data["fiches_contact"] == []  # the contact is someone else's address


def test_a_contact_downloads_their_data_by_the_signed_link(client, contact):
    from cdvs.accounts.personal_data import _token

    token = _token("dominique@example.org")
    assert reverse("accounts:personal_data_link_json", args=[token]) in text(
        client.get(reverse("accounts:personal_data_link", args=[token]))
    )
    data = client.get(reverse("accounts:personal_data_link_json", args=[token])).json()
    assert data["compte"] is None
    (entry,) = data["fiches_contact"]
    assert entry["nom"] == "Dominique Martin" and entry["fonction"] == "Coordinatrice"
    assert client.get(reverse("accounts:personal_data_link_json", args=["x"])).status_code == 404


def test_the_json_download_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("accounts:personal_data_json"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
