from django.urls import path

from . import coordination as c

app_name = "participation_coordination"

urlpatterns = [
    path("", c.campaigns, name="campaigns"),
    path("campagnes/nouvelle/", c.create_campaign, name="create_campaign"),
    path("campagnes/<id:pk>/", c.ideas, name="ideas"),
    path("campagnes/<id:pk>/modifier/", c.edit_campaign, name="edit_campaign"),
    path("campagnes/<id:pk>/soutien/", c.add_support, name="add_support"),
    path("campagnes/<id:pk>/idee/", c.add_idea, name="add_idea"),
    path("campagnes/<id:pk>/vote/", c.import_votes, name="import_votes"),
    path("idees/<id:pk>/statut/", c.idea_status, name="idea_status"),
    path("idees/<id:pk>/historique/", c.idea_history, name="idea_history"),
    path("conseils/nouveau/", c.create_council, name="create_council"),
    path("conseils/<id:pk>/", c.edit_council, name="edit_council"),
    path("reunion-des-acteurs/", c.requests, name="requests"),
    path("reunion-des-acteurs/<id:pk>/inviter/", c.invite, name="invite"),
    path("reunion-des-acteurs/<id:pk>/qui-peut-aider/", c.helpers, name="helpers"),
]
