from django.urls import path

from . import coordination as c

app_name = "calls_coordination"

urlpatterns = [
    path("nouveau/", c.create, name="create"),
    path("importer/", c.import_calls, name="import"),
    path("corbeille/", c.trash, name="trash"),
    path("<int:pk>/modifier/", c.edit, name="edit"),
    path("<int:pk>/supprimer/", c.delete, name="delete"),
    path("<int:pk>/restaurer/", c.restore, name="restore"),
    path("<int:pk>/historique/", c.history, name="history"),
    path("<int:pk>/pieces/", c.attachments, name="attachments"),
    path("pieces/<int:pk>/retirer/", c.remove_attachment, name="remove_attachment"),
]
