"""Evaluation: the indicator and territory dashboards over generated measurements, the
reports generated at bench scale, the QPV share of 10 000 addresses; each beside a
reference measured in the same run.

Runs in child processes, each on its own database: SQLite under var/bench-evaluation
(BENCH_MEASUREMENTS, 200 000 by default) and PostgreSQL (database cdvs_eval_bench on
the bench server, BENCH_PG_MEASUREMENTS, 2 000 000 by default; BENCH_POSTGRES=off to
skip). Each is built once: territories, contract, the seed's evidence, then the
generated measurements (fixed seed) spread over generated indicators × every territory
× years 2000-2030 × sex and age bands (COPY on PostgreSQL, bulk_create in batches on
SQLite), 200 generated actions with funding lines and bilans.

- dashboards: p95 of the indicator pages (the latest 200 measurements, the trend, the
  targets) and of the territory dashboards; reference: the indicators list;
- reports: the annual report and the point d'étape generated (snapshot, ODT, DOCX);
  reference: the snapshot alone of a report with no section but the questions;
- addresses: 10 000 generated addresses, their BAN batch answer generated once and
  replayed from var/bench-evaluation/ban-10000.csv (the geocoder's own time, the
  replay, is measured apart and taken out); what is measured is reading the list,
  locating the points and counting; reference: the same points counted without the
  file (locate + counting only).

Environment: BENCH_MEASUREMENTS, BENCH_PG_MEASUREMENTS, BENCH_EVALUATION_REQUESTS (100).
"""

import csv
import json
import math
import os
import random
import time
from decimal import Decimal

from bench import (
    BASE_DIR,
    database_vendor,
    fr_number,
    log,
    percentile,
    postgres_url,
    run_in_child,
    timed,
    timed_pages,
)

VAR_DIR = BASE_DIR / "var" / "bench-evaluation"
MEASUREMENTS = int(os.environ.get("BENCH_MEASUREMENTS", "200000"))
PG_MEASUREMENTS = int(os.environ.get("BENCH_PG_MEASUREMENTS", "2000000"))
REQUESTS = int(os.environ.get("BENCH_EVALUATION_REQUESTS", "100"))
ADDRESSES = 10_000
SEED = 20261203
YEARS = range(2000, 2031)
BREAKDOWNS = (
    [("", "")]
    + [(s, "") for s in ("f", "h")]
    + [("", b) for b in ("0-15", "16-25", "26-64", "65+")]
)


def run() -> list[dict]:
    rows = run_in_child("bench.bench_evaluation", VAR_DIR)
    url = postgres_url("cdvs_eval_bench")
    if url:
        env = os.environ.get("BENCH_MEASUREMENTS")
        os.environ["BENCH_MEASUREMENTS"] = str(PG_MEASUREMENTS)
        try:
            rows += run_in_child("bench.bench_evaluation", VAR_DIR / "postgresql", url)
        finally:
            if env is None:
                os.environ.pop("BENCH_MEASUREMENTS")
            else:
                os.environ["BENCH_MEASUREMENTS"] = env
    return rows


def _setup():
    from django.core.management import call_command

    from cdvs.evaluation.models import Indicator

    call_command("migrate", interactive=False, verbosity=0)
    if not Indicator.objects.filter(code="moins-25-ans").exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        for name in ("load_territories", "load_contract", "load_evaluation"):
            call_command(name, verbosity=0, stdout=devnull)


def _rows(indicators, territories, target, rng):
    made = 0
    for indicator in indicators:
        for territory in territories:
            for year in YEARS:
                for sex, band in BREAKDOWNS:
                    if made >= target:
                        return
                    made += 1
                    yield (indicator, territory, str(year), year, sex, band,
                           Decimal(rng.randint(0, 1000)) / 10)  # fmt: skip


def _generate(target: int) -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from cdvs.evaluation.models import Indicator, Measurement
    from cdvs.territories.models import Territory

    existing = Measurement.objects.filter(indicator__code__startswith="banc-").count()
    if existing >= target:
        return existing
    started = time.perf_counter()
    rng = random.Random(SEED)
    territories = list(Territory.objects.order_by("pk").values_list("pk", flat=True))
    count = math.ceil(target / (len(territories) * len(YEARS) * len(BREAKDOWNS)))
    indicators = [
        Indicator.objects.get_or_create(
            code=f"banc-{i:03d}",
            defaults={"name": f"[banc] Indicateur {i:03d}", "unit": "%", "kind": "taux"},
        )[0].pk
        for i in range(count)
    ]
    Measurement.objects.filter(indicator__code__startswith="banc-").delete()
    rows = _rows(indicators, territories, target, rng)
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            columns = ("indicator_id, territory_id, area, period, year, sex, age_band, value, "
                       "secret, producer, source, vintage, geography, seed_text, created_at")  # fmt: skip
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor: COPY
                with raw.copy(f"COPY evaluation_measurement ({columns}) FROM STDIN") as copy:
                    for ind, ter, period, year, sex, band, value in rows:
                        copy.write_row((ind, ter, "", period, year, sex, band, value, False, "",
                                        "[banc]", period, "", "", now))  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE evaluation_measurement")
        else:
            batch = []
            for ind, ter, period, year, sex, band, value in rows:
                batch.append(Measurement(indicator_id=ind, territory_id=ter, period=period,
                                         year=year, sex=sex, age_band=band, value=value,
                                         source="[banc]", vintage=period))  # fmt: skip
                if len(batch) >= 5000:
                    Measurement.objects.bulk_create(batch)
                    batch = []
            Measurement.objects.bulk_create(batch)
    made = Measurement.objects.filter(indicator__code__startswith="banc-").count()
    log(f"  {fr_number(made, 0)} mesures générées en {time.perf_counter() - started:.0f} s "
        f"({len(indicators)} indicateurs, {len(territories)} territoires)")  # fmt: skip
    return made


def _actions():
    """200 generated actions of the contract, 3 funding lines each (2024-2026), a bilan
    of 2025 for each, half of them transmitted."""
    from datetime import date

    from cdvs.actions.models import Action, FundingLine
    from cdvs.contract.models import Contract
    from cdvs.directory.models import Organisation
    from cdvs.evaluation.models import Bilan

    if Action.objects.filter(title__startswith="[banc]").exists():
        return
    contract = Contract.objects.order_by("pk").first()
    porteur = Organisation.objects.create(name="[banc] Association")
    actions = Action.objects.bulk_create(
        [
            Action(contract=contract, title=f"[banc] Action {i:03d}", porteur=porteur)
            for i in range(200)
        ]  # fmt: skip
    )
    FundingLine.objects.bulk_create(
        [
            FundingLine(
                action=a,
                year=y,
                funder_kind="etat_pv",
                nature="specifique" if i % 2 else "droit_commun",
                requested=Decimal("1000.00"),
                granted=Decimal("800.00"),
            )
            for i, a in enumerate(actions)
            for y in (2024, 2025, 2026)
        ]  # fmt: skip
    )
    Bilan.objects.bulk_create(
        [
            Bilan(
                action=a,
                year=2025,
                beneficiaries=10,
                submitted_on=date(2026, 5, 1) if i % 2 else None,
            )
            for i, a in enumerate(actions)
        ]  # fmt: skip
    )


def _row(name, times, bar, ok, extra=""):
    return {
        "name": name,
        "value": round(percentile(times, 95), 1),
        "unit": "ms",
        "target": bar,
        "ok": ok,
        "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} mesures, "
        f"{database_vendor()}{extra} ; charge de la machine {fr_number(os.getloadavg()[0], 2)}",
    }


def _dashboards(client, total) -> list[dict]:
    from django.urls import reverse

    from cdvs.evaluation.models import Indicator, Measurement
    from cdvs.territories.models import Territory

    dashboards = [
        reverse("evaluation:indicator", args=[pk])
        for pk in Indicator.objects.filter(code__startswith="banc-").values_list("pk", flat=True)
    ]
    places = Territory.objects.filter(
        pk__in=Measurement.objects.filter(indicator__code="moins-25-ans").values("territory_id")
    ).values_list("pk", flat=True)
    territories = [reverse("evaluation:territory_dashboard", args=[pk]) for pk in places]
    rows = []
    label = f"{fr_number(total, 0)} mesures"
    for name, urls, bar in (
        (f"Évaluation, tableau de bord d'un indicateur, {label} : p95", dashboards, 150),
        (f"Évaluation, tableau de bord d'un territoire, {label} : p95", territories, 150),
        (f"Évaluation, référence : liste des indicateurs, {label} : p95",
         [reverse("evaluation:indicators")], 150),
    ):  # fmt: skip
        times = timed_pages(client, urls, REQUESTS)
        rows.append(_row(name, times, f"< {bar} ms", percentile(times, 95) < bar))
    return rows


def _reports() -> list[dict]:
    from cdvs.accounts.models import User
    from cdvs.evaluation import reports
    from cdvs.evaluation.models import Report, ReportKind

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "banc-admin@example.org", "x"
    )

    def generate(kind):
        report = reports.generate(2025, admin, kind=kind)
        reports.odt(report)
        reports.docx(report)
        return report

    rows = []
    for kind in (ReportKind.ANNUAL, ReportKind.MILESTONE):
        times = timed(generate, [(kind,)], 3, warmup=1)
        label = "rapport annuel" if kind == ReportKind.ANNUAL else "point d'étape"
        rows.append(_row(f"Évaluation, {label} généré (instantané, ODT, DOCX) : max",
                         times, "< 10 000 ms", max(times) < 10_000))  # fmt: skip
        rows[-1]["value"] = round(max(times), 1)
    reference = timed(lambda: reports.questions_only(2025), [()], 3, warmup=1)
    rows.append(_row("Évaluation, référence : une section seule (questions évaluatives) : max",
                     reference, "—", True))  # fmt: skip
    rows[-1]["value"] = round(max(reference), 1)
    Report.objects.filter(created_by=admin).delete()
    return rows


def _ban_answer(path, rng, boxes):
    """The recorded BAN batch answer for the generated addresses: one row per address
    (CSV, the BAN's result columns), 95 % found at a point in one of the boxes."""
    if path.exists():
        return
    fields = ["adresse", "commune", "code_postal", "latitude", "longitude", "result_label",
              "result_score", "result_type", "result_housenumber", "result_street",
              "result_postcode", "result_citycode", "result_city", "result_context"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        for i in range(ADDRESSES):
            street = f"{i} rue du Banc"
            if i % 20 == 19:
                writer.writerow([street, "Armentières", "59280"] + [""] * 11)
                continue
            west, south, east, north = boxes[i % len(boxes)]
            lat, lon = rng.uniform(south, north), rng.uniform(west, east)
            writer.writerow([street, "Armentières", "59280", f"{lat:.6f}", f"{lon:.6f}", street,
                             "0.9", "housenumber", str(i), "rue du Banc", "59280", "59017",
                             "Armentières", "59, Nord"])  # fmt: skip


def _addresses() -> list[dict]:
    import httpx
    from shapely import from_geojson

    from cdvs.core.geocoding import BanClient
    from cdvs.evaluation import addresses
    from cdvs.territories.models import Kind, Territory

    rng = random.Random(SEED)
    shapes = Territory.objects.exclude(geometry="").filter(
        kind__in=[Kind.QPV, Kind.PAC, Kind.COMMUNE]
    )
    boxes = [from_geojson(t.geometry).bounds for t in shapes[:60]] or [(2.85, 50.68, 2.91, 50.71)]
    answer_path = VAR_DIR / f"ban-{ADDRESSES}.csv"
    _ban_answer(answer_path, rng, boxes)
    answer = answer_path.read_text(encoding="utf-8").splitlines()
    header, lines = answer[0], answer[1:]
    replay = {"position": 0, "seconds": 0.0}

    def handler(request):
        started = time.perf_counter()
        rows = request.content.count(b"rue du Banc")
        start = replay["position"] % len(lines)
        body = "\n".join([header, *lines[start : start + rows]]) + "\n"
        replay["position"] += rows
        replay["seconds"] += time.perf_counter() - started
        return httpx.Response(200, text=body)

    content = "Adresse;Code postal;Commune\n" + "".join(
        f"{i} rue du Banc;59280;Armentières\n" for i in range(ADDRESSES)
    )
    content = content.encode("utf-8")
    commune = Territory.objects.filter(kind=Kind.COMMUNE, code="59017").values_list("pk", flat=True)
    commune_id = commune.first()
    client = BanClient(transport=httpx.MockTransport(handler), sleep=lambda s: None)
    found = {}

    def whole():
        replay["position"], replay["seconds"] = 0, 0.0
        rows, coords = addresses.read_rows(content, "liste.csv")
        points = list(addresses.points_of(rows, coords, client=client))
        found["points"] = points
        found["counts"] = addresses.count(points, commune_id)
        return replay["seconds"]

    geocoder, total = [], []
    for _ in range(3):
        started = time.perf_counter()
        geocoder.append(whole() * 1000)
        total.append((time.perf_counter() - started) * 1000)
    own = [t - g for t, g in zip(total, geocoder, strict=True)]
    counts = found["counts"]
    located = ADDRESSES - counts["non_trouvees"]
    reference = timed(lambda: addresses.count(found["points"], commune_id), [()], 3, warmup=0)
    rows = [
        _row(f"Évaluation, part QPV de {fr_number(ADDRESSES, 0)} adresses (lecture, "
             "localisation, comptage ; géocodeur rejoué à part) : max", own, "< 30 000 ms",
             max(own) < 30_000,
             f" ; rejeu du géocodeur {fr_number(max(geocoder))} ms mis à part ; "
             f"{fr_number(located, 0)} points localisés, "
             f"{fr_number(sum(counts['qpv'].values()), 0)} en QPV"),
        _row("Évaluation, référence : localisation et comptage seuls des mêmes points : max",
             reference, "—", True),
    ]  # fmt: skip
    rows[0]["value"], rows[1]["value"] = round(max(own), 1), round(max(reference), 1)
    return rows


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test import Client

    _setup()
    total = _generate(MEASUREMENTS)
    _actions()
    rows = _dashboards(Client(), total)
    rows += _reports()
    if database_vendor() == "SQLite":
        rows += _addresses()
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
