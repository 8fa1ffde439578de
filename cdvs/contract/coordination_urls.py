from django.urls import path

from . import coordination

app_name = "contract_coordination"

urlpatterns = [
    path("corbeille/", coordination.trash, name="trash"),
    path("volets/nouveau/", coordination.create_volet, name="create_volet"),
    path("volets/charger/", coordination.load_volet, name="load_volet"),
    path("<slug:kind>/<id:pk>/modifier/", coordination.edit, name="edit"),
    path("<slug:kind>/<id:pk>/supprimer/", coordination.delete, name="delete"),
    path("<slug:kind>/<id:pk>/restaurer/", coordination.restore, name="restore"),
    path("<slug:kind>/<id:pk>/historique/", coordination.history, name="history"),
    path("volet-enjeu/<id:pk>/ajouter-ambition/", coordination.add_ambition, name="add_ambition"),
    path("ambition/<id:pk>/ajouter-objectif/", coordination.add_objective, name="add_objective"),
    path("objectif/<id:pk>/ajouter-piste/", coordination.add_lead, name="add_lead"),
]
