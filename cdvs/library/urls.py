from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("deposer/", views.upload, name="upload"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/modifier/", views.edit, name="edit"),
    path("<id:pk>/nouvelle-version/", views.new_version, name="new_version"),
    path("<id:pk>/versions/<id:vpk>/telecharger/", views.download, name="download"),
    path("<id:pk>/versions/<id:vpk>/apercu/", views.preview, name="preview"),
]
