from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class SearchConfig(AppConfig):
    name = "cdvs.search"
    label = "search"
    verbose_name = "Recherche"

    def ready(self):
        # each app declares what it makes searchable in its own `search.py`

        autodiscover_modules("search")
