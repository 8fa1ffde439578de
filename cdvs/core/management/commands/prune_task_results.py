from django.conf import settings
from django.core.management.base import BaseCommand

from cdvs.core.french import count
from cdvs.core.tasks import prune_finished


class Command(BaseCommand):
    help = (
        "Efface les résultats des tâches de fond terminées depuis CDVS_TASK_RESULT_DAYS "
        "jours (en échec : CDVS_FAILED_TASK_RESULT_DAYS) et les reçus devenus inutiles ; "
        "jamais une tâche en attente ou en cours."
    )

    def handle(self, *args, **options):
        results, receipts = prune_finished()
        self.stdout.write(
            f"Effacés : {count(results, 'résultat')} de tâche (terminés depuis plus de "
            f"{count(settings.CDVS_TASK_RESULT_DAYS, 'jour')}, en échec depuis plus de "
            f"{count(settings.CDVS_FAILED_TASK_RESULT_DAYS, 'jour')}), "
            f"{count(receipts, 'reçu')}."
        )
