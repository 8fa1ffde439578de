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
