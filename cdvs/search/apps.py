from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cdvs.search"
    label = "search"
    verbose_name = "Recherche"

    def ready(self):
        # each app declares what it makes searchable in its own `search.py`
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("search")
