"""Drill « worker killed in the middle of an import »: nothing of the import is applied
(one transaction), the task goes back to the queue and the import then runs whole, once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cdvs.core.imports import ImportStatus, guess_mapping
from cdvs.core.models import Heartbeat
from cdvs.core.tasks import liveness_name, requeue_lost_tasks
from cdvs.directory import imports, tasks
from cdvs.directory.models import DirectoryImport, Organisation, Place

from .test_imports import GOOD, HEADERS, csv_bytes

pytestmark = pytest.mark.django_db(
    transaction=True
)  # the worker closes a connection left in a transaction (PostgreSQL)


class Killed(BaseException):
    """What the process sees of a SIGKILL: nothing runs after it, no except clause."""


def test_an_import_killed_midway_applies_nothing_then_runs_once(world, media, monkeypatch):
    record = DirectoryImport(kind="tableur", file_name="f.csv", created_by=world.users["administrateur"],
                             mapping=guess_mapping(HEADERS, imports.COLUMNS), total_rows=3)  # fmt: skip
    record.file.save("f.csv", ContentFile(csv_bytes(GOOD)), save=False)
    record.save()
    result = tasks.run_import.enqueue(record.pk)
    before = Organisation.objects.count()

    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("tue")  # the worker took it...
    real_apply = imports.apply_plans

    def killed_midway(plans, rec, progress=None):
        real_apply(plans, rec, progress)  # rows written in the transaction...
        raise Killed  # ... and the process dies before the commit

    monkeypatch.setattr(tasks, "apply_plans", killed_midway)
    with pytest.raises(Killed):
        tasks.run_import.call(record.pk)
    assert Organisation.objects.count() == before and not Place.objects.exists()
    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING  # left as the dead worker left it

    monkeypatch.setattr(tasks, "apply_plans", real_apply)
    Heartbeat.objects.create(
        name=liveness_name("tue"), beat_at=timezone.now() - timedelta(minutes=10)
    )
    assert requeue_lost_tasks() == [str(result.id)]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert Organisation.objects.count() == before + 2  # each organisation once
    assert Place.objects.count() == 2
