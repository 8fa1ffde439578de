from django.core.management.base import BaseCommand

from cdvs.core.french import hour
from cdvs.core.scheduler import JOBS, build_scheduler, tick


class Command(BaseCommand):
    help = (
        "Lance les tâches périodiques (rappels, alertes, lettres) à leur heure, avec "
        "APScheduler ; --once fait une seule vérification (pour un cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Une seule vérification (pour un cron)."
        )

    def handle(self, *args, once=False, **options):
        if once:
            for run in tick():
                state = "en échec" if run.failed else "terminée"
                self.stdout.write(f"{run.job} ({run.period}) : {state}")
            return
        self.stdout.write("Tâches planifiées (heure de Paris) :")
        for job in JOBS:
            self.stdout.write(f"  {job.label} : {job.when} à {hour(job.at)}")
        scheduler = build_scheduler()
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)
