"""The one bounded way to read an id or a number from a request: the databases store
64-bit integers (every key is a BigAutoField), so a larger number sent in a query string,
a form or an API parameter is refused where it is read, never passed on to a query.

- forms and list filters: `BoundedIntegerField`, `IdField` (an id: digits, 0 or more);
- the JSON API's query parameters: `ApiInt` (`offset: ApiInt = 0`), a French 422;
- ids in page URLs: the `id` path converter (`path("<id:pk>/", …)`), 1 up to the
  largest key; any other number matches no URL (404) and never reaches a view;
- model choice fields (a form's `territories`, `enjeux`…, the admin's too) query
  `pk__in=[…]`: `BoundedIn` makes an out-of-range integer there match nothing, as Django
  does for `exact`, `lt` or `gt`, so the field answers its own « choix valide » error.
"""

import copy
from typing import Annotated

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import IntegerField
from django.db.models.lookups import In
from django.urls import register_converter
from django.urls.converters import get_converters
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)


class BoundedIntegerField(forms.IntegerField):
    """An integer the databases can store (Django's messages when out of range)."""

    def __init__(self, *, min_value=MIN_INT, max_value=MAX_INT, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class IdField(BoundedIntegerField):
    """The id of a row chosen in a list (`?territoire=12`): 0 up to the largest key. In a
    select (`as_choice`), a wrong value reads as the select's « choix valide » error."""

    default_error_messages = forms.ChoiceField.default_error_messages

    def __init__(self, *, as_choice=False, **kwargs):
        super().__init__(min_value=0, max_value=MAX_INT, **kwargs)
        self.as_choice = as_choice

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            if not self.as_choice:
                raise
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


def _within_bounds(value: int) -> int:
    if not MIN_INT <= value <= MAX_INT:
        raise PydanticCustomError(
            "nombre_hors_limites",
            "Nombre hors limites : un entier entre {minimum} et {maximum} est attendu.",
            {"minimum": MIN_INT, "maximum": MAX_INT},
        )
    return value


# `offset: ApiInt = 0`, `instance: ApiInt | None = None`: declared once for the whole API
ApiInt = Annotated[
    int,
    AfterValidator(_within_bounds),
    WithJsonSchema({"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT}),
]


class BoundedIn(In):
    """`in` on an integer column: the values outside the column's range are left out (no
    row can hold them), instead of an OverflowError or a database error."""

    def as_sql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
        kept = [
            v
            for v in self.rhs
            if not isinstance(v, int) or ((low is None or v >= low) and (high is None or v <= high))
        ]
        if len(kept) == len(self.rhs):
            return super().as_sql(compiler, connection)
        lookup = copy.copy(self)
        lookup.rhs = kept
        return In.as_sql(lookup, compiler, connection)


class IdConverter:
    """`<id:pk>` in a URL: a key, 1 up to `MAX_INT`; 0 or 2^63 match nothing (404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_INT:
            raise ValueError("not a key")
        return number

    def to_url(self, value) -> str:
        return str(value)


def register():
    """Called once, when the core app is ready (before any URLconf is read)."""
    IntegerField.register_lookup(BoundedIn)
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
