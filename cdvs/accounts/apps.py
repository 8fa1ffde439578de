from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed


class AccountsConfig(AppConfig):
    name = "cdvs.accounts"
    label = "accounts"

    def ready(self):
        from .lockout import note_login_failure  # lazy: AppConfig.ready, the models are loaded now

        user_login_failed.connect(note_login_failure, dispatch_uid="cdvs-login-failures-ip")
        from .sessions import stamp_login  # lazy: AppConfig.ready, the models are loaded now

        user_logged_in.connect(stamp_login, dispatch_uid="cdvs-session-stamp")
