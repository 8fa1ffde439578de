"""The JSON API: one NinjaAPI; each app contributes its router from its own `api.py`."""

import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from .errors import (
    FORBIDDEN,
    NINJA_MESSAGES,
    NOT_FOUND,
    STATUS_DESCRIPTIONS,
    method_not_allowed,
    validation_errors,
)
from .types import BodyError, JSONParser


class CdvsAPI(NinjaAPI):
    """The description depends only on the code: built once per process and prefix."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schema_cache", {})
        if path_prefix not in cache:
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            for operations in schema["paths"].values():
                for operation in operations.values():
                    for code, response in operation["responses"].items():
                        response["description"] = STATUS_DESCRIPTIONS.get(
                            int(code), response["description"]
                        )
            cache[path_prefix] = schema
        return cache[path_prefix]

    def _get_urls(self):
        """ninja answers a wrong method on a known path in plain text: an ErrorsOut."""
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _errors_out_when_not_allowed(pattern.callback)
        return urls

    def validation_error_from_error_contexts(self, error_contexts):
        """ninja's errors, located (source, field, …) with the field named as sent:
        the parameter holding a body or a query schema is not part of the location."""
        found = []
        for context in error_contexts:
            model = context.model
            reverse = model.__ninja_flatten_map_reverse__
            holders = {path[0] for path in reverse if len(path) > 1}
            holders.add(getattr(model, "__read_from_single_attr__", None))
            for error in context.pydantic_validation_error.errors(
                include_url=False, include_input=False
            ):
                loc = tuple(error["loc"])
                loc = reverse.get(loc, loc[1:] if loc[:1] and loc[0] in holders else loc)
                found.append({**error, "loc": (model.__ninja_param_source__, *loc)})
        return ValidationError(found)


api = CdvsAPI(
    title="API de l'outil partagé du contrat de ville",
    version="1",
    description=(
        "Territoires et localisation de points, cadre stratégique du contrat, annuaire des acteurs, "
        "agenda des instances, documents, actualités, appels à projets, plan d'actions "
        "(actions, financements, programmations annuelles), indicateurs, mesures et "
        "cibles de l'évaluation, et recherche. "
        "Lecture : données publiques sans compte, données des partenaires avec une session. "
        "Écriture : fiches de l'annuaire par les membres de l'organisation (session et jeton CSRF)."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JSONParser(),
)


# ------------------------------------------------------------------ errors: one set of handlers
# Every error answer is an ErrorsOut (documented by each operation with `errors(...)`);
# anything else is a server error and is left to Django.


def _errors_out(request, status: int, message: str, errors: dict | None = None):
    body = {"message": message}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _errors_out_when_not_allowed(view):
    @functools.wraps(view)  # (keeps ninja's csrf_exempt)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = ", ".join(sorted(response["Allow"].split(", ")))
            response = _errors_out(request, 405, method_not_allowed(request.method, allowed))
            response["Allow"] = allowed
        return response

    return wrapper


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return _errors_out(request, *validation_errors(exc.errors))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    cause = exc.__cause__
    if isinstance(cause, BodyError):  # ninja wraps what the parser raises
        return _errors_out(request, cause.status, cause.message, cause.errors)
    return _errors_out(request, exc.status_code, NINJA_MESSAGES.get(exc.message, exc.message))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _errors_out(request, 404, NOT_FOUND)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _errors_out(request, 403, str(exc) or FORBIDDEN)


# Each app owns its endpoints; they are mounted here, in one place.
from cdvs.actions.api import router as actions_router  # noqa: E402
from cdvs.calls.api import router as calls_router  # noqa: E402
from cdvs.contract.api import router as contract_router  # noqa: E402
from cdvs.directory.api import router as directory_router  # noqa: E402
from cdvs.evaluation.api import router as evaluation_router  # noqa: E402
from cdvs.library.api import news_router as library_news_router  # noqa: E402
from cdvs.library.api import router as library_router  # noqa: E402
from cdvs.meetings.api import router as meetings_router  # noqa: E402
from cdvs.participation.api import router as participation_router  # noqa: E402
from cdvs.search.api import router as search_router  # noqa: E402
from cdvs.territories.api import router as territories_router  # noqa: E402

api.add_router("/territoires", territories_router, tags=["Territoires"])
api.add_router("/contrat", contract_router, tags=["Contrat"])
api.add_router("/agenda", meetings_router, tags=["Agenda"])
api.add_router("/annuaire", directory_router, tags=["Annuaire"])
api.add_router("/documents", library_router, tags=["Documents"])
api.add_router("/actualites", library_news_router, tags=["Actualités"])
api.add_router("/appels", calls_router, tags=["Appels à projets"])
api.add_router("/recherche", search_router, tags=["Recherche"])
api.add_router("/participation", participation_router, tags=["Participation"])
api.add_router("/actions", actions_router, tags=["Plan d'actions"])
api.add_router("/evaluation", evaluation_router, tags=["Évaluation"])
