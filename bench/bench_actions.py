"""Plan d'actions: the year's programmation table and the dashboard at generated scale,
beside a minimal page of the same app (the list of programmations) measured in the same
run as the reference.

Runs in a child process on its own SQLite database under var/bench-actions (built once:
territories, contract, then BENCH_ACTIONS generated actions with 4 funding lines each
over the contract's years, one request per action in the programmation 2025; fixed
seed). Pages are measured in-process with Django's test client as an administrator
(who sees every amount).

Environment: BENCH_ACTIONS (5000), BENCH_ACTIONS_REQUESTS (per page, 20).
"""

import json
import os
import random
import time
from datetime import date
from decimal import Decimal

from bench import BASE_DIR, fr_number, log, log_in, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-actions"
ACTIONS = int(os.environ.get("BENCH_ACTIONS", "5000"))
REQUESTS = int(os.environ.get("BENCH_ACTIONS_REQUESTS", "20"))
SEED = 20250115


def run() -> list[dict]:
    return run_in_child("bench.bench_actions", VAR_DIR)


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import LocalSection

    call_command("migrate", interactive=False, verbosity=0)
    if not LocalSection.objects.exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        call_command("load_territories", verbosity=0, stdout=devnull)
        call_command("load_contract", verbosity=0, stdout=devnull)


def _generate(target: int):
    from django.db import transaction

    from cdvs.actions.models import Action, FundingLine, Programmation, Request
    from cdvs.calls.models import CallForProjects
    from cdvs.contract.models import Contract, Objective
    from cdvs.directory.models import Organisation
    from cdvs.territories.models import Territory

    contract = Contract.objects.order_by("pk").first()
    programmation = Programmation.objects.filter(year=2025).first()
    if programmation is None:
        call = CallForProjects.objects.create(
            title="Programmation 2025 (banc d'essai)", funder_name="État et commune",
            opens_on=date(2025, 1, 1), closes_on=date(2025, 2, 28), visibility="partenaires",
        )  # fmt: skip
        programmation = Programmation.objects.create(call=call, contract=contract, year=2025)
    existing = Action.all_objects.count()
    if existing >= target:
        return contract, programmation, existing
    rng = random.Random(SEED + existing)
    organisations = list(Organisation.objects.values_list("pk", flat=True)[:50])
    if len(organisations) < 50:
        Organisation.objects.bulk_create(
            Organisation(name=f"Association banc {n}") for n in range(50 - len(organisations))
        )
        organisations = list(Organisation.objects.values_list("pk", flat=True)[:50])
    objectives = list(Objective.objects.values_list("pk", flat=True))
    places = list(Territory.objects.filter(kind__in=["qpv", "pac"]).values_list("pk", flat=True))
    kinds = ["etat_pv", "commune", "mel", "caf"]
    natures = ["specifique", "specifique", "droit_commun", "valorisation"]
    started = time.perf_counter()
    for start in range(existing, target, 1000):
        with transaction.atomic():
            actions = Action.objects.bulk_create(
                Action(contract=contract, title=f"Action {n:06d}", status="programmee",
                       porteur_id=rng.choice(organisations))
                for n in range(start, min(start + 1000, target))
            )  # fmt: skip
            Action.objectives.through.objects.bulk_create(
                Action.objectives.through(action_id=a.pk, objective_id=rng.choice(objectives))
                for a in actions
            )
            Action.territories.through.objects.bulk_create(
                Action.territories.through(action_id=a.pk, territory_id=rng.choice(places))
                for a in actions
            )
            lines = []
            for a in actions:
                for i in range(4):
                    cents = rng.randrange(0, 5_000_000)
                    year = 2025 if i < 2 else rng.randrange(2024, 2031)
                    lines.append(FundingLine(
                        action_id=a.pk, year=year, funder_kind=kinds[i], nature=natures[i],
                        requested=Decimal(cents) / 100, granted=Decimal(cents // 2) / 100,
                        decided_on=date(year, 3, 10),
                    ))  # fmt: skip
            FundingLine.objects.bulk_create(lines)
            Request.objects.bulk_create(
                Request(programmation=programmation, action_id=a.pk, submitted_on=date(2025, 2, 1),
                        decided_on=date(2025, 3, 10))
                for a in actions
            )  # fmt: skip
    log(f"  {target - existing} actions générées en {time.perf_counter() - started:.1f} s")
    return contract, programmation, target


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from cdvs.actions.models import FundingLine

    _setup()
    contract, programmation, total = _generate(ACTIONS)
    lines = FundingLine.objects.count()
    admin = get_user_model().objects.filter(email="bench-actions@example.org").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench-actions@example.org", "x")
    client = Client()
    log_in(client, admin)
    pages = {
        "référence : liste des programmations": [reverse("actions:programmations")],
        "tableau de la programmation 2025": [
            reverse("actions:programmation", args=[programmation.pk])
        ],
        "tableau de bord 2025": [reverse("actions:dashboard") + "?annee=2025"],
    }
    rows = []
    for label, urls in pages.items():
        times = timed_pages(client, urls, REQUESTS)
        p95 = percentile(times, 95)
        rows.append({
            "name": f"Plan d'actions, {label}, {fr_number(total, 0)} actions et "
                    f"{fr_number(lines, 0)} lignes : p95",
            "value": round(p95, 1), "unit": "ms", "target": "< 150 ms", "ok": p95 < 150,
            "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                      f"requêtes, SQLite ; charge de la machine {fr_number(os.getloadavg()[0], 2)}",
        })  # fmt: skip
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
