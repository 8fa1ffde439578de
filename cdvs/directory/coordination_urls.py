from django.urls import path

from . import coordination

app_name = "directory_coordination"

urlpatterns = [
    path("creer/", coordination.create, name="create"),
    path("a-mettre-a-jour/", coordination.stale, name="stale"),
    path("a-mettre-a-jour/export.<str:fmt>", coordination.stale_export, name="stale_export"),
    path("corbeille/", coordination.trash, name="trash"),
    path("corbeille/<str:kind>/<id:pk>/restaurer/", coordination.restore, name="restore"),
    path("imports/", coordination.import_list, name="imports"),
    path("imports/<id:pk>/colonnes/", coordination.import_mapping, name="import_mapping"),
    path("imports/<id:pk>/apercu/", coordination.import_preview, name="import_preview"),
    path("imports/<id:pk>/", coordination.import_status, name="import_status"),
    path("imports/<id:pk>/progression.json", coordination.import_progress, name="import_progress"),
    path("imports/<id:pk>/abandonner/", coordination.import_cancel, name="import_cancel"),
    path("imports/<id:pk>/geocoder/", coordination.import_geocode, name="import_geocode"),
]
