from django.urls import path

from . import coordination as c

app_name = "meetings_coordination"

urlpatterns = [
    path("nouvelle/", c.create, name="create"),
    path("corbeille/", c.trash, name="trash"),
    path("instances/<int:pk>/regle/", c.edit_series, name="edit_series"),
    path("reunions/<int:pk>/modifier/", c.edit, name="edit"),
    path("reunions/<int:pk>/annuler/", c.cancel, name="cancel"),
    path("reunions/<int:pk>/retablir/", c.reinstate, name="reinstate"),
    path("reunions/<int:pk>/supprimer/", c.delete, name="delete"),
    path("reunions/<int:pk>/restaurer/", c.restore, name="restore"),
    path("reunions/<int:pk>/historique/", c.history, name="history"),
    path("reunions/<int:pk>/ordre-du-jour/", c.agenda, name="agenda"),
    path("reunions/<int:pk>/trame/", c.apply_template, name="apply_template"),
    path("reunions/<int:pk>/presences/", c.attendance, name="attendance"),
    path("reunions/<int:pk>/compte-rendu/", c.minutes, name="minutes"),
    path("reunions/<int:pk>/compte-rendu/publier/", c.publish_minutes, name="publish_minutes"),
    path("reunions/<int:pk>/suites/ajouter/", c.add_next_step, name="add_next_step"),
    path("reunions/<int:pk>/invitations/", c.invitations, name="invitations"),
    path("points/<int:pk>/modifier/", c.edit_item, name="edit_item"),
    path("points/<int:pk>/retirer/", c.delete_item, name="delete_item"),
    path("points/<int:pk>/decision/", c.decide_item, name="decide_item"),
    path("points/<int:pk>/remonter/", c.raise_item, name="raise_item"),
    path("suites/<int:pk>/modifier/", c.edit_next_step, name="edit_next_step"),
]
