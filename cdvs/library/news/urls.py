from django.urls import path

from . import views as v

app_name = "news"

urlpatterns = [
    path("", v.index, name="index"),
    path("publier/", v.create, name="create"),
    path("<id:pk>/", v.detail, name="detail"),
    path("<id:pk>/modifier/", v.edit, name="edit"),
    path("flux.rss", v.NewsFeed(), name="rss"),
    path("flux.atom", v.NewsAtomFeed(), name="atom"),
    path("lettre/", v.digest, name="digest"),
    path("lettre/desabonnement/<str:token>/", v.unsubscribe, name="unsubscribe"),
]
