"""The JSON API: one NinjaAPI; each app contributes its router from its own `api.py`."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="API de l'outil partagé du contrat de ville",
    version="1",
    description="Territoires, localisation de points et cadre stratégique du contrat (lecture seule).",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# Each app owns its endpoints; they are mounted here, in one place.
from cdvs.contract.api import router as contract_router  # noqa: E402
from cdvs.directory.api import router as directory_router  # noqa: E402
from cdvs.meetings.api import router as meetings_router  # noqa: E402
from cdvs.territories.api import router as territories_router  # noqa: E402

api.add_router("/territoires", territories_router, tags=["Territoires"])
api.add_router("/contrat", contract_router, tags=["Contrat"])
api.add_router("/agenda", meetings_router, tags=["Agenda"])
api.add_router("/annuaire", directory_router, tags=["Annuaire"])
