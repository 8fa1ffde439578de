from django.core.management.base import BaseCommand, CommandError

from cdvs.directory.loader import DEFAULT_FILE, DirectoryFileError, load


class Command(BaseCommand):
    help = (
        "Charge (ou met à jour sur place) les organisations que le contrat nomme pour Armentières."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, path, **options):
        try:
            report = load(path)
        except DirectoryFileError as exc:
            raise CommandError(
                "Les organisations n'ont pas été chargées, rien n'a été modifié :\n- "
                + "\n- ".join(exc.errors)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
