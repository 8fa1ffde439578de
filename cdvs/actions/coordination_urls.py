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
    path("cpo/cycle/<int:year>/", c.cycle_year, name="cycle_year"),
    path("demandes/<id:pk>/", c.request_detail, name="request"),
    path("demandes/<id:pk>/dauphin.pdf", c.request_file, name="request_file"),
    path("demandes/<id:pk>/avis/", c.opinion, name="opinion"),
    path("demandes/<id:pk>/decision/", c.decision, name="decision"),
    path("engagements/nouvel/", c.engagement_create, name="engagement_create"),
    path("engagements/<id:pk>/modifier/", c.engagement_edit, name="engagement_edit"),
    path("engagements/<id:pk>/examen/", c.engagement_review, name="engagement_review"),
    path("engagements/<id:pk>/supprimer/", c.engagement_delete, name="engagement_delete"),
    path("engagements/<id:pk>/restaurer/", c.engagement_restore, name="engagement_restore"),
    path("engagements/<id:pk>/historique/", c.engagement_history, name="engagement_history"),
    path("projets-phares/choisir/", c.flagship_create, name="flagship_create"),
    path("projets-phares/<id:pk>/modifier/", c.flagship_edit, name="flagship_edit"),
    path("projets-phares/<id:pk>/retirer/", c.flagship_remove, name="flagship_remove"),
    path("projets-phares/<id:pk>/jalons/ajouter/", c.milestone_add, name="milestone_add"),
    path("projets-phares/jalons/<id:pk>/modifier/", c.milestone_edit, name="milestone_edit"),
    path("projets-phares/<id:pk>/points/<id:meeting>/", c.report, name="report"),
]
