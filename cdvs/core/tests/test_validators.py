"""The bounds stated once in `cdvs.core.validators`: plausible dates everywhere a date is
typed (forms, model validation, hence imports), bounded amounts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from cdvs.core import validators
from cdvs.core.validators import (
    DATE_RANGE_MESSAGE,
    is_plausible_date,
    parse_bounded_decimal,
    validate_plausible_date,
)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (date(1990, 1, 1), True),
        (date(2100, 12, 31), True),
        (date(1989, 12, 31), False),
        (date(2101, 1, 1), False),
        (date(9999, 12, 31), False),
        (date(1, 1, 1), False),
        (datetime(9999, 12, 31, 23, 59), False),
        (datetime(2025, 1, 1, 12, 0), True),
        (None, True),
    ],
)
def test_plausible_range(value, ok):
    assert is_plausible_date(value) is ok
    if ok:
        validate_plausible_date(value)
    else:
        with pytest.raises(ValidationError, match="comprise entre le 01/01/1990"):
            validate_plausible_date(value)


class _AnyForm(forms.Form):
    day = forms.DateField()
    moment = forms.DateTimeField()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_every_form_date_field_refuses_an_implausible_date(day):
    form = _AnyForm({"day": day, "moment": f"{day} 10:00"})
    assert not form.is_valid()
    assert form.errors["day"] == [DATE_RANGE_MESSAGE]
    assert form.errors["moment"] == [DATE_RANGE_MESSAGE]
    assert _AnyForm({"day": "2025-03-01", "moment": "2025-03-01 10:00"}).is_valid()


def test_every_editable_model_date_field_carries_the_bound():
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("cdvs."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.DateField):
                assert (validate_plausible_date in field.validators) is field.editable, (
                    model,
                    field.name,
                )
                checked += field.editable
    assert checked > 10


def test_install_is_idempotent_and_adds_no_migration_state():
    from cdvs.calls.models import CallForProjects

    validators.install()
    field = CallForProjects._meta.get_field("closes_on")
    assert field.validators.count(validate_plausible_date) == 1
    assert forms.DateField.default_validators.count(validate_plausible_date) == 1
    assert "validators" not in field.deconstruct()[3]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 500,50", Decimal("1500.50")), ("1500.5", Decimal("1500.5")), ("0", Decimal("0"))],
)
def test_bounded_decimal_reads_french_amounts(text, value):
    assert parse_bounded_decimal(text) == value


@pytest.mark.parametrize(
    "text", ["1" * 40, "1e40", "9" * 16, "NaN", "Infinity", "beaucoup", "1,2,3", "-" * 3]
)
def test_bounded_decimal_refuses_in_french(text):
    with pytest.raises(ValidationError) as caught:
        parse_bounded_decimal(text)
    assert caught.value.messages[0].startswith("Montant")


def test_decimal_limits_are_written_with_a_decimal_comma():
    from decimal import Decimal

    from django import forms
    from django.core.validators import MaxValueValidator, MinValueValidator

    class F(forms.Form):
        ratio = forms.FloatField(max_value=51.5)
        amount = forms.DecimalField(min_value=Decimal("0.50"))
        year = forms.IntegerField(max_value=2030)

    form = F({"ratio": "60", "amount": "0.1", "year": "2040"})
    assert not form.is_valid()
    assert form.errors["ratio"] == ["Assurez-vous que cette valeur est inférieure ou égale à 51,5."]
    assert form.errors["amount"] == ["Assurez-vous que cette valeur est supérieure ou égale à 0,5."]
    assert form.errors["year"] == ["Assurez-vous que cette valeur est inférieure ou égale à 2030."]
    with pytest.raises(ValidationError) as error:
        MinValueValidator(41.0)(40)
    assert "41" in error.value.messages[0] and "41.0" not in error.value.messages[0]
    with pytest.raises(ValidationError):
        MaxValueValidator(1)(2)
