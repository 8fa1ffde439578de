"""Remind the porteurs of the bilans not yet transmitted (cron: daily).

    manage.py send_bilan_reminders

A bilan is due on 30 June of the next year: one reminder in the month before, then one
a month while late. Emails go through the queue; running twice sends nothing new.
"""

from django.core.management.base import BaseCommand

from cdvs.evaluation.reminders import send_reminders


class Command(BaseCommand):
    help = "Envoie les rappels des bilans des porteurs (avant l'échéance, puis en retard)."

    def handle(self, *args, **options):
        report = send_reminders()
        self.stdout.write(
            f"{report.emails} courriel(s) mis en file pour {report.bilans} bilan(s) ; "
            f"{report.already} bilan(s) déjà rappelé(s) pour cette période ; "
            f"{report.orphaned} bilan(s) sans membre chez le porteur."
        )
