from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("panorama/", views.panorama, name="panorama"),
    path("diagnostic/<id:pk>/", views.diagnostic, name="diagnostic"),
    path("indicateurs/", views.indicator_list, name="indicators"),
    path("indicateurs/<id:pk>/", views.indicator_detail, name="indicator"),
    path("cibles/", views.targets, name="targets"),
    path("rapports/<id:pk>/", views.report, name="report"),
    path("rapports/<id:pk>/rapport.odt", views.report_odt, name="report_odt"),
    path("rapports/<id:pk>/rapport.docx", views.report_docx, name="report_docx"),
    path("bilans/", views.bilans, name="bilans"),
    path("bilans/<id:pk>/", views.bilan_detail, name="bilan"),
    path("bilans/<id:pk>/adresses/", views.bilan_addresses, name="bilan_addresses"),
    path("bilans/action/<id:pk>/nouveau/", views.bilan_create, name="bilan_create"),
    path("groupes/", views.groups, name="groups"),
    path("groupes/<id:pk>/", views.group, name="group"),
    path("tableaux/enjeu/<id:pk>/", views.enjeu_dashboard, name="enjeu_dashboard"),
    path("tableaux/territoire/<id:pk>/", views.territory_dashboard, name="territory_dashboard"),
]
