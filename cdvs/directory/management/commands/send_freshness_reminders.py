"""Remind the members of organisations whose fiche is due for update (cron: daily).

    manage.py send_freshness_reminders

Emails go through the queue (`db_worker` sends them); each fiche is reminded once
per due period, so running twice sends nothing new. Fiches without any member are
counted here and listed for coordinators (« Fiches à mettre à jour »).
"""

from django.core.management.base import BaseCommand

from cdvs.directory.freshness import send_reminders


class Command(BaseCommand):
    help = "Envoie les rappels de mise à jour des fiches de l'annuaire."

    def handle(self, *args, **options):
        report = send_reminders()
        self.stdout.write(
            f"{report.emails} courriel(s) mis en file pour {report.fiches} fiche(s) ; "
            f"{report.already} fiche(s) déjà rappelée(s) pour cette période ; "
            f"{report.orphaned} fiche(s) sans membre."
        )
