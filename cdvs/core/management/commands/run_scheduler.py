import time as clock

from django.core.management.base import BaseCommand

from cdvs.core.french import hour
from cdvs.core.scheduler import JOBS, run_due


class Command(BaseCommand):
    help = (
        "Lance les tâches périodiques (rappels, alertes, lettres) quand elles sont dues ; "
        "sans --once, vérifie chaque minute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Une seule vérification (pour un cron)."
        )

    def handle(self, *args, once=False, **options):
        if not once:
            self.stdout.write("Tâches planifiées (heure de Paris) :")
            for job in JOBS:
                when = "chaque jour" if job.weekday is None else "chaque semaine"
                self.stdout.write(f"  {job.label} : {when} à {hour(job.at)}")
        while True:
            for run in run_due():
                state = "en échec" if run.failed else "terminée"
                self.stdout.write(f"{run.job} ({run.period}) : {state}")
            if once:
                return
            clock.sleep(60)
