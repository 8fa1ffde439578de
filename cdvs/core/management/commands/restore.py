from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cdvs.core.backup import BackupError, restore_backup
from cdvs.core.french import format_number


class Command(BaseCommand):
    help = (
        "Remplace la base de données et les fichiers déposés par ceux d'une archive de "
        "`manage.py backup` ; une archive abîmée ou inconnue est refusée sans rien changer."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="Archive .tar.gz de `manage.py backup`.")

    def handle(self, *args, archive, **options):
        try:
            summary = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restauration terminée depuis {summary.path} (base {summary.engine}, "
            f"{format_number(summary.files, 0)} fichier(s)). Lancez `manage.py migrate` si "
            "l'outil a été mis à jour depuis la sauvegarde."
        )
