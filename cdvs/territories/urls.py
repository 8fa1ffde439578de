from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/<str:code>/", views.detail, name="detail"),
]
