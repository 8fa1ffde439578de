from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cdvs.core"
    label = "core"

    def ready(self):
        from . import bounds

        bounds.register()
