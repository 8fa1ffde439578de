from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "cdvs.directory"
    label = "directory"
