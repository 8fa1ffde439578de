from django.urls import path

from . import views

app_name = "contract"

urlpatterns = [
    path("", views.index, name="index"),
    path("enjeux/<id:pk>/", views.enjeu_detail, name="enjeu"),
]
