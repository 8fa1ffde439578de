from django.contrib.auth import views as auth_views
from django.urls import path

from . import magic_link, personal_data, proconnect, two_factor, views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("connexion/proconnect/", proconnect.start, name="proconnect_start"),
    path("connexion/proconnect/retour/", proconnect.callback, name="proconnect_callback"),
    path("connexion/lien/", magic_link.request_link, name="magic_link_request"),
    path("connexion/lien/envoye/", magic_link.link_sent, name="magic_link_sent"),
    path("connexion/lien/<str:token>/", magic_link.use_link, name="magic_link"),
    path("connexion/verification/", two_factor.verify, name="two_factor"),
    path("double-authentification/", two_factor.enrol, name="two_factor_enrol"),
    path(
        "double-authentification/codes-de-secours/",
        two_factor.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("deconnexion/partout/", views.logout_everywhere, name="logout_everywhere"),
    path("deconnexion/", proconnect.logout, name="logout"),
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("mes-donnees/", personal_data.personal_data, name="personal_data"),
    path("mes-donnees/json/", personal_data.personal_data_json, name="personal_data_json"),
    path(
        "mes-donnees/lien/<str:token>/json/",
        personal_data.personal_data_link_json,
        name="personal_data_link_json",
    ),
    path(
        "mes-donnees/lien/<str:token>/",
        personal_data.personal_data_link,
        name="personal_data_link",
    ),
    path(
        "mes-donnees/effacer/<id:pk>/",
        personal_data.erase_contact,
        name="personal_data_erase",
    ),
    path(
        "mes-donnees/lien/<str:token>/effacer/<id:pk>/",
        personal_data.erase_contact,
        name="personal_data_link_erase",
    ),
    path("invitations/", views.invitations, name="invitations"),
    path(
        "invitations/organisations/",
        views.invitation_organisations,
        name="invitation_organisations",
    ),
    path("invitations/<id:pk>/annuler/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<id:pk>/renvoyer/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
]
