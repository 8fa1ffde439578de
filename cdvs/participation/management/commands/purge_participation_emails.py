"""Erase the depositors' email addresses of the budget participatif campaigns that
have ended (daily, declared in cdvs/core/scheduler.py)."""

from django.core.management.base import BaseCommand

from cdvs.participation.services import purge_emails


class Command(BaseCommand):
    help = "Efface les adresses des personnes ayant déposé une idée, une fois la campagne finie."

    def handle(self, *args, **options):
        run = purge_emails()
        self.stdout.write(f"Adresses effacées : {len(run.results)} ; échecs : {run.failed}.")
