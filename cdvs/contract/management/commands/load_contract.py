from django.core.management.base import BaseCommand, CommandError

from cdvs.contract.loader import DEFAULT_FILE, ContractFileError, load


class Command(BaseCommand):
    help = "Charge (ou met à jour sur place) le cadre stratégique du contrat depuis son fichier."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, path, **options):
        try:
            report = load(path)
        except ContractFileError as exc:
            raise CommandError(
                "Le contrat n'a pas été chargé, rien n'a été modifié :\n- "
                + "\n- ".join(exc.errors)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
