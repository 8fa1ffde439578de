from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cdvs.accounts"
    label = "accounts"
