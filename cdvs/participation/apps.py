from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "cdvs.participation"
    label = "participation"
    verbose_name = "Participation des habitants"
