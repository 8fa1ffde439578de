from django.core.management.base import BaseCommand

from cdvs.library.services import send_digests


class Command(BaseCommand):
    help = (
        "Met en file d'attente la lettre hebdomadaire des actualités : un courriel par "
        "personne abonnée, avec ce qu'elle peut lire et qu'elle n'a pas encore reçu "
        "(envoyé ensuite par le worker `db_worker`). À lancer chaque semaine (cron)."
    )

    def handle(self, *args, **options):
        emails, items = send_digests()
        self.stdout.write(
            f"{emails} lettre{'s' if emails != 1 else ''} mise{'s' if emails != 1 else ''} "
            f"en file d'attente ({items} actualité{'s' if items != 1 else ''})."
        )
