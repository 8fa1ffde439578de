from django.contrib import admin
from django.urls import include, path

from cdvs import home

urlpatterns = [
    path("", home.home, name="home"),
    path("", include("cdvs.core.urls")),
    path("compte/", include("cdvs.accounts.urls")),
    path("territoires/", include("cdvs.territories.urls")),
    path("organisations/", include("cdvs.directory.urls")),
    path("organisations/gestion/", include("cdvs.directory.coordination_urls")),
    path("contrat/", include("cdvs.contract.urls")),
    path("contrat/gestion/", include("cdvs.contract.coordination_urls")),
    path("agenda/", include("cdvs.meetings.urls")),
    path("agenda/gestion/", include("cdvs.meetings.coordination_urls")),
    path("appels-a-projets/", include("cdvs.calls.urls")),
    path("appels-a-projets/gestion/", include("cdvs.calls.coordination_urls")),
    path("actions/", include("cdvs.actions.urls")),
    path("actions/gestion/", include("cdvs.actions.coordination_urls")),
    path("evaluation/", include("cdvs.evaluation.urls")),
    path("evaluation/gestion/", include("cdvs.evaluation.coordination_urls")),
    path("participation/", include("cdvs.participation.urls")),
    path("participation/gestion/", include("cdvs.participation.coordination_urls")),
    path("documents/", include("cdvs.library.urls")),
    path("documents/gestion/", include("cdvs.library.coordination_urls")),
    path("actualites/", include("cdvs.library.news.urls")),
    path("recherche/", include("cdvs.search.urls")),
    path("api/", include("cdvs.api.urls")),
    path("admin/", admin.site.urls),
]
handler500 = "cdvs.core.views.server_error"
