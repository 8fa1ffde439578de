from django.urls import path

from . import coordination

app_name = "contract_coordination"

urlpatterns = [
    path("corbeille/", coordination.trash, name="trash"),
    path("<slug:kind>/<int:pk>/modifier/", coordination.edit, name="edit"),
    path("<slug:kind>/<int:pk>/supprimer/", coordination.delete, name="delete"),
    path("<slug:kind>/<int:pk>/restaurer/", coordination.restore, name="restore"),
    path("<slug:kind>/<int:pk>/historique/", coordination.history, name="history"),
    path("volet-enjeu/<int:pk>/ajouter-ambition/", coordination.add_ambition, name="add_ambition"),
    path("ambition/<int:pk>/ajouter-objectif/", coordination.add_objective, name="add_objective"),
    path("objectif/<int:pk>/ajouter-piste/", coordination.add_lead, name="add_lead"),
]
