from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("qui-peut-aider/", views.who_can_help, name="help"),
    path("export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/modifier/", views.organisation_edit, name="edit"),
    path("<int:pk>/a-jour/", views.organisation_confirm, name="confirm"),
    path("<int:pk>/contacts/ajouter/", views.contact_add, name="contact_add"),
    path("<int:pk>/membres/", views.organisation_members, name="members"),
]
urlpatterns += [
    path("lieux.geojson", views.places_geojson, name="places_geojson"),
    path("data-inclusion/<str:what>.json", views.data_inclusion, name="data_inclusion"),
    path("<int:pk>/lieux/ajouter/", views.place_edit, name="place_add"),
    path("lieux/<int:place_pk>/modifier/", views.place_edit, name="place_edit"),
    path("lieux/<int:place_pk>/horaires/", views.place_hours, name="place_hours"),
]
