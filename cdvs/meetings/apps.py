from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cdvs.meetings"
    label = "meetings"
    verbose_name = "Instances et réunions"

    def ready(self):
        from . import library  # noqa: F401  # lazy: AppConfig.ready, receivers of loaded apps
