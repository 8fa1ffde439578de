"""Contacts (edit with renewed consent, soft delete, restore by coordinators) and
services (add, edit, delete) of a fiche, each change in the history."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import Contact, Service


@pytest.fixture
def asso(world):
    return world.organisations["asso_arm"]


@pytest.fixture
def contact(asso):
    old = timezone.now() - timezone.timedelta(days=400)
    return Contact.objects.create(organisation=asso, name="Dominique Martin", role="Accueil",
                                  email="d.martin@example.org", consent_at=old)  # fmt: skip


def test_contact_edit_renews_consent_and_keeps_history(client, world, asso, contact):
    url = reverse("directory:contact_edit", args=[contact.pk])
    client.force_login(world.users["porteur"])
    page = client.get(url).content.decode()
    assert "Dominique Martin" in page and "Consentement recueilli le" in page
    bad = client.post(url, {"name": "Dominique Martin", "email": "pas-une-adresse"})
    body = html.unescape(bad.content.decode())
    assert "Saisissez une adresse électronique valide." in body
    assert "Le consentement de la personne est obligatoire." in body
    response = client.post(url, {"name": "Dominique Martin", "role": "Direction",
                                 "email": "d.martin@example.org", "phone": "03 20 00 00 00",
                                 "consent": "on"})  # fmt: skip
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.role == "Direction" and contact.phone
    assert (timezone.now() - contact.consent_at).total_seconds() < 60
    last = contact.history.first()
    assert last.history_user == world.users["porteur"]
    assert last.history_change_reason == "Modification d'un contact"


def test_contact_delete_goes_to_the_trash_and_coordinators_restore_it(client, world, asso, contact):
    client.force_login(world.users["porteur"])
    url = reverse("directory:contact_delete", args=[contact.pk])
    assert "Supprimer le contact" in html.unescape(client.get(url).content.decode())
    assert client.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert "Dominique Martin" not in client.get(asso.get_absolute_url()).content.decode()
    trash = reverse("directory_coordination:trash")
    assert client.get(trash).status_code == 403
    client.force_login(world.users["coordinateur_lille"])
    assert "Dominique Martin" not in client.get(trash).content.decode()  # not their territory
    restore = reverse("directory_coordination:restore", args=["contact", contact.pk])
    assert client.post(restore).status_code == 403
    client.force_login(world.users["coordinateur"])
    assert "Dominique Martin" in client.get(trash).content.decode()
    assert client.post(restore).status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()
    reasons = list(contact.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons[1] == "Suppression d'un contact" and reasons[0].startswith("Restauration")


def test_services_add_edit_delete(client, world, asso):
    from data_inclusion.schema.v1 import Thematique

    client.force_login(world.users["porteur"])
    add = reverse("directory:service_add", args=[asso.pk])
    assert "Indiquez le nom du service." in html.unescape(
        client.post(add, {"name": ""}).content.decode()
    )
    thematique = next(iter(Thematique)).value
    response = client.post(add, {"name": "Aide aux devoirs", "description": "Le soir.",
                                 "thematiques": [thematique], "publics": ["jeunes"]})  # fmt: skip
    assert response.status_code == 302
    service = Service.objects.get(name="Aide aux devoirs")
    assert service.thematiques == [thematique] and service.publics == ["jeunes"]
    assert "Aide aux devoirs" in client.get(asso.get_absolute_url()).content.decode()
    bad = client.post(reverse("directory:service_edit", args=[service.pk]),
                      {"name": "Aide", "thematiques": ["inconnue"]})  # fmt: skip
    assert bad.status_code == 200
    assert Service.objects.get(pk=service.pk).name == "Aide aux devoirs"
    client.post(reverse("directory:service_edit", args=[service.pk]), {"name": "Aide aux leçons"})
    assert Service.objects.get(pk=service.pk).name == "Aide aux leçons"
    client.post(reverse("directory:service_delete", args=[service.pk]))
    assert not Service.objects.filter(pk=service.pk).exists()
    assert Service.all_objects.get(pk=service.pk).is_deleted
    client.force_login(world.users["coordinateur_lille"])
    assert client.get(reverse("directory:service_edit", args=[service.pk])).status_code == 404
