from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("qui-peut-aider/", views.who_can_help, name="help"),
    path("carte/", views.organisation_map, name="map"),
    path("carte/marqueurs.geojson", views.map_data, name="map_data"),
    path("export.<str:fmt>", views.export, name="export"),
    path("<id:pk>/", views.organisation_detail, name="detail"),
    path("<id:pk>/modifier/", views.organisation_edit, name="edit"),
    path("<id:pk>/a-jour/", views.organisation_confirm, name="confirm"),
    path("<id:pk>/contacts/ajouter/", views.contact_add, name="contact_add"),
    path("contacts/<id:contact_pk>/modifier/", views.contact_edit, name="contact_edit"),
    path("contacts/<id:contact_pk>/supprimer/", views.contact_delete, name="contact_delete"),
    path("<id:pk>/services/ajouter/", views.service_edit, name="service_add"),
    path("services/<id:service_pk>/modifier/", views.service_edit, name="service_edit"),
    path("services/<id:service_pk>/supprimer/", views.service_delete, name="service_delete"),
    path("<id:pk>/membres/", views.organisation_members, name="members"),
]
urlpatterns += [
    path("lieux.geojson", views.places_geojson, name="places_geojson"),
    path("data-inclusion/<str:what>.json", views.data_inclusion, name="data_inclusion"),
    path("<id:pk>/lieux/ajouter/", views.place_edit, name="place_add"),
    path("lieux/<id:place_pk>/modifier/", views.place_edit, name="place_edit"),
    path("lieux/<id:place_pk>/horaires/", views.place_hours, name="place_hours"),
]
