from django.urls import path

from . import coordination as c

app_name = "meetings_coordination"

urlpatterns = [
    path("nouvelle/", c.create, name="create"),
    path("corbeille/", c.trash, name="trash"),
    path("instances/<id:pk>/regle/", c.edit_series, name="edit_series"),
    path("reunions/<id:pk>/modifier/", c.edit, name="edit"),
    path("reunions/<id:pk>/annuler/", c.cancel, name="cancel"),
    path("reunions/<id:pk>/retablir/", c.reinstate, name="reinstate"),
    path("reunions/<id:pk>/supprimer/", c.delete, name="delete"),
    path("reunions/<id:pk>/restaurer/", c.restore, name="restore"),
    path("reunions/<id:pk>/historique/", c.history, name="history"),
    path("reunions/<id:pk>/ordre-du-jour/", c.agenda, name="agenda"),
    path("reunions/<id:pk>/trame/", c.apply_template, name="apply_template"),
    path("reunions/<id:pk>/presences/", c.attendance, name="attendance"),
    path("reunions/<id:pk>/compte-rendu/", c.minutes, name="minutes"),
    path("reunions/<id:pk>/compte-rendu/publier/", c.publish_minutes, name="publish_minutes"),
    path("reunions/<id:pk>/suites/ajouter/", c.add_next_step, name="add_next_step"),
    path("reunions/<id:pk>/invitations/", c.invitations, name="invitations"),
    path("points/<id:pk>/modifier/", c.edit_item, name="edit_item"),
    path("points/<id:pk>/retirer/", c.delete_item, name="delete_item"),
    path("points/<id:pk>/deplacer/", c.move_item, name="move_item"),
    path("points/<id:pk>/decision/", c.decide_item, name="decide_item"),
    path("points/<id:pk>/remonter/", c.raise_item, name="raise_item"),
    path("suites/<id:pk>/modifier/", c.edit_next_step, name="edit_next_step"),
]
