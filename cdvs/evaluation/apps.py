from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "cdvs.evaluation"
    label = "evaluation"
    verbose_name = "Évaluation et diagnostic"

    def ready(self):
        from . import timeline  # noqa: F401  # lazy: AppConfig.ready, fills the actions timeline
