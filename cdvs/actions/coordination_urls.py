from django.urls import path

from . import coordination as c

app_name = "actions_coordination"

urlpatterns = [
    path("nouvelle/", c.create, name="create"),
    path("corbeille/", c.trash, name="trash"),
    path("<int:pk>/modifier/", c.edit, name="edit"),
    path("<int:pk>/statut/", c.change_status, name="status"),
    path("<int:pk>/financements/ajouter/", c.add_funding, name="add_funding"),
    path("financements/<int:pk>/modifier/", c.edit_funding, name="edit_funding"),
    path("<int:pk>/supprimer/", c.delete, name="delete"),
    path("<int:pk>/restaurer/", c.restore, name="restore"),
    path("<int:pk>/historique/", c.history, name="history"),
]
