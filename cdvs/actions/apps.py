from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "cdvs.actions"
    label = "actions"
    verbose_name = "Plan d'actions"
