"""Plan d'actions at the scale of issue 12: the programmation table, the dashboard and the
export of every action, beside a minimal page (`/sante/?portee=web`) measured in the
same run as the reference; on SQLite, then on PostgreSQL when a server answers.

Generated once per database (bulk_create by batches, fixed seed), on top of the real
territories and contract (`load_territories`, `load_contract`):

- BENCH_COMMUNES (400) communes named « [banc d'essai] Commune n », each with one QPV
  and its volet communal (a LocalSection of the contract) and its programmation 2025
  (a call for projects of the calls app), all arrêtées;
- BENCH_ACTIONS (50 000) actions of 50 generated associations: BENCH_BIG (5 000) in the
  first commune (a city's volet), the others spread over the other communes; each
  serves one or two objectifs opérationnels of the contract (sometimes two of the same
  enjeu), is placed in its commune's QPV, has a request decided in its commune's
  programmation 2025, and 4 funding lines (two in 2025, two in another year of the
  contract; amounts random to the cent, granted half of the requested): 200 000 lines;
- one CPO of three years for one action in twenty.

On PostgreSQL the bench runs ANALYZE after generating (the statistics autovacuum keeps
in production; without them the planner takes the fresh tables for empty). Measured
in-process with Django's test client as an administrator (who sees every
amount): p95 of the programmation table of a typical commune, of the big commune (page
1 and its last page), of the dashboard 2025 (every action of the MEL together), each with
its number of queries; then each export of the 50 000 actions (CSV, ODS, XLSX) in a
fresh process: its time and its peak memory (VmHWM of /proc/self/status), beside the
peak of the same process serving the reference page only.

Environment: BENCH_ACTIONS, BENCH_COMMUNES, BENCH_BIG, BENCH_ACTIONS_REQUESTS (timed
requests per page, 20), BENCH_ACTIONS_EXPORTS (0: pages only), BENCH_POSTGRES (see
bench.postgres_url; off: SQLite only).
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

from bench import (
    BASE_DIR,
    database_vendor,
    fr_number,
    log,
    log_in,
    percentile,
    postgres_url,
    run_in_child,
    timed_pages,
)

VAR_DIR = BASE_DIR / "var" / os.environ.get("BENCH_ACTIONS_DIR", "bench-actions")
ACTIONS = int(os.environ.get("BENCH_ACTIONS", "50000"))
COMMUNES = int(os.environ.get("BENCH_COMMUNES", "400"))
BIG = int(os.environ.get("BENCH_BIG", "5000"))
REQUESTS = int(os.environ.get("BENCH_ACTIONS_REQUESTS", "20"))
P95_MS = 150
RSS_MB = 250
SEED = 20250115
BATCH = 2000
PREFIX = "[banc d'essai]"
ADMIN = "bench-actions@example.org"


def run() -> list[dict]:
    rows = run_in_child("bench.bench_actions", VAR_DIR)
    if url := postgres_url("cdvs_actperf_bench"):
        rows += run_in_child("bench.bench_actions", VAR_DIR, database_url=url)
    return rows


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import LocalSection

    call_command("migrate", interactive=False, verbosity=0)
    if not LocalSection.objects.exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        call_command("load_territories", verbosity=0, stdout=devnull)
        call_command("load_contract", verbosity=0, stdout=devnull)


def _communes(contract):
    """The generated communes, their QPV and their programmations 2025 (created once)."""
    from cdvs.actions.models import Programmation
    from cdvs.calls.models import CallForProjects
    from cdvs.contract.models import LocalSection
    from cdvs.territories.models import Territory

    communes = list(
        Territory.objects.filter(kind="commune", code__startswith="BENCH-").order_by("code")
    )
    if len(communes) >= COMMUNES:
        communes = communes[:COMMUNES]
    else:
        epci = Territory.objects.filter(kind="epci").order_by("pk").first()
        have = len(communes)
        Territory.objects.bulk_create(
            Territory(kind="commune", code=f"BENCH-{n:04d}", name=f"{PREFIX} Commune {n}",
                      parent=epci)
            for n in range(have, COMMUNES)
        )  # fmt: skip
        communes = list(
            Territory.objects.filter(kind="commune", code__startswith="BENCH-").order_by("code")
        )
        new = communes[have:]
        Territory.objects.bulk_create(
            Territory(kind="qpv", code=f"BENCH-QPV-{c.code[6:]}",
                      name=f"{PREFIX} Quartier {c.code[6:]}", parent=c)
            for c in new
        )  # fmt: skip
        LocalSection.objects.bulk_create(
            LocalSection(contract=contract, commune=c, name=f"{PREFIX} Volet {c.name}") for c in new
        )
        calls = CallForProjects.objects.bulk_create(
            CallForProjects(title=f"{PREFIX} Programmation 2025 — {c.name}",
                            funder_name="État et commune", opens_on=date(2025, 1, 1),
                            closes_on=date(2025, 2, 28), visibility="partenaires", commune=c)
            for c in new
        )  # fmt: skip
        Programmation.objects.bulk_create(
            Programmation(call=call, contract=contract, year=2025, commune=c,
                          decided_on=date(2025, 3, 20))
            for call, c in zip(calls, new, strict=True)
        )  # fmt: skip
    qpv = dict(
        Territory.objects.filter(kind="qpv", parent__in=communes).values_list("parent_id", "pk")
    )
    programmations = dict(
        Programmation.objects.filter(commune__in=communes, year=2025).values_list(
            "commune_id", "pk"
        )
    )
    return communes, qpv, programmations


def _generate(target: int):
    from django.db import transaction

    from cdvs.actions.models import Action, Convention, FundingLine, Request
    from cdvs.contract.models import Contract, Objective
    from cdvs.directory.models import Organisation

    contract = Contract.objects.order_by("pk").first()
    communes, qpv, programmations = _communes(contract)
    existing = Action.all_objects.filter(title__startswith=PREFIX).count()
    if existing >= target:
        return contract, communes, programmations
    rng = random.Random(SEED + existing)
    organisations = list(
        Organisation.objects.filter(name__startswith=PREFIX).values_list("pk", flat=True)
    )
    if len(organisations) < 50:
        Organisation.objects.bulk_create(
            Organisation(name=f"{PREFIX} Association {n}", kind="association")
            for n in range(len(organisations), 50)
        )
        organisations = list(
            Organisation.objects.filter(name__startswith=PREFIX).values_list("pk", flat=True)
        )
    objectives = list(Objective.objects.values_list("pk", "enjeu_id"))
    by_enjeu: dict[int, list] = {}
    for pk, enjeu in objectives:
        by_enjeu.setdefault(enjeu, []).append(pk)
    kinds = [("etat_pv", "specifique"), ("commune", "specifique"), ("mel", "droit_commun"),
             ("caf", "valorisation")]  # fmt: skip

    def commune_of(n):
        if n < BIG:
            return communes[0]
        return communes[1 + (n - BIG) % (len(communes) - 1)]

    started = time.perf_counter()
    for start in range(existing, target, BATCH):
        with transaction.atomic():
            numbers = range(start, min(start + BATCH, target))
            actions = Action.objects.bulk_create(
                Action(contract=contract, title=f"{PREFIX} Action {n:06d}", status="programmee",
                       porteur_id=rng.choice(organisations), commune=commune_of(n),
                       starts_on=date(2024 + n % 3, 1 + n % 12, 1),
                       ends_on=date(2026 + n % 4, 12, 31))
                for n in numbers
            )  # fmt: skip
            links = []
            for a in actions:
                first, enjeu = rng.choice(objectives)
                chosen = {first}
                if rng.random() < 0.3:  # a second objective, often of the same enjeu
                    pool = by_enjeu[enjeu] if rng.random() < 0.5 else [o for o, _ in objectives]
                    chosen.add(rng.choice(pool))
                links += [Action.objectives.through(action_id=a.pk, objective_id=o)
                          for o in chosen]  # fmt: skip
            Action.objectives.through.objects.bulk_create(links)
            Action.territories.through.objects.bulk_create(
                Action.territories.through(action_id=a.pk, territory_id=qpv[a.commune_id])
                for a in actions
            )
            lines = []
            for a in actions:
                for i, (kind, nature) in enumerate(kinds):
                    cents = rng.randrange(0, 5_000_000)
                    year = 2025 if i < 2 else rng.randrange(2024, 2031)
                    lines.append(FundingLine(
                        action_id=a.pk, year=year, funder_kind=kind, nature=nature,
                        requested=Decimal(cents).scaleb(-2),
                        granted=Decimal(cents // 2).scaleb(-2), decided_on=date(year, 3, 10),
                    ))  # fmt: skip
            FundingLine.objects.bulk_create(lines)
            Request.objects.bulk_create(
                Request(programmation_id=programmations[a.commune_id], action_id=a.pk,
                        submitted_on=date(2025, 2, 1), decided_on=date(2025, 3, 10))
                for a in actions
            )  # fmt: skip
            funded = [a for a in actions if a.pk % 20 == 0]
            conventions = Convention.objects.bulk_create(
                Convention(contract=contract, title=f"{PREFIX} CPO {a.pk}",
                           porteur_id=a.porteur_id, commune_id=a.commune_id, start_year=2024)
                for a in funded
            )  # fmt: skip
            Convention.actions.through.objects.bulk_create(
                Convention.actions.through(convention_id=c.pk, action_id=a.pk)
                for c, a in zip(conventions, funded, strict=True)
            )
        if (start // BATCH) % 5 == 4:
            log(f"  … {start + BATCH} actions ({time.perf_counter() - started:.0f} s)")
    log(
        f"  {target - existing} actions et {4 * (target - existing)} lignes de financement "
        f"générées en {time.perf_counter() - started:.1f} s ({database_vendor()})"
    )
    return contract, communes, programmations


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def export_child(fmt: str) -> dict:
    """In a fresh process: one export of every action (or, with fmt « ref », the reference
    page only), read to its end; its time, size and the process's peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    client = Client()
    log_in(client, get_user_model().objects.get(email=ADMIN))
    assert client.get("/sante/?portee=web").status_code == 200
    started = time.perf_counter()
    size = 0
    if fmt != "ref":
        response = client.get(reverse("actions:export", args=[fmt]))
        assert response.status_code == 200 and response.streaming
        for chunk in response.streaming_content:
            size += len(chunk)
    return {"seconds": time.perf_counter() - started, "bytes": size, "peak_mb": _peak_mb()}


def _export(fmt: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_actions", "export", fmt],
        cwd=BASE_DIR, env=dict(os.environ), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from cdvs.actions.models import Action, FundingLine

    _setup()
    contract, communes, programmations = _generate(ACTIONS)
    vendor = database_vendor()
    if vendor == "PostgreSQL":
        # the statistics autovacuum keeps in production, up to date after the bulk load
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    actions, lines = Action.objects.count(), FundingLine.objects.count()
    admin = get_user_model().objects.filter(email=ADMIN).first()
    if admin is None:
        admin = get_user_model().objects.create_superuser(ADMIN, "x")
    client = Client()
    log_in(client, admin)
    big = reverse("actions:programmation", args=[programmations[communes[0].pk]])
    last_page = -(-BIG // 25)
    pages = {
        "référence : /sante/?portee=web": "/sante/?portee=web",
        f"programmation 2025 d'une commune ({fr_number((ACTIONS - BIG) / (len(communes) - 1), 0)}"
        " demandes)": reverse("actions:programmation", args=[programmations[communes[1].pk]]),
        f"programmation 2025 de la grande commune ({fr_number(BIG, 0)} demandes), page 1": big,
        f"programmation 2025 de la grande commune, page {last_page}": f"{big}?page={last_page}",
        "tableau de bord 2025 (toute la métropole)": reverse("actions:dashboard") + "?annee=2025",
    }
    scale = (
        f"{fr_number(len(communes), 0)} volets, {fr_number(actions, 0)} actions, "
        f"{fr_number(lines, 0)} lignes"
    )
    rows, reference = [], None
    for label, url in pages.items():
        cache.clear()  # the first request computes what the cache keeps (totals, figures)
        started = time.perf_counter()
        cold_queries = _queries(client, url)
        cold = (time.perf_counter() - started) * 1000
        warm_queries = _queries(client, url)
        cpu = []
        times = timed_pages(client, [url], REQUESTS, cpu=cpu)
        p95, cpu95 = percentile(times, 95), percentile(cpu, 95)
        if reference is None:
            reference = (p95, cpu95)
        rows.append({
            "name": f"Plan d'actions ({vendor}), {label} : p95",
            "value": round(p95, 1), "unit": "ms", "target": f"< {P95_MS} ms",
            "ok": p95 < P95_MS,
            "detail": f"{scale} ; médiane {fr_number(percentile(times, 50))} ms sur "
                      f"{len(times)} requêtes, temps processeur p95 {fr_number(cpu95)} ms ; "
                      f"{warm_queries} requêtes SQL ({cold_queries} au premier affichage "
                      f"après une écriture, cache vide : {fr_number(cold, 0)} ms) ; référence "
                      f"p95 {fr_number(reference[0])} ms, processeur {fr_number(reference[1])} ms"
                      f" ; charge {fr_number(os.getloadavg()[0], 2)}",
        })  # fmt: skip
        log(f"  {rows[-1]['name']} {rows[-1]['value']} ms — {rows[-1]['detail']}")
    if os.environ.get("BENCH_ACTIONS_EXPORTS", "1") == "0":
        return rows
    baseline = _export("ref")
    for fmt in ("csv", "ods", "xlsx"):
        figures = _export(fmt)
        rows.append({
            "name": f"Plan d'actions ({vendor}), export {fmt.upper()} de "
                    f"{fr_number(actions, 0)} actions : mémoire de pointe du processus",
            "value": round(figures["peak_mb"], 1), "unit": "Mo", "target": f"< {RSS_MB} Mo",
            "ok": figures["peak_mb"] < RSS_MB,
            "detail": f"en {fr_number(figures['seconds'])} s, "
                      f"{fr_number(figures['bytes'] / 1e6)} Mo envoyés en flux ; référence : "
                      f"le même processus servant /sante/ seulement, "
                      f"{fr_number(baseline['peak_mb'])} Mo",
        })  # fmt: skip
        log(f"  {rows[-1]['name']} {rows[-1]['value']} Mo — {rows[-1]['detail']}")
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"]:
        print(json.dumps(export_child(sys.argv[2])))
    else:
        print(json.dumps(child()))
