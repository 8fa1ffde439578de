from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "cdvs.calls"
    label = "calls"
    verbose_name = "Appels à projets"
