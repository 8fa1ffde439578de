"""The public deposit form under load: 50 residents submit ideas at once for 60 s,
against the production set-up (gunicorn with the Dockerfile's 3 workers × 4 threads,
`CDVS_ENV=production`, PostgreSQL, Redis for the cache that holds the rate limits).

Each simulated submitter is a thread with its own source address (its client socket
bound to 127.0.0.2 … 127.0.0.51: Linux routes all of 127/8 to the loopback) and a new
e-mail address for each idea; the app reads the client's address from REMOTE_ADDR
(`CDVS_TRUSTED_PROXIES=0`: no proxy in front, nothing taken from X-Forwarded-For), so
the real limits apply as they stand (`participation.services`: 5 deposits per e-mail
address and 20 per client address each hour). A submitter GETs the form (CSRF cookie
and token), POSTs a valid idea (a point in Armentières, « Utiliser ma position »), then
waits so that it starts one deposit every 3 s: 20 in the minute, the limit of its
address — none of them may be refused.

Counted: requests, errors (any 5xx, a network error or an unexpected answer: neither
the « idée reçue » page nor the limit's page), deposits answered « idée reçue » against
the ideas found in the database, p95 of the GET and of the POST. Then a burst from one
address (127.0.0.52, 25 deposits with 25 e-mail addresses, no pause): the first 20 are
received, the next ones refused by the limit with its French message, nothing saved.

Generated: the territories (`load_territories`), one open campaign « [banc d'essai]
Budget participatif (charge) » on Armentières; every idea of a run has an e-mail
address under banc.cdvs.invalid with the run's id. Needs PostgreSQL (BENCH_POSTGRES,
database `cdvs_resident_bench`) and Redis (BENCH_LOAD_REDIS, default
redis://127.0.0.1:6379/9: that index is emptied first). Environment:
BENCH_LOAD_SUBMITTERS (50), BENCH_LOAD_SECONDS (60), BENCH_LOAD_INTERVAL (3.0 s).
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import BASE_DIR, DEFAULT_VAR_DIR, fr_number, log, percentile, postgres_url
from bench.bench_pages import free_port, set_cookies
from bench.bench_scaleout import _manage, _wait, production_env
from cdvs.participation.services import DEPOSITS_PER_IP

DATABASE = "cdvs_resident_bench"
SUBMITTERS = int(os.environ.get("BENCH_LOAD_SUBMITTERS", "50"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
INTERVAL = float(os.environ.get("BENCH_LOAD_INTERVAL", "3.0"))
BURST = 25
CAMPAIGN = "[banc d'essai] Budget participatif (charge)"
RECEIVED = "Merci, votre idée est reçue".encode()
# (the apostrophe of « Trop d'idées » is escaped in the page)
LIMITED = "ont été déposées depuis cette adresse en peu de temps".encode()
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# a point inside Armentières (its town hall square)
POINT = ("50.6877", "2.8805")

SETUP = """
import io, json
from datetime import date, timedelta
from django.core.management import call_command
from django.utils import timezone
from cdvs.participation.models import Campaign
from cdvs.territories.models import Territory
if not Territory.objects.filter(kind="commune", code="59017").exists():
    call_command("load_territories", verbosity=0, stdout=io.StringIO())
from django_tasks_db.models import DBTaskResult
DBTaskResult.objects.all().delete()
today = timezone.localdate()
campaign, _ = Campaign.objects.update_or_create(
    name=NAME,
    defaults=dict(territory=Territory.objects.get(kind="commune", code="59017"),
                  deposit_opens_on=today - timedelta(1), deposit_closes_on=today + timedelta(30),
                  ends_on=today + timedelta(60)),
)
print(json.dumps({"campaign": campaign.pk}))
"""


class Submitter:
    """One resident's browser: a keep-alive connection from its own address."""

    def __init__(self, port, source, run_id, number):
        self.port, self.source, self.run_id, self.number = port, source, run_id, number
        self.conn = None
        self.cookies = {}
        self.sent = 0

    def _request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
                )
            all_headers = {"X-Forwarded-Proto": "https", "Accept": "text/html", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: open a new one, once
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            set_cookies(response.headers, self.cookies)
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, content
        raise AssertionError("unreachable")

    def deposit(self, path) -> dict:
        """GET the form then POST one idea; what happened, with the two durations."""
        started = time.perf_counter()
        status, body = self._request("GET", path)
        got = time.perf_counter()
        token = TOKEN.search(body) if status == 200 else None
        if token is None:
            return {"get_ms": (got - started) * 1000, "outcome": "error",
                    "detail": f"GET {status}"}  # fmt: skip
        self.sent += 1
        form = urlencode({
            "csrfmiddlewaretoken": token.group(1).decode(),
            "title": f"Idée de charge {self.number}-{self.sent}",
            "text": "Deux bancs et un arbre devant l'école, pour attendre à l'ombre.",
            "adresse": "", "lat": POINT[0], "lon": POINT[1],
            "carriers_residence": "qpv", "helped_by": "", "site_web": "",
            "email": f"habitant-{self.run_id}-{self.number}-{self.sent}@banc.cdvs.invalid",
        })  # fmt: skip
        origin = f"https://127.0.0.1:{self.port}"
        status, body = self._request(
            "POST", path, form,
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
             "Referer": origin + path},
        )  # fmt: skip
        done = time.perf_counter()
        if status == 200 and RECEIVED in body:
            outcome = "received"
        elif status == 200 and LIMITED in body:
            outcome = "limited"
        else:
            outcome = "error"
        return {"get_ms": (got - started) * 1000, "post_ms": (done - got) * 1000,
                "outcome": outcome, "detail": f"POST {status}"}  # fmt: skip


def _load(port, path, run_id) -> list[dict]:
    results, lock = [], threading.Lock()
    deadline = time.monotonic() + SECONDS
    start = threading.Barrier(SUBMITTERS)

    def work(number):
        submitter = Submitter(port, f"127.0.0.{number + 2}", run_id, number)
        with contextlib.suppress(OSError):  # untimed: opens the connection, warms up
            submitter._request("GET", path)
        start.wait()
        while time.monotonic() < deadline:
            began = time.monotonic()
            try:
                result = submitter.deposit(path)
            except OSError as exc:
                result = {"outcome": "error", "detail": type(exc).__name__}
            with lock:
                results.append(result)
            pause = INTERVAL - (time.monotonic() - began)
            if pause > 0:
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _count(url, run_id) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM participation_idea WHERE email LIKE %s",
            [f"habitant-{run_id}-%"],
        ).fetchone()[0]


def _row(name, value, unit, target, ok, detail):
    log(f"  {'✓' if ok else '✗'} {name} : {fr_number(value)} {unit} — {detail}")
    return {"name": name, "value": float(value), "unit": unit, "target": target,
            "ok": bool(ok), "detail": detail}  # fmt: skip


def run() -> list[dict]:
    url = postgres_url(DATABASE)
    if url is None:
        return [_row("Dépôt d'idées sous charge", 0, "", "PostgreSQL", False,
                     "PostgreSQL injoignable : mesure sautée")]  # fmt: skip
    redis_url = os.environ.get("BENCH_LOAD_REDIS", "redis://127.0.0.1:6379/9")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    var_dir = Path(DEFAULT_VAR_DIR).parent / "bench-participation-load"
    var_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # no proxy in front: the client's address is REMOTE_ADDR, as the limits read it
    env = production_env(var_dir, url, redis_url, CDVS_TRUSTED_PROXIES="0")
    setup = SETUP.replace("NAME", repr(CAMPAIGN))
    campaign = json.loads(_manage(env, "shell", stdin=setup).strip().splitlines()[-1])["campaign"]
    log(f"  base prête en {time.perf_counter() - started:.0f} s (migrations, territoires)")
    from django.urls import reverse

    path = reverse("participation:deposit", args=[campaign])
    port = free_port()
    handle = (var_dir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cdvs.wsgi", "--workers", "3", "--threads", "4",
         "--bind", f"127.0.0.1:{port}"],
        cwd=BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    rows = []
    try:
        _wait(port)
        run_id = secrets.token_hex(4)
        results = _load(port, path, run_id)
        received = sum(r["outcome"] == "received" for r in results)
        limited = sum(r["outcome"] == "limited" for r in results)
        errors = [r for r in results if r["outcome"] == "error"]
        requests = sum(("get_ms" in r) + ("post_ms" in r) for r in results)
        saved = _count(url, run_id)
        gets = [r["get_ms"] for r in results if "get_ms" in r]
        posts = [r["post_ms"] for r in results if "post_ms" in r]
        kinds = sorted({r["detail"] for r in errors})
        detail = (
            f"{fr_number(requests, 0)} requêtes en {fr_number(SECONDS, 0)} s "
            f"({fr_number(requests / SECONDS)} par seconde), {fr_number(received, 0)} idées "
            f"reçues, {fr_number(saved, 0)} en base, {fr_number(limited, 0)} refusées par la "
            f"limite, erreurs : {', '.join(kinds) or 'aucune'} — gunicorn 3 × 4, "
            f"PostgreSQL, Redis — charge de la machine {fr_number(os.getloadavg()[0], 2)}"
        )
        rows.append(_row(
            f"Dépôt d'idées : {SUBMITTERS} personnes pendant {fr_number(SECONDS, 0)} s, erreurs",
            len(errors), "erreurs", "0 erreur, idées en base = idées reçues",
            not errors and saved == received and limited == 0 and received > 0, detail,
        ))  # fmt: skip
        rows.append(_row(
            "Dépôt d'idées sous charge : p95 de l'envoi (POST)", percentile(posts, 95), "ms",
            "mesure", True,
            f"médiane {fr_number(percentile(posts, 50))} ms ; affichage du formulaire (GET) "
            f"p95 {fr_number(percentile(gets, 95))} ms, médiane "
            f"{fr_number(percentile(gets, 50))} ms (référence dans la même charge)",
        ))  # fmt: skip
        rows.append(_burst(port, path, url))
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        handle.close()
    return rows


def _burst(port, path, url) -> dict:
    """25 deposits from one address, no pause, each with its own e-mail address."""
    run_id = "rafale" + secrets.token_hex(3)
    submitter = Submitter(port, "127.0.0.52", run_id, 0)
    outcomes = [submitter.deposit(path)["outcome"] for _ in range(BURST)]
    received = outcomes.count("received")
    limited = outcomes.count("limited")
    saved = _count(url, run_id)
    ok = (
        received == DEPOSITS_PER_IP
        and limited == BURST - DEPOSITS_PER_IP
        and saved == DEPOSITS_PER_IP
        and outcomes[:DEPOSITS_PER_IP] == ["received"] * DEPOSITS_PER_IP
    )
    return _row(
        f"Rafale de {BURST} dépôts depuis une seule adresse IP : refusés par la limite",
        limited, "refus", f"{BURST - DEPOSITS_PER_IP} refus (limite : {DEPOSITS_PER_IP} par heure)",
        ok,
        f"{received} reçues, {limited} refusées avec le message « Trop d'idées ont été "
        f"déposées depuis cette adresse… », {saved} en base, autres réponses : "
        f"{len(outcomes) - received - limited}",
    )  # fmt: skip
