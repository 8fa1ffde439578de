from django.urls import path

from . import coordination as c

app_name = "actions_coordination"

urlpatterns = [
    path("nouvelle/", c.create, name="create"),
    path("corbeille/", c.trash, name="trash"),
    path("<id:pk>/modifier/", c.edit, name="edit"),
    path("<id:pk>/statut/", c.change_status, name="status"),
    path("<id:pk>/financements/ajouter/", c.add_funding, name="add_funding"),
    path("financements/<id:pk>/modifier/", c.edit_funding, name="edit_funding"),
    path("<id:pk>/supprimer/", c.delete, name="delete"),
    path("<id:pk>/restaurer/", c.restore, name="restore"),
    path("<id:pk>/historique/", c.history, name="history"),
    path("<id:pk>/budget/<int:year>/", c.edit_budget, name="budget"),
    path("programmation/nouvelle/", c.programmation_create, name="programmation_create"),
    path("programmation/<id:pk>/deposer/", c.request_create, name="request_create"),
    path("programmation/<id:pk>/arreter/", c.programmation_close, name="programmation_close"),
    path("cpo/nouvelle/", c.convention_create, name="convention_create"),
    path("cpo/<id:pk>/modifier/", c.convention_edit, name="convention_edit"),
    path("cpo/annees/<id:pk>/avenant/", c.avenant, name="avenant"),
    path("demandes/<id:pk>/", c.request_detail, name="request"),
    path("demandes/<id:pk>/dauphin.pdf", c.request_file, name="request_file"),
    path("demandes/<id:pk>/avis/", c.opinion, name="opinion"),
    path("demandes/<id:pk>/decision/", c.decision, name="decision"),
]
