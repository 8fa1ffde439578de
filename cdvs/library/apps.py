from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "cdvs.library"
    verbose_name = "Documents et actualités"
