from django.urls import path

from . import coordination as c

app_name = "library_coordination"

urlpatterns = [
    path("corbeille/", c.trash, name="trash"),
    path("export.<slug:fmt>", c.export, name="export"),
    path("documents/<id:pk>/supprimer/", c.delete, name="delete"),
    path("documents/<id:pk>/restaurer/", c.restore, name="restore"),
    path("documents/<id:pk>/historique/", c.history, name="history"),
    path("actualites/moderation/", c.moderation, name="moderation"),
    path("actualites/moderation/reglage/", c.moderation_settings, name="moderation_settings"),
    path("actualites/<id:pk>/moderer/", c.moderate, name="moderate"),
    path("actualites/<id:pk>/supprimer/", c.delete_news, name="delete_news"),
    path("actualites/<id:pk>/restaurer/", c.restore_news, name="restore_news"),
]
