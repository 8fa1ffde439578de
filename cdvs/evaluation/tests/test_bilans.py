"""The porteur writes its action's bilan: counts that add up, answers to the
evaluative questions, the financial report with its gaps explained, due within six
months of the year's end; coordinators count received and late bilans."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cdvs.evaluation import services
from cdvs.evaluation.models import Bilan, FinanceLine
from cdvs.testing import plain

pytestmark = pytest.mark.django_db


def test_porteur_writes_the_bilan(client, login, seeded, action):
    login("porteur")
    response = client.post(reverse("evaluation:bilan_create", args=[action.pk]), {"year": 2025})
    bilan = Bilan.objects.get(action=action, year=2025)
    assert response["Location"] == bilan.get_absolute_url()
    ac = seeded.territories["ac"]
    url = bilan.get_absolute_url()
    page = plain(client.get(url).content.decode())
    assert "vivant dans le QPV Attargette - Chanzy" in page
    assert "Les actions engagées atteignent-elles les objectifs fixés ?" in page
    question = services.bilan_questions(action)[0]
    data = {"beneficiaries": 40, f"qpv_{ac.pk}": 30, "elsewhere": 20, "women": 20, "men": 20}
    page = client.post(url, data).content.decode()
    assert "Les bénéficiaires par lieu de vie dépassent le total." in page
    data |= {"elsewhere": 10, "residence_method": "declare", f"question_{question.pk}": "Oui."}
    assert client.post(url, data).status_code == 302
    bilan.refresh_from_db()
    assert bilan.residences.get().count == 30
    assert bilan.answers.get().text == "Oui."
    finance = {"step": "finance", "finance-heading": "64", "finance-planned": "1 000",
               "finance-realised": "1500"}  # fmt: skip
    page = client.post(url, finance).content.decode()
    assert "expliquez-le" in page
    finance["finance-planned"] = "1000,00"
    finance["finance-explanation"] = "Un animateur de plus."
    assert client.post(url, finance).status_code == 302
    assert FinanceLine.objects.get().gap == Decimal("500.00")
    assert client.post(url, {"step": "submit"}).status_code == 302
    bilan.refresh_from_db()
    assert bilan.submitted_on is not None


def test_another_organisation_is_refused(client, login, seeded, action):
    bilan = Bilan.objects.create(action=action, year=2025)
    login("coordinateur_lille")
    assert client.get(bilan.get_absolute_url()).status_code == 403


def test_due_date_and_counts(seeded, action):
    bilan = Bilan(action=action, year=2025)
    assert bilan.due_on == date(2026, 6, 30)
    assert not bilan.is_late(date(2026, 6, 30))
    assert bilan.is_late(date(2026, 7, 1))
    received = Bilan(action=action, year=2024, submitted_on=date(2025, 5, 1))
    late = Bilan(action=action, year=2024, submitted_on=date(2025, 9, 1))
    counts = services.bilan_counts([bilan, received, late], date(2026, 1, 1))
    assert counts == [
        {"year": 2025, "total": 1, "received": 0, "late": 0},
        {"year": 2024, "total": 2, "received": 2, "late": 1},
    ]


def test_submit_needs_the_beneficiaries(seeded, action):
    bilan = Bilan.objects.create(action=action, year=2025)
    with pytest.raises(ValidationError, match="bénéficiaires"):
        services.submit_bilan(bilan, seeded.users["administrateur"])
