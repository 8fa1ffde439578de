from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cdvs.core"
    label = "core"

    def ready(self):
        from . import validators

        validators.install()

        from . import bounds

        bounds.register()
