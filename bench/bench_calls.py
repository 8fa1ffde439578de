"""Calls for projects: the list page with filters over 20 000 calls, and the daily
alert run against 5 000 organisations.

Runs in a child process on its own SQLite database under var/bench-calls (built once:
territories, contract, then generated calls up to BENCH_CALLS, 5 % of them recurring,
and BENCH_CALL_ORGANISATIONS organisations with competences and one member each;
fixed seed). Pages are measured in-process with Django's test client, anonymously and
as a partner. The alert run computes the matching organisations of 50 new calls,
checks what each member may see, records the deliveries and queues the emails (the
database task backend: rows written, nothing sent).

Environment: BENCH_CALLS (20000), BENCH_CALL_ORGANISATIONS (5000),
BENCH_CALLS_REQUESTS (per page group, 200).
"""

import json
import os
import random
import time
from datetime import date, timedelta

from bench import BASE_DIR, fr_number, log, log_in, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-calls"
CALLS = int(os.environ.get("BENCH_CALLS", "20000"))
ORGANISATIONS = int(os.environ.get("BENCH_CALL_ORGANISATIONS", "5000"))
REQUESTS = int(os.environ.get("BENCH_CALLS_REQUESTS", "200"))
NEW_CALLS = 50
CPU_MS: list[float] = []
SEED = 20250115
WORDS = [
    "jeunesse", "emploi", "insertion", "santé", "logement", "quartier", "culture", "sport",
    "numérique", "parentalité", "seniors", "femmes", "réussite", "éducative", "mobilité",
]  # fmt: skip
FUNDERS = ["État", "MEL", "CAF du Nord", "Région Hauts-de-France", "Département du Nord",
           "France Travail", "ARS", "Fondation de France"]  # fmt: skip


def run() -> list[dict]:
    return run_in_child("bench.bench_calls", VAR_DIR)


# ------------------------------------------------------------- child process


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import LocalSection

    call_command("migrate", interactive=False, verbosity=0)
    if not LocalSection.objects.exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        call_command("load_territories", verbosity=0, stdout=devnull)
        call_command("load_contract", verbosity=0, stdout=devnull)


def _generate_calls(target: int) -> int:
    from django.db import transaction

    from cdvs.calls.models import CallForProjects, Recurrence
    from cdvs.contract.models import Enjeu
    from cdvs.directory import vocabulary as voc
    from cdvs.directory.models import OrganisationKind
    from cdvs.territories.models import Territory

    existing = CallForProjects.all_objects.count()
    if existing >= target:
        return existing
    rng = random.Random(SEED + existing)
    enjeux = list(Enjeu.objects.values_list("pk", flat=True))
    territories = list(Territory.objects.values_list("pk", flat=True))
    publics = [c for c, _ in voc.PUBLICS]
    themes = [c for c, _ in voc.THEMATIQUES]
    kinds = OrganisationKind.values
    through_e = CallForProjects.enjeux.through
    through_t = CallForProjects.territories.through
    started = time.perf_counter()
    base = date(2025, 1, 1)
    for start in range(existing, target, 2000):
        calls = []
        for i in range(start, min(start + 2000, target)):
            opens = base + timedelta(days=rng.randint(-900, 500))
            length = rng.choice([None, 15, 30, 45, 60, 90, 120])
            recurring = rng.random() < 0.05 and length
            call = CallForProjects(
                title=f"[banc] Appel {rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                funder_name=rng.choice(FUNDERS),
                description=" ".join(rng.choice(WORDS) for _ in range(40)),
                opens_on=opens,
                closes_on=opens + timedelta(days=length) if length else None,
                recurrence=Recurrence.YEARLY if recurring else "",
                amount_max=rng.choice([None, 1500, 5000, 20000, 100000]),
                nature=rng.choice(["droit_commun", "credits_specifiques"]),
                visibility=rng.choice(["public"] * 6 + ["partenaires"] * 3 + ["coordination"]),
                publics=rng.sample(publics, rng.randint(0, 2)),
                thematiques=rng.sample(themes, rng.randint(0, 2)),
                carriers=rng.sample(kinds, rng.randint(0, 2)),
            )
            call.sort_date = call.closes_on or date(9999, 12, 31)
            call.tags = (
                "".join(f"|k:{c}" for c in call.carriers)
                + "".join(f"|p:{c}" for c in call.publics)
                + "".join(f"|t:{c}" for c in call.thematiques)
                + "|"
            )
            calls.append(call)
        with transaction.atomic():
            created = CallForProjects.objects.bulk_create(calls, batch_size=500)
            through_e.objects.bulk_create(
                [
                    through_e(callforprojects_id=c.pk, enjeu_id=e)
                    for c in created
                    for e in rng.sample(enjeux, rng.randint(0, 2))
                ],
                batch_size=2000,
            )
            through_t.objects.bulk_create(
                [
                    through_t(callforprojects_id=c.pk, territory_id=t)
                    for c in created
                    for t in rng.sample(territories, rng.choice([0, 0, 1, 2]))
                ],
                batch_size=2000,
            )
    from django.utils import timezone

    CallForProjects.all_objects.update(created_at=timezone.now() - timedelta(days=400))
    log(f"  {target - existing} appels générés en {time.perf_counter() - started:.0f} s")
    return CallForProjects.all_objects.count()


def _generate_organisations(target: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cdvs.accounts.models import Membership
    from cdvs.contract.models import Enjeu
    from cdvs.directory import vocabulary as voc
    from cdvs.directory.models import Organisation, OrganisationKind
    from cdvs.territories.models import Territory

    key = "bench-calls-org-"
    existing = Organisation.objects.filter(key__startswith=key).count()
    if existing >= target:
        return
    rng = random.Random(SEED + 1 + existing)
    enjeux = list(Enjeu.objects.values_list("pk", flat=True))
    territories = list(
        Territory.objects.filter(kind__in=["qpv", "commune"]).values_list("pk", flat=True)
    )
    publics = [c for c, _ in voc.PUBLICS]
    themes = [c for c, _ in voc.THEMATIQUES]
    User = get_user_model()
    with transaction.atomic():
        orgs = []
        for i in range(existing, target):
            org = Organisation(
                key=f"{key}{i}",
                name=f"[banc appels] Structure {i}",
                kind=rng.choice(OrganisationKind.values),
                territory_id=rng.choice(territories),
                thematiques=rng.sample(themes, rng.randint(1, 3)),
                publics=rng.sample(publics, rng.randint(1, 2)),
            )
            org.refresh_index(save=False, enjeu_titles=[])
            orgs.append(org)
        orgs = Organisation.objects.bulk_create(orgs, batch_size=1000)
        Organisation.enjeux.through.objects.bulk_create(
            [
                Organisation.enjeux.through(organisation_id=o.pk, enjeu_id=e)
                for o in orgs
                for e in rng.sample(enjeux, rng.randint(1, 2))
            ],
            batch_size=2000,
        )
        users = User.objects.bulk_create(
            [User(email=f"membre{o.key}@example.org", password="!") for o in orgs],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, organisation=o, role=rng.choice(["porteur", "membre"]))
                for u, o in zip(users, orgs, strict=True)
            ],
            batch_size=1000,
        )
    log(f"  {target - existing} organisations (et leurs membres) générées")


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cdvs.calls import alerts
    from cdvs.calls.models import CallAlertDelivery, CallForProjects
    from cdvs.contract.models import Enjeu
    from cdvs.territories.models import Territory

    _setup()
    total = _generate_calls(CALLS)
    from django.db.models import F

    from cdvs.calls.models import NO_DEADLINE, refresh_sort_dates

    CallForProjects.all_objects.filter(sort_date=NO_DEADLINE, closes_on__isnull=False).update(
        sort_date=F("closes_on")
    )
    refresh_sort_dates()
    _generate_organisations(ORGANISATIONS)
    log(f"  {total} appels dans la base")
    enjeu = Enjeu.objects.order_by("number").first()
    commune = Territory.objects.filter(kind="commune", name__iexact="Armentières").first()
    qpv = Territory.objects.filter(kind="qpv").order_by("code").first()
    lst = reverse("calls:list")
    urls = [
        lst,
        f"{lst}?statut=cloture_proche",
        f"{lst}?statut=en_cours&enjeu={enjeu.pk}",
        f"{lst}?territoire={commune.pk if commune else qpv.pk}&nature=droit_commun",
        f"{lst}?territoire={qpv.pk}&public=jeunes&statut=tous",
        f"{lst}?financeur=caf&statut=tous&page=20",
        f"{lst}?q=emploi+jeunesse&statut=tous",
        f"{lst}?statut=clos&page=50",
    ]
    rows = []
    client = Client()
    partner = get_user_model().objects.filter(email__startswith="membrebench-calls-org-").first()
    for label, who in (("anonyme", None), ("partenaire connecté", partner)):
        if who is not None:
            log_in(client, who)
        CPU_MS.clear()
        times = timed_pages(client, urls, REQUESTS, cpu=CPU_MS)
        p95 = percentile(times, 95)
        rows.append(
            {
                "name": f"Appels à projets, liste filtrée ({label}), "
                f"{fr_number(total, 0)} appels : p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": "< 150 ms",
                "ok": p95 < 150,
                "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                "requêtes (statut, enjeu, territoire, nature, financeur, public, pages), SQLite ; "
                f"temps processeur par requête : p95 {fr_number(percentile(CPU_MS, 95))} ms, "
                f"médiane {fr_number(percentile(CPU_MS, 50))} ms ; charge de la machine "
                f"{fr_number(os.getloadavg()[0], 2)}",
            }
        )

    # the daily alert run: 50 calls published today, every organisation's competences
    CallAlertDelivery.objects.all().delete()
    new_ids = list(
        CallForProjects.objects.active().order_by("pk").values_list("pk", flat=True)[:NEW_CALLS]
    )
    CallForProjects.all_objects.filter(pk__in=new_ids).update(created_at=timezone.now())
    started = time.perf_counter()
    emails = alerts.organisation_emails()
    computed = (time.perf_counter() - started) * 1000
    report = alerts.deliver(emails)
    total_ms = (time.perf_counter() - started) * 1000
    CallForProjects.all_objects.filter(pk__in=new_ids).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    rows.append(
        {
            "name": f"Alertes : {NEW_CALLS} nouveaux appels × {fr_number(ORGANISATIONS, 0)} "
            "organisations (calcul des destinataires)",
            "value": round(computed, 1),
            "unit": "ms",
            "target": "< 2 000 ms",
            "ok": computed < 2000,
            "detail": f"avec l'enregistrement des envois et la mise en file des courriels : "
            f"{fr_number(total_ms, 0)} ms pour {report.emails} courriels "
            f"({report.calls} annonces)",
        }
    )
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
