from django.urls import path

from . import coordination

app_name = "directory_admin"

urlpatterns = [
    path("a-mettre-a-jour/", coordination.stale, name="stale"),
]
