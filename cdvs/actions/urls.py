from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("<id:pk>/", views.detail, name="detail"),
    path("export.<slug:fmt>", views.export, name="export"),
]
