"""Strict types of the API, declared once: text (bounded, no coercion), ids in paths,
dates in query strings, local times, JSON bodies derived from the pages' forms, and the JSON parser."""

import json
import re
from datetime import date, time
from typing import Annotated, Any

from django import forms
from django.core import validators as django_validators
from django.db import models
from ninja.parser import Parser
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cdvs.core.validators import DATE_MAX, DATE_MIN, is_plausible_date

# A text without a max_length in its model (TextField) is still bounded.
LONG_TEXT_MAX_LENGTH = 20_000
# Codes of a vocabulary (publics, thématiques…), type filters in query strings.
CODE_MAX_LENGTH = 100
# Ids in paths are database keys: a signed 64-bit integer, 1 or more.
ID_MAX = 2**63 - 1

INVALID_CHARACTER = (
    "Ce texte contient un caractère invalide (caractère nul ou demi-paire de "
    "substitution Unicode isolée)."
)
_INVALID = re.compile("[\x00\ud800-\udfff]")


def _valid_text(value: str) -> str:
    if _INVALID.search(value):
        raise PydanticCustomError("caractere_invalide", INVALID_CHARACTER)
    return value


def text(max_length: int):
    """A JSON string of at most `max_length` characters: neither a number, a boolean,
    a list nor an object is turned into text; no NUL or lone surrogate."""
    return Annotated[
        str, Strict(), StringConstraints(max_length=max_length), AfterValidator(_valid_text)
    ]


def form_text(form_class, name: str = "q"):
    """The text of a form's field, bounded like the page's form (its max_length)."""
    return text(form_class.base_fields[name].max_length)


Code = text(CODE_MAX_LENGTH)

# An object id in a path: out of range or not a number, it designates nothing (404).
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# A date in a query string: ISO text AAAA-MM-JJ only (never a number read as a
# timestamp), within the dates the whole tool accepts (core.validators).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_EXPECTED = "Une date AAAA-MM-JJ est attendue."
DATE_OUT_OF_RANGE = (
    f"Une date comprise entre le {DATE_MIN:%d/%m/%Y} et le {DATE_MAX:%d/%m/%Y} est attendue."
)


def _iso_date(value) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            found = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if not is_plausible_date(found):
                raise PydanticCustomError("date_hors_limites", DATE_OUT_OF_RANGE)
            return found
    raise PydanticCustomError("date_invalide", DATE_EXPECTED)


Date = Annotated[
    date,
    PlainValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"AAAA-MM-JJ, du {DATE_MIN.isoformat()} au {DATE_MAX.isoformat()}",
        }
    ),
]

# A local wall-clock time (Europe/Paris) as the API writes it. JSON Schema's
# `format: time` is RFC 3339's full-time, which requires an offset: not this.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "description": "Heure locale (Europe/Paris), HH:MM:SS",
        }
    ),
]


# ------------------------------------------------------------------ bodies from the forms


class _Body(BaseModel):
    """A JSON object; only the fields sent count (PATCH), at least one of them."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise PydanticCustomError(
                "corps_vide", "Le corps de la requête ne contient aucun champ à enregistrer."
            )
        return self


def _limits(form_field, model_field) -> dict:
    """ge / le from the form field and the model's validators."""
    low = [getattr(form_field, "min_value", None)]
    high = [getattr(form_field, "max_value", None)]
    for v in getattr(model_field, "validators", []):
        if isinstance(v, django_validators.MinValueValidator):
            low.append(v.limit_value)
        elif isinstance(v, django_validators.MaxValueValidator):
            high.append(v.limit_value)
    low, high = [x for x in low if x is not None], [x for x in high if x is not None]
    return {**({"ge": max(low)} if low else {}), **({"le": min(high)} if high else {})}


def _annotation(form_field, model_field):
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        raise TypeError("relations are not exposed by form_body")
    if isinstance(form_field, forms.MultipleChoiceField):
        return Annotated[list[Code], Field(max_length=len(form_field.choices))]
    if isinstance(form_field, forms.FloatField):  # before IntegerField, its base class
        limits = _limits(form_field, model_field)
        return Annotated[float, Strict(), Field(allow_inf_nan=False, **limits)]
    if isinstance(form_field, forms.IntegerField) or isinstance(model_field, models.IntegerField):
        return Annotated[int, Strict(), Field(**_limits(form_field, model_field))]
    if isinstance(form_field, forms.CharField | forms.ChoiceField):
        # the form's bound when it has one (it may accept spaces the model drops)
        bound = getattr(form_field, "max_length", None) or getattr(model_field, "max_length", None)
        return text(bound or LONG_TEXT_MAX_LENGTH)
    raise TypeError(f"no JSON type for {type(form_field).__name__}")


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def form_body(name: str, form_class, descriptions: dict[str, str], doc: str) -> type[BaseModel]:
    """A JSON body whose fields are those of `form_class` named in `descriptions`, with
    the form's and model's types and bounds; a field the form does not require may be
    `null` (emptied). The form still makes the checks of the page (French messages)."""
    model = form_class._meta.model
    model_fields = {f.name: f for f in model._meta.get_fields()}
    fields: dict[str, Any] = {}
    for field_name, description in descriptions.items():
        form_field = form_class.base_fields[field_name]
        annotation = _annotation(form_field, model_fields.get(field_name))
        if not form_field.required:
            annotation = annotation | None
        fields[field_name] = (
            annotation,
            Field(None, description=description, json_schema_extra=_no_default),
        )
    return create_model(name, __base__=_Body, __doc__=doc, **fields)


# ------------------------------------------------------------------ JSON parsing


class BodyError(Exception):
    """A body the parser refuses: `status` (400 unreadable, 422 invalid text)."""

    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _invalid_text_fields(data) -> dict[str, list[str]]:
    """Top-level fields (or "corps") holding a string with NUL or a lone surrogate."""
    found: dict[str, list[str]] = {}
    stack = [(data, None)]
    while stack:
        value, field = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                where = key if field is None else field
                stack.append((key, where))
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, field) for item in value)
        elif isinstance(value, str) and _INVALID.search(value):
            key = field if field is not None and not _INVALID.search(field) else "corps"
            found[key] = [INVALID_CHARACTER]
    return found


class JSONParser(Parser):
    """Ninja's parser, strict: standard JSON only (no NaN or Infinity), and no text
    that cannot be stored (NUL, lone surrogates), anywhere in the body."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise BodyError(400, "Le corps de la requête n'est pas du JSON valide.") from None
        invalid = _invalid_text_fields(data)
        if invalid:
            raise BodyError(422, "Le corps de la requête contient un texte invalide.", invalid)
        return data
