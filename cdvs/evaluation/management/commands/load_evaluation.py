"""python manage.py load_evaluation [fichier]"""

from django.core.management.base import BaseCommand, CommandError

from cdvs.evaluation.loader import DEFAULT_FILE, EvaluationFileError, load


class Command(BaseCommand):
    help = (
        "Charge (ou met à jour) les indicateurs, les chiffres du diagnostic, les cibles et "
        "les questions évaluatives du contrat (tout ou rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, path, **options):
        try:
            report = load(path)
        except EvaluationFileError as exc:
            raise CommandError(
                "Le diagnostic n'a pas été chargé, rien n'a été modifié :\n- "
                + "\n- ".join(exc.errors)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
