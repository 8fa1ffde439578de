"""Background work of the evaluation, run by the worker (`manage.py db_worker`)."""

import logging

from django.core.files.storage import default_storage
from django_tasks import task

from cdvs.core.geocoding import GeocodingError
from cdvs.core.imports import ImportFileError

from . import addresses
from .models import AddressCount, CountStatus

log = logging.getLogger(__name__)


@task()
def count_addresses(count_id: int):
    """Read the uploaded list, delete the file at once, geocode and locate in memory,
    keep the counts only. The task's arguments and result hold no address."""
    run = AddressCount.objects.select_related("bilan__action").get(pk=count_id)
    name = run.file_name
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    finally:
        default_storage.delete(name)
    run.status = CountStatus.RUNNING
    run.save(update_fields=["status"])
    try:
        rows, coords = addresses.read_rows(content, f"liste.{run.extension}")
        del content
        run.total = len(rows)
        run.save(update_fields=["total"])
        points = []
        for point in addresses.points_of(rows, coords):
            points.append(point)
            if len(points) % addresses.BATCH == 0:
                run.done = len(points)
                run.save(update_fields=["done"])
        rows.clear()
        run.counts = addresses.count(points, run.bilan.action.commune_id)
        run.done, run.status = len(points), CountStatus.DONE
    except (ImportFileError, GeocodingError) as exc:
        run.status, run.error = CountStatus.FAILED, f"Rien n'a été compté : {exc}"
    except Exception as exc:
        # never the rows in the log (nor a message that could quote one): the kind only
        log.error("Comptage d'adresses %s en échec (%s)", count_id, type(exc).__name__)
        run.status, run.error = CountStatus.FAILED, "Rien n'a été compté : erreur inattendue."
    run.save(update_fields=["total", "done", "counts", "status", "error"])
    return {"status": run.status, "total": run.total}
