from django.urls import reverse

from cdvs.accounts.models import Invitation
from cdvs.testing import plain

ACCOUNT = reverse("accounts:account")


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def test_account_lists_my_organisations_and_roles(client, world):
    client.force_login(world.users["membre"])
    page = text(client.get(ACCOUNT))
    assert "membre@example.org" in page
    assert "Centre social du Bizet" in page and "Membre d'un partenaire" in page
    assert "Invitations en attente" not in page
    assert reverse("accounts:password_change") in page


def test_coordinator_sees_pending_invitations_of_their_scope(client, world):
    Invitation.objects.create(
        email="ici@example.org", organisation=world.organisations["asso_arm"], role="membre"
    )
    Invitation.objects.create(
        email="ailleurs@example.org", organisation=world.organisations["asso_lille"], role="membre"
    )
    client.force_login(world.users["coordinateur"])
    page = text(client.get(ACCOUNT))
    assert "Invitations en attente" in page
    assert "ici@example.org" in page and "ailleurs@example.org" not in page
    assert reverse("accounts:invitations") in page


def test_edit_my_name(client, world):
    user = world.users["porteur"]
    client.force_login(user)
    response = client.post(ACCOUNT, {"nom-first_name": "Inès", "nom-last_name": "Durand"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.get_full_name() == "Inès Durand"
    assert "Votre nom a été enregistré." in text(client.get(ACCOUNT))

    response = client.post(ACCOUNT, {"nom-first_name": "", "nom-last_name": "X"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)
    user.refresh_from_db()
    assert user.get_full_name() == "Inès Durand"


def test_person_without_organisation(client, world):
    client.force_login(world.users["sans_role"])
    page = text(client.get(ACCOUNT))
    assert "Vous ne faites encore partie d'aucune organisation" in page
