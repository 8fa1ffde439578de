from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cdvs.core.backup import BackupError, create_backup, default_output
from cdvs.core.french import format_number


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et les fichiers déposés dans une archive .tar.gz "
        "(avec manifeste et sommes de contrôle)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Fichier de l'archive (par défaut var/sauvegardes/cdvs-<date>.tar.gz).",
        )

    def handle(self, *args, output=None, **options):
        try:
            summary = create_backup(output or default_output())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Sauvegarde écrite : {summary.path} (base {summary.engine}, "
            f"{format_number(summary.files, 0)} fichier(s), "
            f"{format_number(summary.bytes, 0)} octets de fichiers)."
        )
