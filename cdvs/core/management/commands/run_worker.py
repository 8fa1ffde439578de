import threading

from django.db import connection
from django_tasks_db.management.commands import db_worker

from cdvs.core.models import Heartbeat
from cdvs.core.tasks import LIVENESS_SECONDS, liveness_name


class Command(db_worker.Command):
    help = (
        "Travailleur de tâches de fond (celui de django-tasks-db) qui donne signe de vie "
        "toutes les 30 secondes : si on le tue au milieu d'une tâche, le planificateur la "
        "remet dans la file."
    )

    def handle(self, *args, worker_id, **options):
        name = liveness_name(worker_id)
        stop = threading.Event()

        def beat():
            try:
                while not stop.wait(LIVENESS_SECONDS):
                    try:
                        Heartbeat.beat(name)
                    except Exception:  # database away: try again at the next beat
                        connection.close()
            finally:
                connection.close()

        Heartbeat.beat(name)
        threading.Thread(target=beat, name="signe-de-vie", daemon=True).start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            # its beat goes silent: a task it left running is requeued by the next tick
            stop.set()
