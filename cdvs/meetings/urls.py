from django.urls import path

from . import exports, views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("mois/", views.current_month, name="current_month"),
    path("mois/<int:year>/<int:month>/", views.month, name="month"),
    path("instances/", views.series_list, name="series_list"),
    path("instances/<id:pk>/", views.series_detail, name="series"),
    path("organisations/<id:pk>/", views.organisation, name="organisation"),
    path("mes-reunions/", views.mine, name="mine"),
    path("reunions/<id:pk>/", views.detail, name="detail"),
    path("reunions/<id:pk>/proposer/", views.propose, name="propose"),
    path("suites-a-donner/", views.next_steps, name="next_steps"),
    path("abonnements/creer/", views.create_token, name="create_token"),
    path("abonnements/<id:pk>/revoquer/", views.revoke_token, name="revoke_token"),
    path("flux/public.ics", views.public_feed, name="public_feed"),
    path("flux/public/instances/<id:pk>.ics", views.public_feed, name="public_series_feed"),
    path("flux/<str:token>/tout.ics", views.private_feed, name="private_feed"),
    path(
        "flux/<str:token>/mes-reunions.ics",
        views.private_feed,
        {"scope": "mes-reunions"},
        name="private_mine_feed",
    ),
    path(
        "flux/<str:token>/instances/<id:pk>.ics",
        views.private_feed,
        {"scope": "instance"},
        name="private_series_feed",
    ),
    path(
        "flux/<str:token>/organisations/<id:pk>.ics",
        views.private_feed,
        {"scope": "organisation"},
        name="private_organisation_feed",
    ),
    path("export/<slug:table>.<slug:fmt>", exports.export, name="export"),
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
