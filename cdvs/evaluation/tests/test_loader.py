"""The seed's figures are loaded exactly, and the écarts the tool computes from them
equal the écarts the seed publishes."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from cdvs.evaluation.gaps import row_gaps
from cdvs.evaluation.loader import DEFAULT_FILE
from cdvs.evaluation.models import (
    DiagnosticRow,
    EvaluativeQuestion,
    Indicator,
    Measurement,
    Target,
)

SEED = Path("/work/shared/seeds/000_f328024f94c5d850.txt")
DATA = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def _norm(text):
    return re.sub(r"\s+", " ", text).strip()


pytestmark = pytest.mark.django_db


def test_loads_every_figure_exactly(seeded):
    rows = {r.key: r for r in DiagnosticRow.objects.select_related("reference")}
    assert len(rows) == len(DATA["rows"]) == 16
    for item in DATA["rows"]:
        row = rows[item["key"]]
        assert row.reference.value == Decimal(item["reference"]["value"])
        values = sorted(m.value for m in row.compared.all())
        assert values == sorted(Decimal(c["value"]) for c in item["compared"])
    bizet = Measurement.objects.get(indicator__code="moins-25-ans", territory__code="QN05968M")
    assert bizet.value == Decimal("46.4")
    assert bizet.source == "Insee, Recensement de la Population 2019"
    assert bizet.geography == "QPV 2015"
    de = Measurement.objects.get(indicator__code="de-toutes-categories", territory__code="59017")
    assert de.value == 2969 and de.vintage == "31/12/2022"
    assert Measurement.objects.count() == 49
    assert Indicator.objects.count() == 22


def test_published_gaps_are_recomputed(seeded):
    checked = 0
    for item in DATA["rows"]:
        row = DiagnosticRow.objects.get(key=item["key"])
        compared = list(row.compared.order_by("pk"))
        result = row_gaps(row, compared)
        assert not result.error, result.error
        if "published" in item:
            assert result.widest.rounded(2) == Decimal(item["published"]), item["key"]
            checked += 1
        if "published_each" in item:
            got = sorted(g.rounded(2) for g in result.gaps)
            assert got == sorted(Decimal(v) for v in item["published_each"]), item["key"]
            checked += 1
        if "published_each_rounded" in item:
            got = [g.rounded(0) for g in result.gaps]
            assert got == [Decimal(v) for v in item["published_each_rounded"]]
            checked += 1
        if "published_ratio" in item:
            widest = result.widest
            assert (1 / widest.value).quantize(Decimal(1)) == Decimal(item["published_ratio"])
            assert all((1 / g.value).quantize(Decimal(1)) == 2 for g in result.gaps)
            checked += 1
    assert checked == 11


def test_the_seed_wording_is_verbatim_when_the_seed_is_at_hand(seeded):
    if not SEED.exists():
        pytest.skip("texte du contrat absent")
    seed = _norm(SEED.read_text(encoding="utf-8"))
    for row in DiagnosticRow.objects.all():
        for text in (row.seed_wording, row.compared_text if row.table != "panorama" else ""):
            assert _norm(text) in seed, text
    for target in Target.objects.all():
        assert _norm(target.seed_text) in seed, target.seed_text
    for question in EvaluativeQuestion.objects.all():
        assert _norm(question.text) in seed


def test_targets_and_questions(seeded):
    assert Target.objects.count() == 6
    span = Target.objects.get(key="arm-e1-activites-6-12")
    assert (span.shape, span.low, span.high) == ("intervalle", 50, 80)
    assert span.bound_text() == "entre 50 % et 80 %"
    assert Target.objects.get(key="arm-e3-arls").due_year == 2030
    assert Target.objects.get(key="arm-e6-delai-acces-droits").bound_text() == "au plus 15 jours"
    assert list(EvaluativeQuestion.objects.values_list("text", flat=True)) == [
        "Les actions engagées atteignent-elles les objectifs fixés ?",
        "Quels sont les changements observés au sein de la population cible et sur le cadre de vie ?",
        "Les effets des projets sont-ils pérennes et contribuent-ils au développement à long terme des quartiers ?",
    ]


def test_loading_twice_changes_nothing(seeded):
    before = Measurement.history.count()
    call_command("load_evaluation")
    assert Measurement.history.count() == before


def test_without_territories_nothing_is_loaded(db):
    with pytest.raises(CommandError) as exc:
        call_command("load_evaluation")
    assert "Territoire introuvable" in str(exc.value)
    assert not Indicator.objects.exists()
