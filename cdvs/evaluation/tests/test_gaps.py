"""Écarts refused across vintages and geography versions; secrecy never shows 0 and a
total never reveals a hidden cell; bad figures refused in French."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cdvs.evaluation.gaps import (
    HIDDEN_TEXT,
    SECONDARY_HIDDEN_TEXT,
    GapError,
    displayed,
    gap,
    target_status,
)
from cdvs.evaluation.models import Indicator, Measurement, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate(db):
    return Indicator.objects.create(code="t", name="Taux", unit="%", kind="taux")


@pytest.fixture
def count(db):
    return Indicator.objects.create(
        code="n", name="Effectif", unit="pers.", kind="effectif", summable=True
    )


def _m(indicator, territory, value, **kw):
    m = Measurement(indicator=indicator, territory=territory, value=value, **kw)
    m.full_clean()
    m.save()
    return m


def test_vintages_are_not_mixed(world, rate):
    t = world.territories
    a = _m(rate, t["mel"], Decimal("10"), period="2019", vintage="2019")
    b = _m(rate, t["armentieres"], Decimal("12"), period="2020", vintage="2020")
    with pytest.raises(GapError, match="pas du même millésime"):
        gap(a, b, "points")


def test_qpv_2015_and_2024_are_not_compared(world, rate):
    t = world.territories
    a = _m(rate, t["armentieres"], Decimal("10"), period="2019", geography="QPV 2015")
    b = _m(rate, t["armentieres"], Decimal("12"), period="2019", geography="QPV 2024")
    with pytest.raises(GapError, match="QPV 2015.*QPV 2024"):
        gap(a, b, "points")


def test_gap_kinds(world, count):
    t = world.territories
    whole = _m(count, t["armentieres"], Decimal("2969"), period="2022")
    part = _m(count, t["mel"], Decimal("237"), period="2022")
    assert gap(whole, part, "part").rounded(2) == Decimal("7.98")
    assert gap(whole, part, "points").text() == "− 2\u202f732 pts"


def test_bad_figures_are_refused_in_french(world, rate):
    t = world.territories
    with pytest.raises(ValidationError, match="entre 0 et 100"):
        Measurement(
            indicator=rate, territory=t["mel"], value=Decimal("101"), period="2020"
        ).full_clean()
    with pytest.raises(ValidationError, match="ne peut pas dépasser le dénominateur"):
        Measurement(
            indicator=rate,
            territory=t["mel"],
            value=Decimal("50"),
            numerator=5,
            denominator=4,
            period="2020",
        ).full_clean()
    with pytest.raises(ValidationError, match="secret statistique"):
        Measurement(indicator=rate, territory=t["mel"], value=None, period="2020").full_clean()


def test_secret_cell_and_secondary_suppression(world, count):
    t = world.territories
    total = _m(count, t["armentieres"], Decimal("40"), period="2022")
    women = Measurement.objects.create(
        indicator=count, territory=t["armentieres"], period="2022", sex="f", secret=True
    )
    men = _m(count, t["armentieres"], Decimal("37"), period="2022", sex="h")
    shown = displayed([total, women, men])
    assert shown[women.pk] == HIDDEN_TEXT
    assert shown[men.pk] == SECONDARY_HIDDEN_TEXT  # else 40 − 37 reveals the women
    assert shown[total.pk] is None


@pytest.mark.parametrize(
    ("shape", "low", "high", "value", "status"),
    [
        ("intervalle", 50, 80, 60, "atteinte"),
        ("intervalle", 50, 80, 47, "risque"),
        ("intervalle", 50, 80, 30, "ecart"),
        ("min", 18, None, 18, "atteinte"),
        ("max", None, 15, 16, "risque"),
        ("max", None, 15, 30, "ecart"),
        ("exact", 100, None, 95, "risque"),
    ],
)
def test_target_status(shape, low, high, value, status):
    target = Target(shape=shape, low=low, high=high)
    assert target_status(target, Measurement(value=Decimal(value))) == status
    assert target_status(target, None) == "inconnu"
