"""Benchmarks of cdvs (`make bench`, or `python -m bench [name ...]`).

Each module `bench/bench_<name>.py` exposes `run() -> list[dict]`; every dict is one
figure with the keys `name` (French label), `value` (float), `unit`, `target` (the
bar, as text) and `ok` (bool); an optional `detail` (French text) is printed under it.

`python -m bench` sets the environment up before importing any module: the bench
works in its own folder (`CDVS_VAR_DIR`, `var/bench` by default) so the development
database is never touched, and Django is configured, so a module may import models
at the top. `bench.data.ensure()` builds the bench-scale data once (see bench/data.py).
"""

import math
import os
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = BASE_DIR / "var" / "bench"


def configure() -> None:
    """Point the settings at the bench folder and set Django up (idempotent)."""
    os.environ.setdefault("CDVS_VAR_DIR", str(DEFAULT_VAR_DIR))
    # the bench process itself runs without DEBUG: no query log growing in memory
    os.environ.setdefault("CDVS_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(call, cases, requests, *, warmup=1, cpu=None, check=None) -> list[float]:
    """The benchmarks' one timer: the wall-clock milliseconds of `requests` calls
    `call(*case)`, going round `cases`, after `warmup` untimed calls of each case.
    With a list `cpu`, the CPU milliseconds of this process per call are appended to
    it (the machine is shared: under load the wall clock also counts the wait for a
    core); `check(case, result)` runs after each call, outside the time measured."""
    for case in cases:
        for _ in range(warmup):
            call(*case)
    times = []
    for i in range(requests):
        case = cases[i % len(cases)]
        started, cpu_started = time.perf_counter(), time.process_time()
        result = call(*case)
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
        if check is not None:
            check(case, result)
    return times


def timed_pages(client, urls, requests, *, warmup=2, cpu=None) -> list[float]:
    """`timed` for pages fetched with GET by a test client; each must answer 200."""

    def ok(case, response):
        assert response.status_code == 200, (case[0], response.status_code)

    cases = [(url,) for url in urls]
    return timed(client.get, cases, requests, warmup=warmup, cpu=cpu, check=ok)


def fr_number(value: float, decimals: int = 1) -> str:
    """`1234.5` -> `1 234,5` (French typography, narrow no-break space)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def postgres_url(database: str) -> str | None:
    """The URL of `database` on the benchmarks' PostgreSQL server, created when missing;
    None (with a note) when no server answers. The server is BENCH_POSTGRES
    (default: the local one, postgres://postgres@127.0.0.1:5432/postgres); set
    BENCH_POSTGRES=off to measure on SQLite only."""
    from urllib.parse import urlsplit, urlunsplit

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    if server in ("", "off", "0"):
        return None
    try:
        import psycopg

        with psycopg.connect(server, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{database}"')
    except Exception as exc:  # no server, no rights: the SQLite figures still come
        log(f"  note — PostgreSQL injoignable ({type(exc).__name__}) : mesure sautée")
        return None
    return urlunsplit(urlsplit(server)._replace(path=f"/{database}"))


def run_in_child(module: str, var_dir: Path, database_url: str | None = None) -> list[dict]:
    """Run `python -m module` on its own database (SQLite under `var_dir`, or
    `database_url`) and return the figures it prints as JSON on its last line; its log
    goes to stderr."""
    import json
    import subprocess
    import sys

    env = dict(os.environ, CDVS_VAR_DIR=str(var_dir), CDVS_DEBUG="0", CDVS_ENV="development")
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    var_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", module],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    for line in done.stderr.splitlines():
        print(line)
    return json.loads(done.stdout.strip().splitlines()[-1])


def database_vendor() -> str:
    """« SQLite » or « PostgreSQL »: the database the current process measures."""
    from django.db import connection

    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"


def log(text: str) -> None:
    """Progress of a child bench process (stderr, so stdout keeps only the figures)."""
    import sys

    print(text, file=sys.stderr, flush=True)


def log_in(client, user) -> None:
    """A signed-in session as a person reaches it after their second factor (what is
    measured is the page, not the two-factor step every coordinator passes first)."""
    from cdvs.accounts.sessions import DONE, KEY_TWO_FACTOR  # lazy: Django set up by then

    client.force_login(user)
    session = client.session
    session[KEY_TWO_FACTOR] = DONE
    session.save()
