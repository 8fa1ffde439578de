"""The API's errors, as documented: every error answer is an `ErrorsOut` in French.
Operations declare the codes they may answer with `errors(...)`; the handlers that
produce them are installed in `cdvs.api.main`."""

from typing import get_args

from ninja import Schema
from pydantic_core.core_schema import ErrorType

from cdvs.core.french import format_number

INVALID_REQUEST = "La requête n'a pas été traitée : corrigez les erreurs signalées."
NOT_FOUND = "Introuvable : aucune ressource ne correspond à cette adresse."
FORBIDDEN = "Vous n'avez pas les droits nécessaires pour cette action."


def method_not_allowed(method: str, allowed: str) -> str:
    """405: `allowed` is the Allow header (« GET, PATCH »)."""
    return f"Méthode {method} non autorisée sur cette adresse (méthodes acceptées : {allowed})."


# ninja's own English messages, in French
NINJA_MESSAGES = {
    "Unauthorized": "Connexion requise : cette action demande une session ouverte sur l'outil.",
    "Forbidden": FORBIDDEN,
    "CSRF check Failed": (
        "Vérification CSRF échouée : envoyez la valeur du cookie csrftoken dans l'en-tête "
        "X-CSRFToken."
    ),
    "Cannot parse request body": "Le corps de la requête n'est pas du JSON valide.",
    "Too many requests.": "Trop de requêtes : réessayez dans quelques instants.",
}


class ErrorsOut(Schema):
    message: str
    errors: dict[str, list[str]] = {}


def errors(*codes: int) -> dict[int, type[ErrorsOut]]:
    """The error answers an operation documents: `response={200: X, **errors(404, 422)}`."""
    return {code: ErrorsOut for code in codes}


# The common sets: a session write with a JSON body on an object of the path (400: not
# JSON, 401: no session, 403: CSRF or rights, 404, 422: invalid body), a read of one
# object of the path, a read with query parameters.
WRITE = errors(400, 401, 403, 404, 422)
ONE = errors(404)
LIST = errors(422)


# their descriptions in the OpenAPI document
STATUS_DESCRIPTIONS = {
    200: "Réussite",
    201: "Créé",
    204: "Supprimé",
    400: "Corps de la requête illisible (JSON invalide)",
    401: "Session requise",
    403: "Droits insuffisants ou jeton CSRF absent",
    404: "Introuvable",
    405: "Méthode non autorisée sur cette adresse",
    422: "Paramètres ou corps invalides (messages par champ)",
}


# ------------------------------------------------------------------ French messages


def _n(value) -> str:
    if isinstance(value, int):
        return format_number(value, 0)
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


_PYDANTIC = {
    "missing": lambda c: "Ce champ est obligatoire.",
    "extra_forbidden": lambda c: "Champ inconnu.",
    "string_type": lambda c: "Un texte (chaîne JSON) est attendu.",
    "string_too_long": lambda c: f"Au plus {_n(c['max_length'])} caractères.",
    "string_too_short": lambda c: f"Au moins {_n(c['min_length'])} caractères.",
    "string_pattern_mismatch": lambda c: "Format invalide.",
    "int_type": lambda c: "Un nombre entier est attendu.",
    "int_parsing": lambda c: "Un nombre entier est attendu.",
    "int_from_float": lambda c: "Un nombre entier est attendu.",
    "int_parsing_size": lambda c: "Nombre trop grand.",
    "float_type": lambda c: "Un nombre est attendu.",
    "float_parsing": lambda c: "Un nombre est attendu.",
    "finite_number": lambda c: "Un nombre fini est attendu.",
    "bool_type": lambda c: "Un booléen (true ou false) est attendu.",
    "bool_parsing": lambda c: "Un booléen (true ou false) est attendu.",
    "list_type": lambda c: "Une liste est attendue.",
    "too_long": lambda c: f"Au plus {_n(c['max_length'])} éléments.",
    "too_short": lambda c: f"Au moins {_n(c['min_length'])} éléments.",
    "dict_type": lambda c: "Un objet JSON est attendu.",
    "model_type": lambda c: "Un objet JSON est attendu.",
    "model_attributes_type": lambda c: "Un objet JSON est attendu.",
    "greater_than_equal": lambda c: f"Une valeur supérieure ou égale à {_n(c['ge'])} est attendue.",
    "greater_than": lambda c: f"Une valeur supérieure à {_n(c['gt'])} est attendue.",
    "less_than_equal": lambda c: f"Une valeur inférieure ou égale à {_n(c['le'])} est attendue.",
    "less_than": lambda c: f"Une valeur inférieure à {_n(c['lt'])} est attendue.",
    "date_type": lambda c: "Une date AAAA-MM-JJ est attendue.",
    "date_parsing": lambda c: "Une date AAAA-MM-JJ est attendue.",
    "date_from_datetime_parsing": lambda c: "Une date AAAA-MM-JJ est attendue.",
    "date_from_datetime_inexact": lambda c: "Une date AAAA-MM-JJ est attendue.",
    "literal_error": lambda c: f"Valeur inconnue (attendue : {c.get('expected', '')}).",
    "enum": lambda c: f"Valeur inconnue (attendue : {c.get('expected', '')}).",
}
_BUILT_IN = set(get_args(ErrorType))


def french(error: dict) -> str:
    """The French message of one pydantic error (custom errors carry their own)."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind in _PYDANTIC:
        try:
            return _PYDANTIC[kind](context)
        except KeyError:
            pass
    if kind in ("value_error", "assertion_error") and context.get("error"):
        return str(context["error"])
    if kind in _BUILT_IN:
        return "Valeur invalide."
    return error.get("msg") or "Valeur invalide."


BODY_NOT_OBJECT = "Le corps de la requête doit être un objet JSON."


def validation_errors(errors: list[dict]) -> tuple[int, str, dict[str, list[str]]]:
    """(status, message, errors by field) for ninja's validation errors: 404 when a path
    parameter designates nothing, else 422."""
    if errors and all(e["loc"][:1] == ("path",) for e in errors):
        return 404, NOT_FOUND, {}
    by_field: dict[str, list[str]] = {}
    general = []
    for error in errors:
        field = next((part for part in error["loc"][1:] if isinstance(part, str)), None)
        if field is None:
            general.append(BODY_NOT_OBJECT if error["type"] in _NOT_OBJECT else french(error))
        else:
            by_field.setdefault(field, []).append(french(error))
    return 422, " ".join(dict.fromkeys(general)) or INVALID_REQUEST, by_field


_NOT_OBJECT = {"missing", "model_type", "model_attributes_type", "dict_type"}
