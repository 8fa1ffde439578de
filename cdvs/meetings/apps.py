from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cdvs.meetings"
    label = "meetings"
    verbose_name = "Instances et réunions"
