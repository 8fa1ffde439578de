from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cdvs.core"
    label = "core"

    def ready(self):
        from . import validators  # lazy: AppConfig.ready, the models are loaded now

        validators.install()

        from . import bounds  # lazy: AppConfig.ready, the models are loaded now

        bounds.register()

        from . import tasks  # lazy: AppConfig.ready, connects the worker's heartbeat

        assert tasks.worker_heartbeat

        from . import widgets  # lazy: AppConfig.ready, forms import the models' modules

        widgets.install_french_order()
