from django.urls import path

from . import coordination as c

app_name = "evaluation_coordination"

urlpatterns = [
    path("mesures/nouvelle/", c.add_measurement, name="add_measurement"),
    path("mesures/importer/", c.import_measurements, name="import"),
    path("rapports/", c.reports_page, name="reports"),
    path("mesures/<id:pk>/historique/", c.measurement_history, name="history"),
    path("groupes/nouveau/", c.group_create, name="group_create"),
    path("groupes/<id:pk>/", c.group_manage, name="group_manage"),
    path("recommandations/<id:pk>/", c.recommendation, name="recommendation"),
    path("ajustements/nouveau/", c.adjustment_create, name="adjustment_create"),
]
