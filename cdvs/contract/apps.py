from django.apps import AppConfig


class ContractConfig(AppConfig):
    name = "cdvs.contract"
    label = "contract"
