"""Search: one query p95 over 200 000 entries on PostgreSQL, 50 000 on SQLite.

Each database is filled once (in a child process) with the real reference data
(`load_territories`, `load_contract`) and generated entries written through the
index's own write path (`cdvs.search.index.write`): bodies and titles made of real
sentences of the product's seed files (the contract's French, with its vocabulary and
word frequencies), every type, the three visibilities, territories, enjeux and dates spread
at random (fixed seed). Then the same searches as the page (`services.search`: count
per type, ranked page, snippets) run for an anonymous visitor, a partner and a
coordinator, words alone, several words, a phrase, exclusions, with filters and on a
later page; and the page itself through Django's test client.

SQLite: its own database under var/bench-search. PostgreSQL: only when DATABASE_URL
points at a PostgreSQL server; the bench uses the database `bench_search` there
(created when missing), never the one named in DATABASE_URL.

Environment: BENCH_SEARCH_PG (200000), BENCH_SEARCH_SQLITE (50000),
BENCH_SEARCH_REQUESTS (400).
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

from bench import BASE_DIR, fr_number, log, percentile, timed

VAR_DIR = BASE_DIR / "var" / "bench-search"
PG_ENTRIES = int(os.environ.get("BENCH_SEARCH_PG", "200000"))
SQLITE_ENTRIES = int(os.environ.get("BENCH_SEARCH_SQLITE", "50000"))
REQUESTS = int(os.environ.get("BENCH_SEARCH_REQUESTS", "400"))
PG_DATABASE = "bench_search"
OBJECT_BASE = 50_000_000  # generated entries' object ids start here
SEED = 20250303
TARGETS = {"postgresql": 200.0, "sqlite": 500.0}


def _corpus() -> list[str]:
    """Real French sentences of the domain: every text of the product's seed files
    (the contract, its volet communal, the instances, the directory), as fragments
    of at least five words; words then come with the frequencies of real writing."""
    import re
    from pathlib import Path

    import yaml

    texts: list[str] = []

    def walk(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in sorted(Path(BASE_DIR, "cdvs").glob("*/data/*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    fragments = []
    for text in texts:
        for part in re.split(r"(?<=[.;:!?])\s+|\n+", text):
            if len(part.split()) >= 5:
                fragments.append(part.strip())
    return fragments


KINDS = [
    ("organisation", 0.25),
    ("reunion", 0.25),
    ("compte_rendu", 0.15),
    ("document", 0.15),
    ("actualite", 0.1),
    ("objectif", 0.05),
    ("piste", 0.05),
]
QUERIES = [
    "jeunes",
    "école",
    "formations professionnelles",
    "santé prévention",
    '"centre social"',
    "emploi -alternance",
    "logement or habitat",
    "médiateurs quartier",
    "décrochage scolaire",
    "numerique seniors",
    "habitants",
    "parentalité",
]


def run() -> list[dict]:
    rows = _child("sqlite", {"CDVS_VAR_DIR": str(VAR_DIR), "DATABASE_URL": ""})
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        pg_url = urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))
        _create_database(url)
        rows += _child("postgresql", {"CDVS_VAR_DIR": str(VAR_DIR), "DATABASE_URL": pg_url})
    else:
        print("  note — DATABASE_URL ne désigne pas PostgreSQL : mesure PostgreSQL sautée")
    return rows


def _create_database(url):
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')


def _child(vendor, extra_env) -> list[dict]:
    env = dict(os.environ, CDVS_DEBUG="0", CDVS_ENV="development", BENCH_SEARCH_VENDOR=vendor)
    env.update(extra_env)
    if not env["DATABASE_URL"]:
        env.pop("DATABASE_URL")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_search"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stderr.splitlines():
        print(line)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------- child process


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import Enjeu

    call_command("migrate", interactive=False, verbosity=0)
    if not Enjeu.objects.exists():
        devnull = open(os.devnull, "w")  # noqa: SIM115
        call_command("load_territories", verbosity=0, stdout=devnull)
        call_command("load_contract", verbosity=0, stdout=devnull)


def _generate(target: int) -> int:
    from cdvs.search import index
    from cdvs.search.models import SearchEntry
    from cdvs.search.registry import Entry
    from cdvs.territories.models import Territory

    existing = SearchEntry.objects.filter(object_id__gte=OBJECT_BASE).count()
    if existing >= target:
        return existing
    rng = random.Random(SEED + existing)
    territories = list(
        Territory.objects.filter(kind__in=["commune", "qpv", "pac"]).values_list("pk", "parent_id")
    )
    kinds, weights = zip(*KINDS, strict=True)
    fragments = _corpus()
    started = time.perf_counter()
    batch = 2000
    for start in range(existing, target, batch):
        by_kind: dict[str, list] = {}
        for i in range(start, min(start + batch, target)):
            kind = rng.choices(kinds, weights)[0]
            territory, parent = rng.choice(territories)
            long_text = kind in ("compte_rendu", "document")
            body = " ".join(
                rng.choice(fragments)
                for _ in range(rng.randint(12, 30) if long_text else rng.randint(2, 6))
            )
            visibility = rng.choices(["public", "partenaires", "coordination"], [6, 3, 1])[0]
            entry = Entry(
                title=" ".join(rng.choice(fragments).split()[: rng.randint(4, 10)]),
                body=body,
                url=f"/banc/{kind}/{i}/",
                date=date(2024, 1, 1) + timedelta(days=rng.randint(0, 7 * 365)),
                visibility=visibility,
                scope_territory_id=parent or territory,
                territory_ids=[territory],
                enjeux=rng.sample(range(1, 7), rng.randint(1, 2)),
            )
            by_kind.setdefault(kind, []).append((OBJECT_BASE + i, entry))
        for kind, rows in by_kind.items():
            index.write(kind, rows)
        done = min(start + batch, target)
        if done % 20000 == 0 or done == target:
            log(f"  {done} / {target} entrées ({time.perf_counter() - started:.0f} s)")
    return SearchEntry.objects.filter(object_id__gte=OBJECT_BASE).count()


def _users():
    from django.contrib.auth import get_user_model

    from cdvs.accounts.models import Membership
    from cdvs.directory.models import Organisation
    from cdvs.territories.models import Territory

    User = get_user_model()
    commune = Territory.objects.filter(kind="commune", name="Armentières").first()
    users = {"anonyme": None}
    for role in ("membre", "coordinateur"):
        email = f"{role}-recherche@banc.cdvs.invalid"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None)
            org = Organisation.objects.create(
                name=f"[banc recherche] {role}", kind="service_ville", territory=commune
            )
            Membership.objects.create(user=user, organisation=org, role=role)
        users[role] = user
    return users


def _cases(users):
    from cdvs.contract.models import Enjeu
    from cdvs.territories.models import Territory

    commune = Territory.objects.filter(kind="commune", name="Armentières").first()
    enjeu = Enjeu.objects.order_by("number").values_list("number", flat=True).first()
    cases = []
    for n, q in enumerate(QUERIES):
        user = list(users.values())[n % len(users)]
        cases.append((user, q, {}))
        cases.append((user, q, {"kind": "reunion"}))
        cases.append((user, q, {"enjeu": enjeu, "territory": commune.pk if commune else None}))
        cases.append((user, q, {"start": date(2025, 1, 1), "end": date(2026, 6, 30), "page": 3}))
    return cases


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test import Client
    from django.urls import reverse

    from cdvs.search import services
    from cdvs.search.models import SearchEntry

    vendor = os.environ["BENCH_SEARCH_VENDOR"]
    assert connection.vendor == vendor, (connection.vendor, vendor)
    target = PG_ENTRIES if vendor == "postgresql" else SQLITE_ENTRIES
    label = "PostgreSQL" if vendor == "postgresql" else "SQLite"
    log(f"  {label} : préparation de la base")
    _setup()
    _generate(target)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            # statistics after the bulk load (autovacuum would gather them later)
            cursor.execute("VACUUM ANALYZE search_searchentry")
            cursor.execute("VACUUM ANALYZE search_searchtag")
    total = SearchEntry.objects.count()
    log(f"  {label} : {total} entrées dans l'index")
    users = _users()
    cases = _cases(users)

    def query(user, q, filters):
        filters = dict(filters)
        page = filters.pop("page", 1)
        return services.search(user, q, page=page, **filters)

    sample = query(None, "jeunes", {})
    times = timed(query, cases, REQUESTS)
    p95 = percentile(times, 95)
    target_ms = TARGETS[vendor]
    rows = [
        {
            "name": f"Recherche, {label}, {fr_number(total, 0)} entrées : p95 d'une recherche",
            "value": round(p95, 1),
            "unit": "ms",
            "target": f"< {fr_number(target_ms, 0)} ms",
            "ok": p95 < target_ms,
            "detail": f"médiane {fr_number(percentile(times, 50))} ms, max "
            f"{fr_number(max(times))} ms sur {len(times)} recherches (comptes par type, page "
            f"classée, extraits) ; « jeunes » en public : {fr_number(sample.total, 0)} résultats",
        }
    ]
    client = Client()
    url = reverse("search:index")
    page_cases = [(None, q, {}) for q in QUERIES]

    def page(user, q, filters):
        response = client.get(url, {"q": q})
        assert response.status_code == 200

    times = timed(page, page_cases, max(REQUESTS // 4, 20))
    p95 = percentile(times, 95)
    rows.append(
        {
            "name": f"Page de recherche, {label}, {fr_number(total, 0)} entrées : p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": f"< {fr_number(target_ms, 0)} ms",
            "ok": p95 < target_ms,
            "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} pages "
            "(visiteur anonyme, rendu compris)",
        }
    )
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
