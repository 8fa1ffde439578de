from django.core.management.base import BaseCommand
from django.utils import timezone

from cdvs.actions.cycle import run_job


class Command(BaseCommand):
    help = (
        "Crée, une seule fois, le Copil de suivi annuel et le dialogue de gestion de "
        "l'année de chaque action en CPO (à lancer chaque jour : rien n'est créé deux fois)."
    )

    def handle(self, *args, **options):
        report = run_job(timezone.localdate())
        for line in report.lines():
            self.stdout.write(line)
