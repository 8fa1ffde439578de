from django.core.management.base import BaseCommand, CommandError

from cdvs.contract.loader import ContractFileError
from cdvs.meetings.loader import CONTRACT_FILE, RULES_FILE, load


class Command(BaseCommand):
    help = (
        "Charge les instances de coordination des volets communaux depuis le fichier du "
        "contrat et génère leurs réunions sur la période du contrat (sans déplacer ni "
        "supprimer une réunion qui a déjà du contenu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contract", default=str(CONTRACT_FILE))
        parser.add_argument("--rules", default=str(RULES_FILE))

    def handle(self, *args, contract, rules, **options):
        try:
            report = load(contract, rules)
        except ContractFileError as exc:
            raise CommandError(
                "Les instances n'ont pas été chargées, rien n'a été modifié :\n- "
                + "\n- ".join(exc.errors)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
