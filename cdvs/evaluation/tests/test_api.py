"""The evaluation's API: indicators, measurements (a hidden cell is null, never 0, even
when the page holds only part of its group), targets with their status; bad
parameters get a French 4xx."""

from decimal import Decimal

import pytest

from cdvs.evaluation.models import Indicator, Measurement

pytestmark = pytest.mark.django_db


@pytest.fixture
def cells(seeded):
    arm = seeded.territories["armentieres"]
    indicator = Indicator.objects.create(code="emploi", name="Emploi", unit="personnes",
                                         kind="effectif", summable=True)  # fmt: skip
    made = {}
    for sex, value, secret in (("", "30", False), ("f", None, True), ("h", "27", False)):
        made[sex] = Measurement.objects.create(
            indicator=indicator, territory=arm, period="2020", year=2020, sex=sex,
            value=Decimal(value) if value else None, secret=secret,
        )  # fmt: skip
    return indicator, made


def test_hidden_cells_are_null_never_zero(client, cells):
    indicator, made = cells
    body = client.get(f"/api/evaluation/mesures?indicateur={indicator.pk}").json()
    by_sex = {m["sex"]: m for m in body}
    assert by_sex["f"]["value"] is None and by_sex["f"]["hidden"] == "secret statistique"
    # the men's figure would reveal the women's from the total: hidden too
    assert by_sex["h"]["value"] is None and "secret secondaire" in by_sex["h"]["hidden"]
    assert by_sex[""]["value"] == "30.0000"
    # the page holds only the men's cell: still hidden
    one = client.get(f"/api/evaluation/mesures?indicateur={indicator.pk}&limit=1&offset=1")
    assert [m["value"] for m in one.json()] == [None]


def test_indicators_and_targets(client, seeded):
    indicators = client.get("/api/evaluation/indicateurs").json()
    assert any(i["code"] == "moins-25-ans" for i in indicators)
    pk = indicators[0]["id"]
    assert client.get(f"/api/evaluation/indicateurs/{pk}").json()["id"] == pk
    targets = client.get("/api/evaluation/cibles").json()
    texts = [t["text"] for t in targets]
    assert any(t.startswith("Entre 50% et 80 % des enfants des QPV 6-12 ans") for t in texts)
    assert {t["status"] for t in targets} <= {"atteinte", "risque", "ecart", "inconnu"}


@pytest.mark.parametrize(
    "query",
    ["annee=9999", "annee=-1", f"indicateur={2**63}", "limit=0", "limit=100000", "annee=deux"],
)
def test_bad_parameters_are_a_french_422(client, seeded, query):
    response = client.get(f"/api/evaluation/mesures?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "La requête n'a pas été traitée : corrigez les erreurs signalées."
    assert all(
        not text.isascii() or " " in text for texts in body["errors"].values() for text in texts
    )


def test_unknown_indicator_is_a_french_404(client, seeded):
    response = client.get(f"/api/evaluation/indicateurs/{2**62}")
    assert response.status_code == 404
    assert "ntrouvable" in response.json()["message"]
