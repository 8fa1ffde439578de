"""Directory: search, filters and « qui peut aider ? » with 50 000 organisations.

Runs in a child process on its own SQLite database under var/bench-directory (built
once: territories, contract, the seeded organisations of Armentières, then generated
organisations up to BENCH_ORGANISATIONS, each with places, fixed seed), so neither the
development database nor the shared bench database is touched. Pages are measured
in-process with Django's test client, anonymously (the public's pages).

Environment: BENCH_ORGANISATIONS (50000), BENCH_PLACES_PER_ORG (3),
BENCH_DIRECTORY_REQUESTS (per page, 200).
"""

import json
import os
import random
import time

from bench import (
    BASE_DIR,
    database_vendor,
    fr_number,
    log,
    percentile,
    postgres_url,
    run_in_child,
    timed_pages,
)

VAR_DIR = BASE_DIR / "var" / "bench-directory"
ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "50000"))
PLACES_PER_ORG = int(os.environ.get("BENCH_PLACES_PER_ORG", "3"))
REQUESTS = int(os.environ.get("BENCH_DIRECTORY_REQUESTS", "200"))
BENCH_KEY = "bench-org-"
SEED = 20240603
WORDS = [
    "solidarité", "jeunesse", "écoles", "familles", "emploi", "insertion", "santé",
    "logement", "quartier", "culture", "sport", "numérique", "parentalité", "seniors",
    "femmes", "réussite", "éducative", "alimentation", "mobilité", "citoyenneté",
]  # fmt: skip


def run() -> list[dict]:
    rows = run_in_child("bench.bench_directory", VAR_DIR)
    if url := postgres_url("bench_directory"):
        rows += run_in_child("bench.bench_directory", VAR_DIR, database_url=url)
    return rows


# ------------------------------------------------------------- child process


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import LocalSection

    call_command("migrate", interactive=False, verbosity=0)
    if not LocalSection.objects.exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        call_command("load_territories", verbosity=0, stdout=devnull)
        call_command("load_contract", verbosity=0, stdout=devnull)
        call_command("load_directory", verbosity=0, stdout=devnull)


def _generate(target: int) -> int:
    from django.db import transaction

    from cdvs.directory import vocabulary as voc
    from cdvs.directory.models import Organisation, OrganisationKind, Place

    existing = Organisation.objects.filter(key__startswith=BENCH_KEY).count()
    if existing >= target:
        return Organisation.objects.count()
    rng = random.Random(SEED + existing)
    kinds = OrganisationKind.values
    themes = [c for c, _ in voc.THEMATIQUES]
    publics = [c for c, _ in voc.PUBLICS]
    started = time.perf_counter()
    for start in range(existing, target, 5000):
        orgs = []
        for i in range(start, min(start + 5000, target)):
            age_min = rng.choice([None, 0, 3, 6, 11, 16, 18, 25, 60])
            org = Organisation(
                key=f"{BENCH_KEY}{i}",
                name=f"[banc] {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i}",
                kind=rng.choice(kinds),
                description=" ".join(rng.choice(WORDS) for _ in range(12)),
                city="Lille",
                lat=50.55 + rng.random() * 0.2,
                lon=2.85 + rng.random() * 0.35,
                thematiques=rng.sample(themes, rng.randint(1, 3)),
                publics=rng.sample(publics, rng.randint(1, 2)),
                age_min=age_min,
                age_max=None if age_min is None else age_min + rng.choice([5, 10, 30, 60]),
            )
            org.refresh_index(save=False, enjeu_titles=[])
            orgs.append(org)
        with transaction.atomic():
            Organisation.objects.bulk_create(orgs, batch_size=1000)
            created = Organisation.objects.filter(key__in=[o.key for o in orgs]).values_list(
                "pk", "lat", "lon"
            )
            Place.objects.bulk_create(
                [
                    Place(
                        organisation_id=pk,
                        name=f"Lieu {n}",
                        lat=lat + rng.uniform(-0.01, 0.01),
                        lon=lon + rng.uniform(-0.01, 0.01),
                    )
                    for pk, lat, lon in created
                    for n in range(PLACES_PER_ORG)
                ],
                batch_size=2000,
            )
    log(f"  {target - existing} organisations générées en {time.perf_counter() - started:.0f} s")
    return Organisation.objects.count()


def _generate_hours():
    """Opening slots for every generated place that has none yet (one or two a place,
    some only on given weeks of the month or until a date), and closed dates."""
    import datetime

    from django.db import transaction
    from django.db.models import Exists, OuterRef

    from cdvs.directory.models import OpeningException, OpeningSlot, Place

    # an anti-join: PostgreSQL runs « NOT IN (subquery) » over 150 000 rows as a nested loop
    has_slot = Exists(OpeningSlot.objects.filter(place_id=OuterRef("pk")))
    todo = Place.objects.filter(organisation__key__startswith=BENCH_KEY).filter(~has_slot)
    ids = list(todo.order_by("pk").values_list("pk", "organisation_id"))
    if not ids:
        return
    rng = random.Random(SEED)
    started = time.perf_counter()
    for start in range(0, len(ids), 10000):
        slots, exceptions = [], []
        for pk, org_id in ids[start : start + 10000]:
            for _ in range(rng.choice([1, 1, 2, 3])):
                hour = rng.choice([8, 9, 10, 13, 14, 15])
                slots.append(
                    OpeningSlot(
                        place_id=pk,
                        organisation_id=org_id,
                        weekday=rng.choice([0, 1, 2, 3, 4, 4, 5]),
                        start=datetime.time(hour),
                        end=datetime.time(hour + rng.choice([2, 3, 4])),
                        weeks=rng.choice(["", "", "", "", "13", "24"]),
                        valid_until=rng.choice([None] * 5 + [datetime.date(2025, 6, 30)]),
                    )
                )
            if rng.random() < 0.2:
                exceptions.append(
                    OpeningException(
                        place_id=pk,
                        organisation_id=org_id,
                        date=datetime.date(2026, 12, 1) + datetime.timedelta(rng.randint(0, 40)),
                    )
                )
        with transaction.atomic():
            OpeningSlot.objects.bulk_create(slots, batch_size=2000)
            OpeningException.objects.bulk_create(exceptions, batch_size=2000)
    log(f"  horaires de {len(ids)} lieux générés en {time.perf_counter() - started:.0f} s")


def _analyze():
    """Fresh planner statistics after the bulk load, as autovacuum would gather them
    in production (PostgreSQL plans for empty tables otherwise)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _bench_perimeter(qpv):
    """Real QPV perimeters are not available here: give the bench's QPV a generated
    outline (a wavy ring of 360 vertices, about 1,4 km across, near Armentières' QPV),
    recorded as generated for the bench. Never run on a real database."""
    import math

    if qpv.geometry:
        return qpv
    ring = []
    for i in range(360):
        angle = math.radians(i)
        radius = 0.006 * (1 + 0.15 * math.sin(7 * angle))
        ring.append([round(2.88 + radius * 1.4 * math.cos(angle), 6),
                     round(50.69 + radius * math.sin(angle), 6)])  # fmt: skip
    ring.append(ring[0])
    qpv.geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    qpv.geometry_source = "périmètre généré pour le banc d'essai (pas un périmètre officiel)"
    qpv.save(update_fields=["geometry", "geometry_source"])
    return qpv


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test import Client
    from django.urls import reverse

    from cdvs.directory.models import Place
    from cdvs.territories.models import Territory

    _setup()
    total = _generate(ORGANISATIONS)
    _generate_hours()
    _analyze()
    places = Place.objects.count()
    log(f"  {database_vendor()} : {total} organisations, {places} lieux dans la base")
    qpv = Territory.objects.filter(kind="qpv").order_by("code").first()
    near_qpv = _bench_perimeter(qpv)
    lille = Territory.objects.filter(kind="commune", name="Lille").first()
    lst, help_url = reverse("directory:list"), reverse("directory:help")
    markers = reverse("directory:map_data")
    started = time.perf_counter()
    client_once = Client()
    client_once.get(f"{markers}?bbox=50.55,2.75,50.78,3.25&q=emploi")
    log(f"  carte, premiers marqueurs sans cache : {(time.perf_counter() - started) * 1000:.0f} ms")
    pages = {
        "Recherche libre (« ecoles », « jeunes familles », « sante »)": [
            f"{lst}?q=ecoles",
            f"{lst}?q=jeunes+familles",
            f"{lst}?q=sante",
            f"{lst}?q=solidarite+quartier&page=3",
        ],
        "Filtres (thématique, public, âge, type)": [
            f"{lst}?thematique=famille&age=12",
            f"{lst}?public=jeunes&kind=association",
            f"{lst}?thematique=numerique&public=seniors&age=70",
            f"{lst}?q=emploi&thematique=trouver-un-emploi&age=20",
        ],
        "« Qui peut aider ? » (besoin, âge, lieu)": [
            f"{help_url}?thematique=famille&age=12&lat=50.63&lon=3.06",
            f"{help_url}?need=logement&age=30&lat=50.69&lon=2.88",
            f"{help_url}?need=jeunes+emploi&age=19&place={qpv.pk if qpv else ''}",
            f"{help_url}?thematique=sante&need=seniors&age=75&lat=50.6&lon=3.0",
        ],
        "« Ouvert le … » (jour, date, avec d'autres filtres)": [
            f"{lst}?open_weekday=1",
            f"{lst}?open_date=2026-12-08&thematique=famille",
            f"{lst}?q=emploi&open_date=2026-12-02",
            f"{help_url}?need=logement&age=30&lat=50.69&lon=2.88&open_date=2026-12-08",
        ],
        "Dans ou près d'un QPV (lieu dedans, 500 m, 1 km) ; lieux dans Lille": [
            f"{lst}?territory={near_qpv.pk}&proximity=0",
            f"{lst}?territory={near_qpv.pk}&proximity=500&thematique=famille",
            f"{lst}?territory={near_qpv.pk}&proximity=1000",
            f"{lst}?territory={lille.pk if lille else ''}&proximity=0",
        ],
        "Carte : page et marqueurs (zone, filtres ; réponses en cache par version)": [
            f"{reverse('directory:map')}?thematique=famille",
            f"{markers}?bbox=50.55,2.75,50.78,3.25",
            f"{markers}?bbox=50.68,2.86,50.70,2.90&thematique=famille",
            f"{markers}?bbox=50.60,2.90,50.65,3.00&open_weekday=2",
        ],
    }
    client = Client()
    rows = []
    for label, urls in pages.items():
        times = timed_pages(client, urls, REQUESTS)
        p95 = percentile(times, 95)
        rows.append(
            {
                "name": f"Annuaire, {label}, {fr_number(total, 0)} organisations, "
                f"{database_vendor()} : p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": "< 150 ms",
                "ok": p95 < 150,
                "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                f"requêtes, {fr_number(places, 0)} lieux",
            }
        )
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
