"""Send the alerts about calls for projects (cron: daily, and weekly on Monday).

    manage.py send_call_alerts            # daily: searches « dès la publication » and
                                          # the organisations' alerts
    manage.py send_call_alerts --weekly   # weekly saved searches

Emails go through the queue (`db_worker` sends them); running twice sends nothing
new: every call is announced once per person.
"""

from django.core.management.base import BaseCommand

from cdvs.calls.alerts import send_alerts
from cdvs.calls.models import Frequency


class Command(BaseCommand):
    help = "Envoie les alertes sur les appels à projets (quotidiennes ou hebdomadaires)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--weekly", action="store_true", help="Alertes hebdomadaires des recherches."
        )

    def handle(self, *args, weekly=False, **options):
        frequency = Frequency.WEEKLY if weekly else Frequency.INSTANT
        report = send_alerts(frequency)
        self.stdout.write(
            f"{report.emails} courriel(s) mis en file pour {len(report.people)} personne(s), "
            f"{report.calls} annonce(s) d'appel."
        )
