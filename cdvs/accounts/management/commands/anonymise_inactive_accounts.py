from django.core.management.base import BaseCommand

from cdvs.accounts import retention


class Command(BaseCommand):
    help = (
        "Prévient puis anonymise les comptes inutilisés depuis CDVS_INACTIVE_ACCOUNT_DAYS "
        "jours (RGPD) ; lancé chaque jour par le planificateur."
    )

    def handle(self, *args, **options):
        warned, anonymised = retention.run()
        self.stdout.write(f"{warned} compte(s) prévenu(s), {anonymised} compte(s) anonymisé(s).")
