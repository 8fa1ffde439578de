from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cdvs.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from .lockout import note_login_failure

        user_login_failed.connect(note_login_failure, dispatch_uid="cdvs-login-failures-ip")
