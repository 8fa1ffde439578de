from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/pieces/<id:attachment_pk>/", views.attachment, name="attachment"),
    path("export.<slug:fmt>", views.export, name="export"),
    path("clotures.ics", views.public_feed, name="public_feed"),
    path("alertes/", views.my_alerts, name="alerts"),
    path("alertes/enregistrer/", views.save_search, name="save_search"),
    path("alertes/<id:pk>/supprimer/", views.delete_search, name="delete_search"),
    path("alertes/organisations/", views.toggle_organisation_alerts, name="organisation_alerts"),
    path("alertes/calendrier/<str:token>.ics", views.search_feed, name="search_feed"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
