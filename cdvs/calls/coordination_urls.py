from django.urls import path

from . import coordination as c

app_name = "calls_coordination"

urlpatterns = [
    path("nouveau/", c.create, name="create"),
    path("importer/", c.import_calls, name="import"),
    path("corbeille/", c.trash, name="trash"),
    path("<id:pk>/modifier/", c.edit, name="edit"),
    path("<id:pk>/supprimer/", c.delete, name="delete"),
    path("<id:pk>/restaurer/", c.restore, name="restore"),
    path("<id:pk>/historique/", c.history, name="history"),
    path("<id:pk>/pieces/", c.attachments, name="attachments"),
    path("pieces/<id:pk>/retirer/", c.remove_attachment, name="remove_attachment"),
]
