from django.core.management.base import BaseCommand

from cdvs.meetings.tasks import send_due_reminders


class Command(BaseCommand):
    help = (
        "Met en file les rappels des réunions des prochains jours (à lancer chaque jour, "
        "par exemple depuis cron) ; le travailleur de tâches envoie les courriels."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jours", type=int, default=2, dest="days")

    def handle(self, *args, days, **options):
        send_due_reminders.enqueue(days_ahead=days)
        self.stdout.write(f"Rappels mis en file pour les réunions des {days} prochains jours.")
