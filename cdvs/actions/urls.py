from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("<id:pk>/", views.detail, name="detail"),
    path("export.<slug:fmt>", views.export, name="export"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("cpo/", views.conventions, name="conventions"),
    path("cpo/<id:pk>/", views.convention, name="convention"),
    path("programmation/", views.programmations, name="programmations"),
    path("programmation/<id:pk>/", views.programmation, name="programmation"),
    path(
        "programmation/<id:pk>/export.<slug:fmt>",
        views.programmation_export,
        name="programmation_export",
    ),
    path("engagements/", views.engagements, name="engagements"),
    path("engagements/<id:pk>/", views.engagement, name="engagement"),
    path("engagements/export.<slug:fmt>", views.engagements_export, name="engagements_export"),
    path("projets-phares/", views.flagships, name="flagships"),
    path("projets-phares/<id:pk>/", views.flagship, name="flagship"),
]
