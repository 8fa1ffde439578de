from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("", views.index, name="index"),
    path("facile-a-lire/", views.falc, name="falc"),
    path("pres-de-chez-moi/", views.near_me, name="near"),
    path("budget-participatif/<id:pk>/", views.campaign, name="campaign"),
    path("budget-participatif/<id:pk>/chiffres.<slug:fmt>", views.export_figures, name="export"),
    path("budget-participatif/<id:pk>/deposer/", views.deposit, name="deposit"),
    path("idees/<id:pk>/", views.idea, name="idea"),
    path("mon-idee/<str:token>/", views.my_idea, name="my_idea"),
    path("mon-idee/<str:token>/effacer-mon-adresse/", views.erase_my_email, name="erase_email"),
    path("reunion-des-acteurs/<id:pk>/participer/", views.attend, name="attend"),
]
