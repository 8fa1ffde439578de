"""Invitations reach the consenting contacts of the directory fiches (no account), and
each recipient can leave an instance through the signed link of every email."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import Contact
from cdvs.meetings import services
from cdvs.meetings.models import Attendance, Unsubscription

LINK = re.compile(r"https?://\S+/agenda/desinscription/[^/\s]+/")


def contact(org, email, consent):
    return Contact.objects.create(
        organisation=org,
        name=email.split("@")[0],
        email=email,
        consent_at=timezone.now(),
        invited_to_instances=consent,
    )


@pytest.fixture
def contacts(agenda):
    org = agenda.world.organisations["asso_arm"]
    contact(org, "accueil@asso.example.org", True)
    contact(org, "tresoriere@asso.example.org", False)  # never assume consent
    Contact.objects.create(
        organisation=org, name="Sans adresse", consent_at=timezone.now(), invited_to_instances=False
    )
    return org


@pytest.mark.django_db
def test_consenting_contacts_are_planned_recipients(client, agenda, contacts, login, frozen):
    point = agenda.meeting(agenda.point, "2025-03")
    before = set(services.recipients_for(point))
    assert "accueil@asso.example.org" in before
    assert "tresoriere@asso.example.org" not in before
    login("coordinateur")
    page = client.get(reverse("meetings_coordination:invitations", args=[point.pk]))
    text = page.content.decode()
    assert f"Destinataires prévus ({len(before)})" in text
    assert "accueil@asso.example.org" in text and "tresoriere" not in text


@pytest.mark.django_db
def test_every_email_carries_its_own_link_and_unsubscribing_is_honoured(
    client, agenda, contacts, login, frozen, immediate_tasks
):
    point = agenda.meeting(agenda.point, "2025-03")
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:invitations", args=[point.pk]), {"extra_emails": ""}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    message = next(m for m in mail.outbox if m.to == ["accueil@asso.example.org"])
    assert message.attachments[0][0] == "reunion.ics"  # the ICS is kept
    link = LINK.search(message.body).group(0)
    assert link in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    others = {LINK.search(m.body).group(0) for m in mail.outbox}
    assert len(others) == len(mail.outbox)  # one link per address
    attendance = Attendance.objects.get(meeting=point, email="accueil@asso.example.org")
    assert attendance.organisation == contacts and attendance.user is None

    client.logout()
    path = link[link.index("/agenda/") :]
    page = client.get(path)
    assert "Confirmer la désinscription" in page.content.decode()
    assert not Unsubscription.objects.exists()  # a GET (a mail scanner) changes nothing
    page = client.post(path, follow=True)
    assert "ne recevra plus les invitations" in page.content.decode()
    assert Unsubscription.objects.get().email == "accueil@asso.example.org"
    client.post(path)  # twice: still one
    assert Unsubscription.objects.count() == 1

    # honoured by the next mailings of the instance: update, reminders, next meeting
    assert "accueil@asso.example.org" not in services.recipients_for(point)
    mail.outbox.clear()
    login("coordinateur")
    client.post(reverse("meetings_coordination:invitations", args=[point.pk]), {"extra_emails": ""})
    assert mail.outbox and all(m.to != ["accueil@asso.example.org"] for m in mail.outbox)
    may = agenda.meeting(agenda.point, "2025-05")
    assert "accueil@asso.example.org" not in services.recipients_for(may)
    page = client.get(reverse("meetings_coordination:invitations", args=[may.pk]))
    assert "1 adresse désinscrite de cette instance" in page.content.decode()


@pytest.mark.django_db
def test_a_forged_or_altered_link_is_refused(client, agenda, contacts):
    token = services.unsubscribe_token(agenda.point.pk, "accueil@asso.example.org")
    forged = services.unsubscribe_token(agenda.point.pk, "accueil@asso.example.org")[:-3] + "abc"
    for bad in (forged, "n-importe-quoi", token.replace(token[2], "x" if token[2] != "x" else "y")):
        response = client.post(reverse("meetings:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "lien de désinscription n&#x27;est pas valide" in response.content.decode()
    assert not Unsubscription.objects.exists()
    # a link signed for another instance leaves this one untouched
    client.post(
        reverse("meetings:unsubscribe", args=[services.unsubscribe_token(agenda.gpo.pk, "x@y.fr")])
    )
    assert list(Unsubscription.objects.values_list("series", "email")) == [
        (agenda.gpo.pk, "x@y.fr")
    ]
