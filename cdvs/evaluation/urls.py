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
]
