"""Dashboards per enjeu and per territory: targets with their status, the diagnostic's
gaps, bilans received and late, an SVG chart with its table; constant query counts."""

import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.actions.models import Action
from cdvs.contract.models import Ambition, Enjeu, Objective
from cdvs.evaluation.models import Bilan, Indicator, Measurement, Target
from cdvs.testing import plain

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(action):
    enjeu = Enjeu.objects.create(contract=action.contract, number=1, title="Éducation")
    ambition = Ambition.objects.create(enjeu=enjeu, scale="local", text="Ambition")
    return Objective.objects.create(ambition=ambition, enjeu=enjeu, text="Objectif")


def _grow(seeded, action, objective, n, start):
    """n more indicators measured in Armentières, each with a target, and n bilans."""
    arm = seeded.territories["armentieres"]
    for i in range(start, start + n):
        indicator = Indicator.objects.create(code=f"g{i}", name=f"G {i}", unit="%", kind="taux",
                                             enjeu=objective.enjeu)  # fmt: skip
        Measurement.objects.create(indicator=indicator, territory=arm, year=2020, period="2020",
                                   value=Decimal("40"))  # fmt: skip
        Target.objects.create(indicator=indicator, objective=objective, territory=arm,
                              shape="min", low=Decimal("50"), seed_text=f"au moins 50 % ({i})")  # fmt: skip
        other = Action.objects.create(contract=action.contract, title=f"A{i}",
                                      porteur=action.porteur, commune=arm)  # fmt: skip
        other.objectives.add(objective)
        Bilan.objects.create(action=other, year=2020 + i % 3)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), html.unescape(plain(response.content.decode()))


def test_dashboards_show_status_gaps_bilans_in_constant_queries(client, seeded, action, objective):
    arm = seeded.territories["armentieres"]
    _grow(seeded, action, objective, 2, 0)
    enjeu = objective.enjeu
    urls = [reverse("evaluation:enjeu_dashboard", args=[enjeu.pk]),
            reverse("evaluation:territory_dashboard", args=[arm.pk])]  # fmt: skip
    before = [_count(client, url) for url in urls]
    page = before[1][1]
    assert "Hors trajectoire" in page and "<svg" in page and "Cibles par état" in page
    assert "+ 11,3 pts" in page  # the diagnostic's gap for Armentières
    assert "Bilans reçus et en retard par année" in page
    _grow(seeded, action, objective, 6, 2)
    after = [_count(client, url) for url in urls]
    assert [n for n, _ in after] == [n for n, _ in before]
    assert "au moins 50 % (7)" in after[0][1]


def test_unknown_dashboard_is_404(client, seeded):
    assert client.get("/evaluation/tableaux/enjeu/999999/").status_code == 404
    assert client.get(f"/evaluation/tableaux/territoire/{2**63}/").status_code == 404
