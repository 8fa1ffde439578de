"""Collective evaluation: a thematic working group per enjeu, its members (residents'
names for coordinators only), its sessions in the meetings app, findings and
recommendations followed like next steps, adjustments recorded on the actions."""

import html
from datetime import date

import pytest
from django.urls import reverse

from cdvs.contract.models import Enjeu
from cdvs.evaluation.models import (
    Adjustment,
    Finding,
    Recommendation,
    WorkingGroup,
    WorkingGroupMember,
)
from cdvs.meetings.models import Meeting, MeetingSeries
from cdvs.testing import plain

pytestmark = pytest.mark.django_db


def _page(response):
    return html.unescape(plain(response.content.decode()))


@pytest.fixture
def group(seeded, action):
    arm = seeded.territories["armentieres"]
    enjeu = Enjeu.objects.create(contract=action.contract, number=1, title="Éducation")
    series = MeetingSeries.objects.create(
        name="Groupe éducation", commune=arm, visibility="public", period="annee",
        period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
    )  # fmt: skip
    day = date(2026, 3, 2)
    Meeting.objects.create(series=series, title="Séance 1", day=day, window_start=day,
                           window_end=day, sort_date=day, visibility="public")  # fmt: skip
    return WorkingGroup.objects.create(enjeu=enjeu, commune=arm, name="Réussite", series=series)


def test_coordinator_builds_the_group(client, login, seeded, group, action):
    login("coordinateur")
    url = reverse("evaluation_coordination:group_manage", args=[group.pk])
    asso = seeded.organisations["asso_arm"]
    assert client.post(url, {"step": "member", "member-kind": "organisation",
                             "member-organisation": asso.pk}).status_code == 302  # fmt: skip
    client.post(url, {"step": "member", "member-kind": "habitant", "member-name": "Awa Diallo"})
    client.post(url, {"step": "member", "member-kind": "service",
                      "member-name": "Service démocratie participative"})  # fmt: skip
    assert WorkingGroupMember.objects.filter(group=group).count() == 3
    client.post(url, {"step": "finding", "finding-kind": "frein", "finding-text": "Horaires",
                      "finding-recorded_on": "02/03/2026"})  # fmt: skip
    finding = Finding.objects.get()
    client.post(url, {"step": "recommendation", "recommendation-text": "Ouvrir le samedi",
                      "recommendation-finding": finding.pk, "recommendation-action": action.pk,
                      "recommendation-owner_organisation": asso.pk,
                      "recommendation-due_date": "30/06/2026"})  # fmt: skip
    rec = Recommendation.objects.get()
    assert rec.status == "a_faire"
    page = _page(client.get(group.get_absolute_url()))
    assert "Awa Diallo" in page and "Séance 1" in page and "Ouvrir le samedi" in page
    login("anonyme")
    page = _page(client.get(group.get_absolute_url()))
    assert "Awa Diallo" not in page and "1 habitant (noms non publiés)" in page
    assert "Centre social du Bizet" in page


def test_recommendation_followed_like_a_next_step(
    client, login, seeded, group, action, time_machine
):
    rec = Recommendation.objects.create(group=group, text="Ouvrir le samedi", action=action,
                                        due_date=date(2026, 6, 30))  # fmt: skip
    login("coordinateur")
    url = reverse("evaluation_coordination:recommendation", args=[rec.pk])
    time_machine.move_to("2026-04-01 10:00:00+02:00", tick=False)
    client.post(url, {"step": "status", "status-status": "en_cours", "status-note": "Lancé"})
    time_machine.move_to("2026-07-10 10:00:00+02:00", tick=False)
    client.post(url, {"step": "status", "status-status": "fait"})
    rec.refresh_from_db()
    assert rec.status == "fait"
    assert [(c.on, c.to_status) for c in rec.changes.all()] == [
        (date(2026, 4, 1), "en_cours"), (date(2026, 7, 10), "fait")]  # fmt: skip
    response = client.post(url, {"step": "status", "status-status": "fait"})
    assert "La recommandation a déjà ce statut." in _page(response)
    client.post(url, {"step": "adjustment", "adjustment-action": action.pk,
                      "adjustment-on": "10/07/2026", "adjustment-text": "Créneau du samedi"})  # fmt: skip
    adjustment = Adjustment.objects.get()
    assert adjustment.action == action and adjustment.recommendation == rec
    assert "Créneau du samedi" in _page(client.get(group.get_absolute_url()))


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"member-kind": "habitant", "member-name": ""},
            "Indiquez le nom du service ou de l'habitant.",
        ),
        ({"member-kind": "organisation"}, "Choisissez l'organisation de l'annuaire."),
        (
            {"member-kind": "organisation", "member-organisation": 2**63},
            "Sélectionnez un choix valide",
        ),
        ({"member-kind": "habitant", "member-name": "x" * 10_000}, "au plus 255"),
    ],
)
def test_bad_member_saves_nothing(client, login, group, data, message):
    login("coordinateur")
    url = reverse("evaluation_coordination:group_manage", args=[group.pk])
    response = client.post(url, {"step": "member", **data})
    assert response.status_code == 200
    assert message in _page(response)
    assert not WorkingGroupMember.objects.exists()


def test_a_lone_surrogate_never_breaks_the_page(client, login, group):
    login("coordinateur")
    url = reverse("evaluation_coordination:group_manage", args=[group.pk])
    body = "step=member&member-kind=habitant&member-name=%ED%A0%80"
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)


def test_bad_dates_and_status_save_nothing(client, login, group):
    login("coordinateur")
    url = reverse("evaluation_coordination:group_manage", args=[group.pk])
    response = client.post(url, {"step": "finding", "finding-kind": "frein",
                                 "finding-text": "x", "finding-recorded_on": "01/01/9999"})  # fmt: skip
    assert response.status_code == 200 and not Finding.objects.exists()
    rec = Recommendation.objects.create(group=group, text="R")
    url = reverse("evaluation_coordination:recommendation", args=[rec.pk])
    response = client.post(url, {"step": "status", "status-status": "inconnu"})
    assert "Sélectionnez un choix valide" in _page(response)
    assert not rec.changes.exists()


def test_lille_coordinator_cannot_manage_armentieres_group(client, login, group):
    login("coordinateur_lille")
    url = reverse("evaluation_coordination:group_manage", args=[group.pk])
    assert client.get(url).status_code == 403
