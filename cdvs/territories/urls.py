from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/<str:code>/", views.detail, name="detail"),
    path("<str:kind>/<str:code>/perimetre/", views.perimeter, name="perimeter"),
    path("<str:kind>/<str:code>/perimetre.geojson", views.perimeter_geojson, name="geojson"),
    path("<str:kind>/<str:code>/historique/", views.history, name="history"),
]
