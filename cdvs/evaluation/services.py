"""Every write on the evaluation goes through these functions, each in one transaction;
the history records who changed what. Reads shared by the pages are here too."""

from django.db import transaction

from cdvs.accounts.permissions import require
from cdvs.core.history import save_with_history

from .gaps import target_status
from .models import Measurement, Status, Target


@transaction.atomic
def save_measurement(measurement: Measurement, values: dict, user, reason=None) -> Measurement:
    for name, value in values.items():
        setattr(measurement, name, value)
    measurement.full_clean()
    require(user, "evaluation.manage", measurement)
    save_with_history(measurement, user, reason)
    return measurement


def latest_measurements(targets) -> dict[int, Measurement]:
    """target pk -> the latest measurement of its indicator on its territory (the
    total, no breakdown), in one query."""
    targets = list(targets)
    indicator_ids = {t.indicator_id for t in targets if t.indicator_id}
    found = {}
    qs = (
        Measurement.objects.filter(indicator_id__in=indicator_ids, sex="", age_band="")
        .select_related("territory")
        .order_by("year", "pk")
    )
    for m in qs:
        found[(m.indicator_id, m.territory_id)] = m  # the last one wins: the latest
    return {t.pk: found.get((t.indicator_id, t.territory_id)) for t in targets}


def targets_with_status(qs=None):
    targets = list(
        (qs if qs is not None else Target.objects.all()).select_related(
            "indicator", "territory", "objective__enjeu"
        )
    )
    latest = latest_measurements(targets)
    return [(t, latest[t.pk], Status(target_status(t, latest[t.pk]))) for t in targets]
