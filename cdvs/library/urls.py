from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("deposer/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/nouvelle-version/", views.new_version, name="new_version"),
    path("<int:pk>/versions/<int:vpk>/telecharger/", views.download, name="download"),
    path("<int:pk>/versions/<int:vpk>/apercu/", views.preview, name="preview"),
]
