from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "cdvs.territories"
    label = "territories"
