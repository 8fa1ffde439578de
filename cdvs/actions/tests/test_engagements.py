"""Engagements de droit commun: entered by the coordinators (none preloaded), linked to
enjeux, reviewed by the groupe de suivi (dated, with their history); lists, filters,
exports; bad input refused in French, nothing saved."""

import csv
import html
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cdvs.actions import engagements
from cdvs.actions.models import Achievement, Engagement, EngagementReview, Partner
from cdvs.testing import plain


def text(response) -> str:
    return html.unescape(plain(response.content.decode()))


def make(plan, world, user="coordinateur", **values):
    values = {"contract": plan.contract, "partner": Partner.CAF, "reference": "3",
              "text": "Renforcer l'accueil des familles", **values}  # fmt: skip
    return engagements.save_engagement(
        Engagement(), values, [plan.enjeu], world.users[user] if user else None
    )


def test_the_partners_are_those_the_deliberation_names_and_nothing_is_preloaded(db):
    assert Partner.labels[:-1] == [
        "État", "Région", "Département", "CAF", "Banque des Territoires",
        "Banque Publique d'Investissement (BPI)", "Lille Métropole Habitat (LMH)", "MEL",
    ]  # fmt: skip
    assert not Engagement.objects.exists()


def test_reviews_give_the_state_and_keep_the_history(plan, world):
    item = make(plan, world)
    assert item.state == Achievement.NOT_REVIEWED and list(item.enjeux.all()) == [plan.enjeu]
    user = world.users["coordinateur"]
    today = date(2026, 6, 1)
    engagements.review(item, {"on": date(2025, 11, 1), "state": "en_cours"}, user, today)
    engagements.review(item, {"on": date(2026, 5, 2), "state": "realise",
                              "comment": "Fait"}, user, today)  # fmt: skip
    # a review entered late, dated before: the state stays the latest one's
    engagements.review(item, {"on": date(2025, 3, 1), "state": "non_engage"}, user, today)
    item.refresh_from_db()
    assert (item.state, item.reviewed_on) == ("realise", date(2026, 5, 2))
    assert item.reviews.count() == 3 and item.reviews.first().by == user
    # created, its enjeux set, then one record per review
    assert item.history.count() == 5


@pytest.mark.parametrize(
    "values, message",
    [
        ({"on": date(2026, 6, 2), "state": "realise"}, "postérieure à aujourd'hui"),
        ({"on": date(2023, 12, 31), "state": "realise"}, "précéder le contrat"),
        ({"on": None, "state": "realise"}, "Indiquez la date"),
        ({"on": date(2025, 1, 1), "state": "non_examine"}, "pas un choix valide"),
        ({"on": date(2025, 1, 1), "state": "realise", "comment": "x" * 10_000}, "au plus"),
        ({"on": date(2025, 1, 1), "state": "realise", "comment": "a\ud800"}, "invalide"),
    ],
)
def test_bad_reviews_refused_nothing_saved(plan, world, values, message):
    item = make(plan, world)
    with pytest.raises(ValidationError) as info:
        engagements.review(item, values, world.users["coordinateur"], date(2026, 6, 1))
    assert message in " ".join(info.value.messages)
    item.refresh_from_db()
    assert not EngagementReview.objects.exists() and item.state == Achievement.NOT_REVIEWED


@pytest.mark.parametrize(
    "values, message",
    [
        ({"partner": "autre"}, "Nommez le partenaire"),
        ({"text": "x" * 10_000}, "au plus"),
        ({"text": "\ud800"}, "invalide"),
        ({"text": "  "}, "ne peut pas être vide"),
        ({"reference": "\ud800"}, "invalide"),
        ({"partner": "inconnu"}, "pas un choix valide"),
    ],
)
def test_bad_engagements_refused_nothing_saved(plan, world, values, message):
    with pytest.raises(ValidationError) as info:
        make(plan, world, **values)
    assert message in " ".join(info.value.messages)
    assert not Engagement.all_objects.exists()


def test_only_coordinators_of_its_commune_write(plan, world):
    for user in ("porteur", "membre", None):
        with pytest.raises(PermissionDenied):
            make(plan, world, user=user)
    arm = world.territories["armentieres"]
    with pytest.raises(PermissionDenied):
        make(plan, world, user="coordinateur_lille", commune=arm)
    item = make(plan, world, commune=arm)
    with pytest.raises(PermissionDenied):
        engagements.review(item, {"on": date(2025, 1, 1), "state": "realise"},
                           world.users["coordinateur_lille"])  # fmt: skip


def test_list_filters_detail_and_exports(client, plan, world):
    item = make(plan, world)
    make(plan, world, partner=Partner.LMH, reference="1", text="Réhabiliter les halls")
    engagements.review(item, {"on": date(2025, 5, 1), "state": "en_cours", "comment": "Bien"},
                       world.users["coordinateur"])  # fmt: skip
    client.force_login(world.users["membre"])
    url = reverse("actions:engagements")
    page = text(client.get(url))
    assert "2 engagements." in page and "Réhabiliter les halls" in page
    page = text(client.get(url, {"partenaire": "caf", "etat": "en_cours"}))
    assert "1 engagement avec ces filtres." in page and "Réhabiliter" not in page
    assert "1 engagement" in text(client.get(url, {"enjeu": plan.enjeu.pk, "partenaire": "caf"}))
    for bad in ("2" * 30, "-1", "\ud800"):
        assert client.get(url, {"enjeu": bad.encode("utf-8", "surrogatepass")}).status_code == 200
    detail = text(client.get(item.get_absolute_url()))
    assert "En cours de réalisation" in detail and "Bien" in detail
    assert "Enregistrer un examen" not in detail
    response = client.get(reverse("actions:engagements_export", args=["csv"]), {"etat": "en_cours"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Partenaire" and rows[1][:2] == ["CAF", "3"]
    assert rows[1][3:8] == ["Enjeu 1", "Tout le contrat", "En cours de réalisation",
                            "2025-05-01", "Bien"]  # fmt: skip
    assert len(rows) == 2
    for fmt in ("ods", "xlsx"):
        assert client.get(reverse("actions:engagements_export", args=[fmt])).status_code == 200


def test_coordinator_pages_enter_review_trash_and_restore(client, plan, world):
    client.force_login(world.users["coordinateur"])
    response = client.post(reverse("actions_coordination:engagement_create"), {
        "contract": plan.contract.pk, "partner": "etat", "text": "Mobiliser France Travail",
        "enjeux": [plan.enjeu.pk],
    })  # fmt: skip
    item = Engagement.objects.get()
    assert response.status_code == 302 and item.partner_label == "État"
    review = reverse("actions_coordination:engagement_review", args=[item.pk])
    response = client.post(review, {"on": "2999-01-01", "state": "realise"})
    assert "une date comprise entre" in text(response)
    assert not EngagementReview.objects.exists()
    client.post(review, {"on": "2025-03-03", "state": "realise", "comment": "Tenu"})
    assert EngagementReview.objects.get().state == "realise"
    client.post(reverse("actions_coordination:engagement_delete", args=[item.pk]))
    assert not Engagement.objects.exists()
    page = text(client.get(reverse("actions:engagements")))
    assert "Corbeille" in page
    client.post(reverse("actions_coordination:engagement_restore", args=[item.pk]))
    assert Engagement.objects.filter(pk=item.pk).exists()
    history = client.get(reverse("actions_coordination:engagement_history", args=[item.pk]))
    assert history.status_code == 200


def test_the_list_and_its_export_take_constant_queries(client, plan, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["coordinateur"])

    def counts():
        with CaptureQueriesContext(connection) as page:
            client.get(reverse("actions:engagements"))
        with CaptureQueriesContext(connection) as export:
            client.get(reverse("actions:engagements_export", args=["csv"]))
        return len(page), len(export)

    make(plan, world)
    one = counts()
    for i in range(5):
        item = make(plan, world, reference=str(i))
        engagements.review(item, {"on": date(2025, 1, 2), "state": "en_cours"},
                           world.users["coordinateur"])  # fmt: skip
    assert counts() == one
