from django.core.management.base import BaseCommand, CommandError

from cdvs.contract.volet import VoletFileError, load


class Command(BaseCommand):
    help = (
        "Charge (ou met à jour sur place) un volet communal depuis son fichier YAML ou JSON "
        "(format décrit dans docs/volet-communal.md) : tout ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            report = load(path)
        except VoletFileError as exc:
            raise CommandError(
                "Le volet communal n'a pas été chargé, rien n'a été modifié :\n- "
                + "\n- ".join(exc.errors)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
