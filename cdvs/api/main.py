"""The JSON API: one NinjaAPI; each app contributes its router from its own `api.py`."""

from ninja import NinjaAPI


class CdvsAPI(NinjaAPI):
    """The description depends only on the code: built once per process and prefix."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schema_cache", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = CdvsAPI(
    title="API de l'outil partagé du contrat de ville",
    version="1",
    description=(
        "Territoires et localisation de points, cadre stratégique du contrat, annuaire des acteurs, "
        "agenda des instances, documents, actualités, appels à projets et recherche. "
        "Lecture : données publiques sans compte, données des partenaires avec une session. "
        "Écriture : fiches de l'annuaire par les membres de l'organisation (session et jeton CSRF)."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# Each app owns its endpoints; they are mounted here, in one place.
from cdvs.calls.api import router as calls_router  # noqa: E402
from cdvs.contract.api import router as contract_router  # noqa: E402
from cdvs.directory.api import router as directory_router  # noqa: E402
from cdvs.library.api import news_router as library_news_router  # noqa: E402
from cdvs.library.api import router as library_router  # noqa: E402
from cdvs.meetings.api import router as meetings_router  # noqa: E402
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
