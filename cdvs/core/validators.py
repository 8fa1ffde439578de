"""Bounds on what people may type, stated once for the whole project.

Dates: every date the tool accepts lies in `DATE_MIN` … `DATE_MAX`. `install()` (called
by the core app at start-up) puts `validate_plausible_date` on every form date field
(`forms.DateField`, `forms.DateTimeField`: every form, the admin's included) and on every
editable date field of the project's models, so that `full_clean()` (model forms, the
CSV imports, the API) refuses a date out of range too. Fields written by the tool itself
(``editable=False``: creation dates, sort keys such as the calls' « au fil de l'eau »
sentinel) are left alone. Readers of stored rows use `is_plausible_date` to skip what
was stored before the bound existed.

Amounts: `parse_bounded_decimal` reads a decimal with a bounded number of digits (a
40-digit amount is refused with a French message, never a `decimal.InvalidOperation`).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator
from django.db import models

from cdvs.core.french import format_number

DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATE_RANGE_MESSAGE = (
    f"Saisissez une date comprise entre le {DATE_MIN:%d/%m/%Y} et le {DATE_MAX:%d/%m/%Y}."
)


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def is_plausible_date(value) -> bool:
    """True when `value` (a date or a datetime, None counts as no date) is in range."""
    if value is None:
        return True
    return DATE_MIN <= _as_date(value) <= DATE_MAX


def validate_plausible_date(value) -> None:
    if value is None or not isinstance(value, date):
        return  # not a date: the field's own parsing answers
    if not is_plausible_date(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def _french_number(value):
    """A decimal limit in French notation (« 51,5 »); whole numbers (years, lengths)
    are left as they are."""
    if isinstance(value, float | Decimal):
        return format_number(value, None)
    return value


def _french_limits() -> None:
    """Django's limit validators (min / max value, step…) write a decimal limit with a
    decimal comma: « inférieure ou égale à 51,5 », not « 51.5 » (idempotent)."""
    if getattr(BaseValidator, "french_limits", False):
        return
    original = BaseValidator.__call__

    def __call__(self, value):
        try:
            original(self, value)
        except ValidationError as error:
            if error.params:
                error.params = {k: _french_number(v) for k, v in error.params.items()}
            raise

    BaseValidator.__call__ = __call__
    BaseValidator.french_limits = True


def install() -> None:
    """Put the date bound on every form date field and every editable model date field
    of the project (idempotent); decimal limits in French notation."""
    _french_limits()
    for form_field in (forms.DateField, forms.DateTimeField):
        if validate_plausible_date not in form_field.default_validators:
            form_field.default_validators = [
                *form_field.default_validators,
                validate_plausible_date,
            ]
    for model in apps.get_models():
        if not model.__module__.startswith("cdvs."):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.DateField) or not field.editable:
                continue
            if validate_plausible_date in field.default_validators:
                continue
            # an instance attribute: not part of `deconstruct()`, so no migration
            field.default_validators = [*field.default_validators, validate_plausible_date]
            field.__dict__.pop("validators", None)  # drop the cached list, if computed


# ------------------------------------------------------------------ amounts

MAX_DECIMAL_DIGITS = 15


def parse_bounded_decimal(text: str, *, max_digits: int = MAX_DECIMAL_DIGITS) -> Decimal:
    """A decimal read from `text` (« 1 500,50 », « 1500.5 »), with at most `max_digits`
    digits; raises `ValidationError` in French otherwise (never `InvalidOperation`)."""
    cleaned = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    if len(cleaned) > max_digits + 2:
        raise ValidationError(
            f"Montant trop long : {max_digits} chiffres au plus.", code="decimal_too_long"
        )
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        raise ValidationError(f"Montant illisible « {text[:40]} ».", code="invalid") from None
    if not value.is_finite():
        raise ValidationError(f"Montant illisible « {text[:40]} ».", code="invalid")
    digits = len(value.as_tuple().digits)
    if digits > max_digits or value.adjusted() >= max_digits:
        raise ValidationError(
            f"Montant trop long : {max_digits} chiffres au plus.", code="decimal_too_long"
        )
    return value
