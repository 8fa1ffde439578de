from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "cdvs.evaluation"
    label = "evaluation"
    verbose_name = "Évaluation et diagnostic"
