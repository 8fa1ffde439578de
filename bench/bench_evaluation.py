"""Evaluation: an indicator's dashboard page (its trend and its latest measurements)
over generated measurements, beside a minimal page of the same app measured in the
same run (the indicators list) as the reference.

Runs in a child process on its own SQLite database under var/bench-evaluation (built
once: territories, contract, the seed's evidence, then BENCH_MEASUREMENTS generated
measurements spread over 20 generated indicators × every territory × years 2000-2030 ×
sex and age bands; fixed seed).

Environment: BENCH_MEASUREMENTS (200000), BENCH_EVALUATION_REQUESTS (100).
"""

import json
import os
import random
import time
from decimal import Decimal

from bench import BASE_DIR, fr_number, log, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-evaluation"
MEASUREMENTS = int(os.environ.get("BENCH_MEASUREMENTS", "200000"))
REQUESTS = int(os.environ.get("BENCH_EVALUATION_REQUESTS", "100"))
INDICATORS = 20
SEED = 20261203
BREAKDOWNS = (
    [("", "")]
    + [(s, "") for s in ("f", "h")]
    + [("", b) for b in ("0-15", "16-25", "26-64", "65+")]
)


def run() -> list[dict]:
    return run_in_child("bench.bench_evaluation", VAR_DIR)


def _setup():
    from django.core.management import call_command

    from cdvs.evaluation.models import Indicator

    call_command("migrate", interactive=False, verbosity=0)
    if not Indicator.objects.filter(code="moins-25-ans").exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        for name in ("load_territories", "load_contract", "load_evaluation"):
            call_command(name, verbosity=0, stdout=devnull)


def _generate(target: int) -> int:
    from django.db import transaction

    from cdvs.evaluation.models import Indicator, Measurement
    from cdvs.territories.models import Territory

    existing = Measurement.objects.filter(indicator__code__startswith="banc-").count()
    if existing >= target:
        return existing
    started = time.perf_counter()
    rng = random.Random(SEED)
    indicators = [
        Indicator.objects.get_or_create(
            code=f"banc-{i}",
            defaults={"name": f"[banc] Indicateur {i}", "unit": "%", "kind": "taux"},
        )[0]
        for i in range(INDICATORS)
    ]
    territories = list(Territory.objects.values_list("pk", flat=True))
    Measurement.objects.filter(indicator__code__startswith="banc-").delete()
    batch, made = [], 0
    with transaction.atomic():
        for indicator in indicators:
            for territory in territories:
                for year in range(2000, 2031):
                    for sex, band in BREAKDOWNS:
                        if made >= target:
                            break
                        batch.append(
                            Measurement(
                                indicator=indicator,
                                territory_id=territory,
                                period=str(year),
                                year=year,
                                sex=sex,
                                age_band=band,
                                value=Decimal(rng.randint(0, 1000)) / 10,
                                source="[banc]",
                                vintage=str(year),
                            )  # fmt: skip
                        )
                        made += 1
                    if len(batch) >= 5000:
                        Measurement.objects.bulk_create(batch)
                        batch = []
        Measurement.objects.bulk_create(batch)
    log(f"  {made} mesures générées en {time.perf_counter() - started:.0f} s")
    return made


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test import Client
    from django.urls import reverse

    from cdvs.evaluation.models import Indicator

    _setup()
    total = _generate(MEASUREMENTS)
    client = Client()
    dashboards = [
        reverse("evaluation:indicator", args=[pk])
        for pk in Indicator.objects.filter(code__startswith="banc-").values_list("pk", flat=True)
    ]
    reference = [reverse("evaluation:indicators")]
    rows = []
    for label, urls in (
        ("tableau de bord d'un indicateur", dashboards),
        ("référence : liste des indicateurs", reference),
    ):
        times = timed_pages(client, urls, REQUESTS)
        p95 = percentile(times, 95)
        rows.append(
            {
                "name": f"Évaluation, {label}, {fr_number(total, 0)} mesures : p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": "< 150 ms",
                "ok": p95 < 150,
                "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                f"requêtes, SQLite ; charge de la machine {fr_number(os.getloadavg()[0], 2)}",
            }
        )
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
