"""50 concurrent users for 60 s on a mix of the main pages, served as in production, and
the growth of those pages from 1× to 10× the bench data.

Served as in production: gunicorn (2 processes x 4 threads, as `bench_pages`) with
CDVS_ENV=production (DEBUG off, a fresh SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, Secure
cookies, HSTS), behind no TLS proxy: the requests carry `X-Forwarded-Proto: https`, the
header the production settings trust (SECURE_PROXY_SSL_HEADER), and SECURE_SSL_REDIRECT=0
(an existing setting: the proxy redirects in production); PostgreSQL, and Redis for the
cache and the sessions as in `deploy/compose.yaml` (BENCH_REDIS, indexes 8 and 9 emptied
first; without Redis each process has its own memory cache, and the figures say so).

Data (bench/data.py, generated, names « [banc d'essai] »): 1× = 50 000 organisations and
5 000 users in the PostgreSQL database `cdvs_load_bench`, 10× = 500 000 and 50 000 in
`cdvs_load_bench_10x` (BENCH_POSTGRES's server), plus the real reference data (contract,
territories, directory, meetings) and the search index of the organisations. A partner
(member of a generated organisation) and the bench's coordinator, who passes the TOTP
step, log in through the forms.

1. **Mix** (1×): 50 clients with keep-alive connections — 20 anonymous, 15 sharing the
   partner's session, 15 sharing the coordinator's — each going round the main pages
   for BENCH_LOAD_SECONDS (60): requests, errors, p95 and throughput per page.
2. **Throughput of each page alone** (1×): the same 50 clients on one page for
   BENCH_LOAD_PAGE_SECONDS (8), and the same on a minimal Django view served the same
   way (`/sante/?portee=web`: one database query, one cache read, every middleware):
   each page's throughput as a share of the minimal view's (goal ≥ 25 % for the list and
   search pages).
3. **Growth**: both servers (1× and 10×) up at once, one client alternating a request to
   each, BENCH_LOAD_GROWTH_REQUESTS (30) per page, role and scale: p95 at 10× / p95 at
   1× (goal ≤ 1,5). Alternating keeps the machine's load the same for both.

The machine is shared (2 cores, other processes, the 50 clients themselves): its load
average is printed before and after, with the processor time gunicorn used (/proc: per
request, and against the wall clock, which tells how much of the 2 cores it got) and the
clients' own. BENCH_LOAD_GROWTH=0 skips the 10× database.
"""

import http.client
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import DEFAULT_VAR_DIR, fr_number, log, percentile, postgres_url, run_in_child
from bench.bench_pages import Server, login, request, row

USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
PAGE_SECONDS = float(os.environ.get("BENCH_LOAD_PAGE_SECONDS", "8"))
GROWTH_REQUESTS = int(os.environ.get("BENCH_LOAD_GROWTH_REQUESTS", "30"))
P95_MS = float(os.environ.get("BENCH_P95_MS", "150"))
SHARE_GOAL = 0.25
GROWTH_GOAL = 1.5
MINIMAL = ("Vue minimale (/sante/?portee=web)", "/sante/?portee=web")
SCALES = {1: "cdvs_load_bench", 10: "cdvs_load_bench_10x"}
REDIS_INDEXES = {1: 8, 10: 9}  # one cache per database: the keys would collide
ROLES = {"anonyme": 20, "partenaire": 15, "coordination": 15}  # out of 50
LIST_PAGES = ("Annuaire : liste", "Annuaire : recherche", "Recherche", "Appels à projets")
PARTNER_EMAIL = "partenaire-charge@banc.cdvs.invalid"


def prepare() -> dict:
    """In the child process (its own DATABASE_URL): the data, the partner, the paths."""
    import secrets

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command, get_commands
    from django.urls import reverse

    from bench import data
    from cdvs.accounts.models import Membership, Role
    from cdvs.directory.models import Organisation
    from cdvs.search.models import SearchEntry

    scale = int(os.environ["BENCH_LOAD_SCALE"])
    summary = data.ensure(data.ORGANISATIONS * scale, data.USERS * scale)
    out = sys.stderr
    from cdvs.meetings.models import MeetingSeries

    if "load_meetings" in get_commands() and not MeetingSeries.objects.exists():
        call_command("load_meetings", verbosity=0, stdout=out)
    organisations = Organisation.objects.count()
    indexed = SearchEntry.objects.filter(kind="organisation").count()
    if indexed < organisations:
        log(f"  index de recherche : {indexed} organisations sur {organisations}, complété")
        started = time.perf_counter()
        index_generated_organisations()
        from cdvs.search import index, registry

        done = SearchEntry.objects.filter(kind="organisation").values_list("object_id")
        missing = Organisation.objects.exclude(pk__in=done).values_list("pk", flat=True)
        index.refresh(registry.source("organisation"), list(missing))  # the product's path
        log(f"  index complété en {time.perf_counter() - started:.0f} s")

    path = settings.VAR_DIR / "bench_partner.json"
    partner = json.loads(path.read_text()) if path.exists() else {}
    User = get_user_model()
    user = User.objects.filter(email=PARTNER_EMAIL).first()
    if user is None or not user.check_password(partner.get("password", "")):
        partner = {"email": PARTNER_EMAIL, "password": secrets.token_urlsafe(18)}
        if user is None:
            user = User.objects.create_user(
                PARTNER_EMAIL, partner["password"], first_name="Partenaire", last_name="Banc"
            )
        else:
            user.set_password(partner["password"])
            user.save(update_fields=["password"])
        path.write_text(json.dumps(partner))
        path.chmod(0o600)
    org = Organisation.objects.filter(key__startswith=data.ORG_KEY).order_by("key").first()
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": Role.MEMBER})

    word = org.territory.name if org.territory else "association"
    paths = {
        "Accueil": reverse("home"),
        "Annuaire : liste": reverse("directory:list"),
        "Annuaire : recherche": f"{reverse('directory:list')}?q={word}",
        "Fiche organisation": reverse("directory:detail", args=[org.pk]),
        "Agenda": reverse("meetings:index"),
        "Documents": reverse("library:documents"),
        "Appels à projets": reverse("calls:list"),
        "Recherche": f"{reverse('search:index')}?q={word}",
        "Participation des habitants": reverse("participation:index"),
        "Près de chez moi": reverse("participation:near"),
    }
    from django.contrib.auth.models import AnonymousUser

    # an instance everyone may read (the mix has anonymous visitors)
    series = MeetingSeries.objects.visible_to(AnonymousUser()).order_by("pk").first()
    if series:
        paths["Instance"] = reverse("meetings:series", args=[series.pk])
    from urllib.parse import quote

    paths = {label: quote(p, safe="/?=&") for label, p in paths.items()}
    return {
        "paths": paths,
        "partner": partner,
        "coordinator": summary["credentials"],
        "organisations": organisations,
        "users": User.objects.count(),
    }


def index_generated_organisations() -> int:
    """The search entries of the generated organisations not indexed yet, written by one
    SQL statement (PostgreSQL) with what `directory.search.organisation_entry` gives a
    generated organisation (name; kind, description; its territory; public): the
    product's path (`rebuild_search_index`) writes 60 organisations a second on the
    shared machine, 2 hours for the 10× data; it indexes the other organisations
    afterwards. Returns the rows written."""
    from django.db import connection, transaction

    from bench.data import ORG_KEY
    from cdvs.directory.models import OrganisationKind
    from cdvs.search.backends import PG_CONFIG

    if connection.vendor != "postgresql":
        return 0
    labels = " ".join("WHEN %s THEN %s" for _ in OrganisationKind)
    params = [v for kind in OrganisationKind for v in (kind.value, kind.label)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_searchentry (kind, object_id, title, body, url, date,
                visibility, scope_territory_id, organisation_id, territory_ids, enjeux,
                indexed_at, vector)
            SELECT 'organisation', o.id, o.name, b.body, '/organisations/' || o.id || '/',
                (COALESCE(o.last_confirmed_at, o.updated_at) AT TIME ZONE %s)::date,
                'public', o.territory_id, o.id,
                CASE WHEN o.territory_id IS NULL THEN '[]'::jsonb
                     ELSE jsonb_build_array(o.territory_id) END,
                '[]'::jsonb, now(),
                setweight(to_tsvector(%s, o.name), 'A')
                    || setweight(to_tsvector(%s, b.body), 'B')
            FROM directory_organisation o
            CROSS JOIN LATERAL (SELECT concat_ws(E'\n', NULLIF(CASE o.kind {labels} END, ''),
                NULLIF(o.description, '')) AS body) b
            WHERE o.key LIKE %s AND NOT EXISTS (
                SELECT 1 FROM search_searchentry e
                WHERE e.kind = 'organisation' AND e.object_id = o.id)
            """,
            ["Europe/Paris", PG_CONFIG, PG_CONFIG, *params, f"{ORG_KEY}%"],
        )
        written = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO search_searchtag (entry_id, tag)
            SELECT e.id, 't:' || e.scope_territory_id FROM search_searchentry e
            WHERE e.kind = 'organisation' AND e.scope_territory_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM search_searchtag t WHERE t.entry_id = e.id)
            """
        )
    log(f"  {written} organisations générées indexées en SQL")
    return written


def _session(port, role, setup) -> dict:
    if role == "partenaire":
        return login(port, setup["partner"]["email"], setup["partner"]["password"])
    if role == "coordination":
        c = setup["coordinator"]
        return login(port, c["email"], c["password"], c.get("totp_key"))
    return {}


class Clients:
    """USERS keep-alive clients, each with its role's cookies, recording every answer."""

    def __init__(self, port, sessions):
        self.port = port
        self.roles = [role for role, n in ROLES.items() for _ in range(n * USERS // 50)]
        self.sessions = sessions

    def run(self, paths: list[tuple[str, str]], seconds: float) -> dict:
        """Every client goes round `paths` (each from its own offset) for `seconds`:
        {label: {"ms": [...], "errors": [...]}} and the elapsed time."""
        results = {label: {"ms": [], "errors": []} for label, _ in paths}
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def client(i):
            cookies = self.sessions[self.roles[i]]
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            mine = []
            k = i
            while time.perf_counter() < deadline:
                label, path = paths[k % len(paths)]
                k += 1
                started = time.perf_counter()
                try:
                    status, _, _ = request(self.port, path, cookies=cookies, conn=conn)
                    error = None if status == 200 else str(status)
                except (http.client.HTTPException, OSError) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    error = type(exc).__name__
                mine.append((label, (time.perf_counter() - started) * 1000, error))
            conn.close()
            with lock:
                for label, ms, error in mine:
                    results[label]["ms"].append(ms)
                    if error:
                        results[label]["errors"].append(error)

        started = time.perf_counter()
        with ThreadPoolExecutor(len(self.roles)) as pool:
            list(pool.map(client, range(len(self.roles))))
        return {"results": results, "elapsed": time.perf_counter() - started}


def _errors_text(errors) -> str:
    if not errors:
        return "0 erreur"
    return f"{len(errors)} erreur(s) ({', '.join(sorted(set(errors)))})"


def _machine() -> str:
    return f"charge de la machine {fr_number(os.getloadavg()[0])} (1 min, {os.cpu_count()} cœurs)"


def _server(scale, url, var_dir, redis_url) -> Server:
    env = {"DATABASE_URL": url, "LOG_LEVEL": "ERROR"}
    if redis_url:
        env["REDIS_URL"] = f"{redis_url.rsplit('/', 1)[0]}/{REDIS_INDEXES[scale]}"
    return Server(var_dir=var_dir, **env)


def _redis() -> str | None:
    url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/8")
    try:
        import redis

        base = url.rsplit("/", 1)[0]
        for index in REDIS_INDEXES.values():
            redis.Redis.from_url(f"{base}/{index}", socket_connect_timeout=2).flushdb()
    except Exception as exc:
        log(f"  note — Redis injoignable ({type(exc).__name__}) : cache en mémoire par processus")
        return None
    return url


def run() -> list[dict]:
    scales = [1, 10] if os.environ.get("BENCH_LOAD_GROWTH", "1") != "0" else [1]
    setups, urls, dirs = {}, {}, {}
    for scale in scales:
        url = postgres_url(SCALES[scale])
        if url is None:
            return [row("Banc de charge", 0, "", "PostgreSQL joignable", False)]
        urls[scale] = url
        dirs[scale] = Path(DEFAULT_VAR_DIR).parent / f"bench-load-{scale}x"
        os.environ["BENCH_LOAD_SCALE"] = str(scale)
        log(f"  données {scale}× dans {SCALES[scale]}…")
        setups[scale] = run_in_child("bench.bench_load", dirs[scale], url)
    redis_url = _redis()
    setup = setups[1]
    paths = list(setup["paths"].items())
    rows = []
    load_before = _machine()
    with _server(1, urls[1], dirs[1], redis_url) as server:
        sessions = {role: _session(server.port, role, setup) for role in ROLES}
        clients = Clients(server.port, sessions)
        clients.run(paths, 3)  # warm-up: caches, connections
        log(f"  mélange : {USERS} clients, {fr_number(SECONDS, 0)} s, {len(paths)} pages")
        cpu = server.cpu_seconds(), time.process_time()
        mix = clients.run(paths, SECONDS)
        server_cpu, client_cpu = server.cpu_seconds() - cpu[0], time.process_time() - cpu[1]
        load_mix = _machine()
        all_ms, all_errors = [], []
        for label, path in paths:
            r = mix["results"][label]
            all_ms += r["ms"]
            all_errors += r["errors"]
            p95 = percentile(r["ms"], 95)
            rate = len(r["ms"]) / mix["elapsed"]
            detail = (
                f"{path} · {fr_number(len(r['ms']), 0)} requêtes · {_errors_text(r['errors'])} · "
                f"p50 {fr_number(percentile(r['ms'], 50))} ms · {fr_number(rate)} req/s dans "
                "le mélange"
            )
            log(f"  {label} : p95 {fr_number(p95)} ms, {detail}")
            rows.append(
                row(
                    f"Charge, {label} : p95",
                    p95,
                    "ms",
                    f"< {fr_number(P95_MS, 0)} ms, 0 erreur",
                    p95 < P95_MS and not r["errors"],
                    detail,
                )
            )
        total_rate = len(all_ms) / mix["elapsed"]
        rows.append(
            row(
                f"Charge, toutes pages ({USERS} utilisateurs, {fr_number(SECONDS, 0)} s) : p95",
                percentile(all_ms, 95),
                "ms",
                f"< {fr_number(P95_MS, 0)} ms",
                percentile(all_ms, 95) < P95_MS,
                f"{fr_number(len(all_ms), 0)} requêtes, {fr_number(total_rate)} req/s, "
                f"{_errors_text(all_errors)} ; 20 anonymes, 15 partenaires, 15 coordination "
                f"(une session par rôle) ; gunicorn 2 × 4 fils, PostgreSQL, "
                f"{'Redis' if redis_url else 'cache en mémoire'} ; processeur : gunicorn "
                f"{fr_number(server_cpu)} s ({fr_number(server_cpu * 1000 / max(1, len(all_ms)))}"
                f" ms par requête), les 50 clients {fr_number(client_cpu)} s, en "
                f"{fr_number(mix['elapsed'])} s ; {load_before} avant, {load_mix} après",
            )
        )
        rows.append(row("Charge : réponses en erreur", len(all_errors), "", "0", not all_errors))

        # 2. each page alone, beside the minimal view
        rates = {}
        for label, path in [MINIMAL, *paths]:
            clients.run([(label, path)], 1)
            before = server.cpu_seconds()
            alone = clients.run([(label, path)], PAGE_SECONDS)
            r = alone["results"][label]
            cpu_ms = (server.cpu_seconds() - before) * 1000 / max(1, len(r["ms"]))
            rates[label] = (
                len(r["ms"]) / alone["elapsed"],
                percentile(r["ms"], 95),
                r["errors"],
                cpu_ms,
            )
        minimal_rate = rates[MINIMAL[0]][0]
        rows.append(
            row(
                "Débit de la vue minimale (référence)",
                minimal_rate,
                "req/s",
                "mesuré",
                not rates[MINIMAL[0]][2],
                f"{USERS} clients, {fr_number(PAGE_SECONDS, 0)} s, p95 "
                f"{fr_number(rates[MINIMAL[0]][1])} ms, {fr_number(rates[MINIMAL[0]][3])} ms de "
                f"processeur de gunicorn par requête ; {_machine()}",
            )
        )
        for label, _ in paths:
            rate, p95, errors, cpu_ms = rates[label]
            share = rate / minimal_rate if minimal_rate else 0.0
            goal = label in LIST_PAGES
            rows.append(
                row(
                    f"Débit seule, {label} : part de la vue minimale",
                    round(share * 100, 1),
                    "%",
                    "≥ 25 %" if goal else "(indicatif)",
                    (share >= SHARE_GOAL or not goal) and not errors,
                    f"{fr_number(rate)} req/s contre {fr_number(minimal_rate)} ; p95 "
                    f"{fr_number(p95)} ms ; {fr_number(cpu_ms)} ms de processeur de gunicorn "
                    f"par requête ; {_errors_text(errors)}",
                )
            )
        if 10 in setups:
            rows += _growth(server, sessions, setup, setups[10], urls[10], dirs[10], redis_url)
    return rows


def _growth(small, small_sessions, setup, big_setup, url, var_dir, redis_url) -> list[dict]:
    """One client alternating a request on 1× and on 10×, page by page and role by role."""
    rows = []
    with _server(10, url, var_dir, redis_url) as big:
        big_sessions = {role: _session(big.port, role, big_setup) for role in ROLES}
        servers = [(small, small_sessions, setup), (big, big_sessions, big_setup)]
        log(
            f"  croissance : 1× ({setup['organisations']} organisations) et 10× "
            f"({big_setup['organisations']}), {GROWTH_REQUESTS} requêtes par page et par taille"
        )
        for label in setup["paths"]:
            if label not in big_setup["paths"]:
                continue
            ms = {0: [], 1: []}
            errors = []
            conns = [
                http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for s, _, _ in servers
            ]
            for i in range(GROWTH_REQUESTS + 3):
                role = list(ROLES)[i % len(ROLES)]
                for k, (server, sessions, data) in enumerate(servers):
                    started = time.perf_counter()
                    status, _, _ = request(
                        server.port, data["paths"][label], cookies=sessions[role], conn=conns[k]
                    )
                    if i >= 3:  # three rounds of warm-up
                        ms[k].append((time.perf_counter() - started) * 1000)
                        if status != 200:
                            errors.append(str(status))
            for conn in conns:
                conn.close()
            p1, p10 = percentile(ms[0], 95), percentile(ms[1], 95)
            ratio = p10 / p1 if p1 else 0.0
            detail = (
                f"p95 {fr_number(p1)} ms à 1×, {fr_number(p10)} ms à 10× ; {_errors_text(errors)}"
            )
            log(f"  {label} : ×{fr_number(ratio, 2)} ({detail})")
            rows.append(
                row(
                    f"Croissance 1× → 10×, {label} : p95 multiplié par",
                    round(ratio, 2),
                    "",
                    "≤ 1,5",
                    ratio <= GROWTH_GOAL and not errors,
                    detail,
                )
            )
        rows.append(
            row("Croissance : machine", os.getloadavg()[0], "", "(indicatif)", True, _machine())
        )
    return rows


if __name__ == "__main__":
    from bench import configure

    configure()
    result = prepare()
    print(json.dumps(result))
