from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("a-venir/<slug:area>/", views.upcoming_area, name="upcoming"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("sante/", views.health, name="health"),
    path("registre-des-traitements/", views.processing_register, name="processing_register"),
]
