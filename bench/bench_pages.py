"""Response times of the main pages under concurrent load, served as in production.

Starts gunicorn (2 workers x 4 threads) on a free port of 127.0.0.1 with the
production settings (DEBUG off, whitenoise with the collected static files, a fresh
SECRET_KEY, SECURE_SSL_REDIRECT=0 and requests marked `X-Forwarded-Proto: https`, as
behind the TLS proxy) on the bench database (bench/data.py), then sends a bounded
number of GET requests per page from concurrent clients and reports p50/p95.

Pages: every URL name without arguments that answers 200 to an anonymous visitor
(found in the URL resolver; the admin is left out), detail pages picked from the
database (a commune, a QPV, an enjeu), and a few pages seen by a logged-in
coordinator (logged in through the login form, with its CSRF token).

Environment: BENCH_REQUESTS (per page, 400), BENCH_CONCURRENCY (4),
BENCH_P95_MS (the bar, 150), BENCH_PAGE_SECONDS (time budget of one page, 60: a
page slower than that is stopped early and reported with the count reached).
"""

import html
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import BASE_DIR, fr_number, percentile

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
P95_MS = float(os.environ.get("BENCH_P95_MS", "150"))
PAGE_SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "60"))
SLOW_SECONDS = 2.0
PROBE_TIMEOUT = 180
TIMEOUT = 60
WARMUP = 20
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"accounts:logout"}  # POST only
TITLE_SUFFIX = re.compile(r"\s*[—-]\s*Contrat de ville et des solidarités\s*$")


@dataclass
class Page:
    label: str
    path: str
    cookies: dict = field(default_factory=dict)
    probe_ms: float = 0.0  # the first request, alone


class Server:
    """gunicorn serving the project with production settings on the bench database."""

    def __init__(self, var_dir=None, **env):
        """`var_dir` (default: the bench process's own) holds the static files and the
        log; `env` adds to or overrides the environment (DATABASE_URL, REDIS_URL…)."""
        from django.conf import settings

        self.port = free_port()
        self.var_dir = Path(var_dir or settings.VAR_DIR)
        self.env = {
            **os.environ,
            "CDVS_ENV": "production",
            "CDVS_DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "CDVS_VAR_DIR": str(self.var_dir),
            **env,
        }
        self.process = None
        self.log_path = self.var_dir / "gunicorn.log"

    def __enter__(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=BASE_DIR,
            env=self.env,
            check=True,
        )
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cdvs.wsgi",
                "-w",
                "2",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{self.port}",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté :\n{self.log_tail()}")
            try:
                # a web process: its database and cache (no worker in the bench)
                status, _, _ = request(self.port, "/sante/?portee=web")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ne répond pas au bout de 30 s :\n{self.log_tail()}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def pids(self) -> list[int]:
        """The master and its workers (Linux /proc)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        return pids

    def cpu_seconds(self) -> float:
        """Processor time used so far by the master and its workers (user + system)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            stat = Path(f"/proc/{pid}/stat")
            if stat.exists():
                fields = stat.read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def memory_mb(self) -> float:
        """Resident memory of the master and its workers (Linux /proc), in MiB."""
        total_kb = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        return total_kb / 1024

    def log_tail(self, lines=30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text().splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _headers(cookies: dict | None = None, **extra) -> dict:
    headers = {"X-Forwarded-Proto": "https", "Accept": "text/html,*/*", **extra}
    if cookies:
        # production cookies are Secure: sent by hand, as the TLS proxy would let them through
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return headers


def request(
    port, path, method="GET", body=None, cookies=None, headers=None, conn=None, timeout=TIMEOUT
):
    """One request; returns (status, headers as a message, body)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={**_headers(cookies), **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        if own:
            conn.close()


def set_cookies(headers, cookies: dict) -> dict:
    for raw in headers.get_all("Set-Cookie") or []:
        parsed = SimpleCookie()
        parsed.load(raw)
        cookies.update({name: morsel.value for name, morsel in parsed.items()})
    return cookies


def url_names() -> list[str]:
    """Every named URL pattern, with its namespaces; the admin is left out."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                if ns in SKIPPED_NAMESPACES:
                    continue
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.append(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, "")
    return names


def anonymous_candidates() -> list[tuple[str, str]]:
    """(URL name, path) of every URL name that takes no argument."""
    from django.urls import reverse
    from django.urls.exceptions import NoReverseMatch

    found, seen = [], set()
    for name in url_names():
        if name in SKIPPED_NAMES:
            continue
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue  # needs arguments
        if path not in seen:
            seen.add(path)
            found.append((name, path))
    return found


def detail_pages() -> list[tuple[str, str]]:
    """(label, path) of a few detail pages picked from the bench database."""
    from django.urls import reverse

    from cdvs.contract.models import Enjeu
    from cdvs.territories.models import Kind, Territory

    found = []
    commune = (
        Territory.objects.filter(kind=Kind.COMMUNE, name__iexact="Armentières").first()
        or Territory.objects.filter(kind=Kind.COMMUNE).order_by("code").first()
    )
    qpv = (
        Territory.objects.filter(kind=Kind.QPV).exclude(geometry="").order_by("code").first()
        or Territory.objects.filter(kind=Kind.QPV).order_by("code").first()
    )
    for label, territory in (("Fiche commune", commune), ("Fiche QPV", qpv)):
        if territory:
            path = reverse("territories:detail", args=[territory.kind, territory.code])
            found.append((f"{label} {territory.name}", path))
    enjeu = Enjeu.objects.order_by("contract_id", "number").first()
    if enjeu:
        found.append((f"Enjeu {enjeu.number}", reverse("contract:enjeu", args=[enjeu.pk])))
    if "directory:detail" in url_names():
        from bench.data import ORG_KEY
        from cdvs.directory.models import Organisation

        org = Organisation.objects.filter(key__startswith=ORG_KEY).order_by("key").first()
        if org:
            found.append(("Fiche organisation", reverse("directory:detail", args=[org.pk])))
    return found


def page_label(name: str, headers, body: bytes) -> str:
    """The page's <title> (without the site name), else the URL name."""
    content_type = headers.get("Content-Type", "")
    if "html" in content_type:
        match = re.search(rb"<title>(.*?)</title>", body, re.S)
        if match:
            title = html.unescape(match.group(1).decode("utf-8", "replace"))
            return re.sub(r"\s+", " ", TITLE_SUFFIX.sub("", title.strip()))
    if "json" in content_type:
        return f"JSON {name}"
    return name


def probe(port, path, cookies=None):
    """One request alone: (status, headers, body, milliseconds); status None on timeout."""
    started = time.perf_counter()
    try:
        status, headers, body = request(port, path, cookies=cookies, timeout=PROBE_TIMEOUT)
    except TimeoutError:
        return None, None, b"", (time.perf_counter() - started) * 1000
    return status, headers, body, (time.perf_counter() - started) * 1000


def discover(port) -> tuple[list[Page], list[str]]:
    pages, notes = [], []
    candidates = [(name, path, None) for name, path in anonymous_candidates()]
    candidates += [(None, path, label) for label, path in detail_pages()]
    for name, path, label in candidates:
        status, headers, body, ms = probe(port, path)
        if status is None:
            pages.append(Page(f"{label or name} ({path})", path, probe_ms=ms))
            drain(port)
        elif status == 200:
            label = label or page_label(name, headers, body)
            pages.append(Page(f"{label} ({path})", path, probe_ms=ms))
        else:
            notes.append(f"{path} : {status}, non mesurée")
    return pages, notes


def login(port, email, password, totp_key=None) -> dict:
    """Logs in through the login form; returns the session cookies."""
    from django.urls import reverse

    path = reverse("accounts:login")
    status, headers, body = request(port, path)
    if status != 200:
        raise RuntimeError(f"page de connexion : {status}")
    cookies = set_cookies(headers, {})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not token:
        raise RuntimeError("jeton CSRF absent du formulaire de connexion")
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": email, "password": password}
    )
    status, headers, body = request(
        port,
        path,
        method="POST",
        body=form,
        cookies=cookies,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}{path}",
        },
    )
    set_cookies(headers, cookies)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"connexion refusée (statut {status})")
    if totp_key:
        second_factor(port, cookies, totp_key)
    return cookies


def second_factor(port, cookies, totp_key) -> None:
    """The code step every coordinator passes after the password (TOTP of the bench's
    authenticator, bench/data.py)."""
    from django.urls import reverse
    from django_otp.oath import TOTP  # lazy: bench only

    path = reverse("accounts:two_factor")
    status, headers, body = request(port, path, cookies=cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise RuntimeError(f"page du code : {status}")
    set_cookies(headers, cookies)
    code = TOTP(bytes.fromhex(totp_key), step=30, t0=0, digits=6).token()
    form = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "code": f"{code:06d}"})
    status, headers, _ = request(
        port,
        path,
        method="POST",
        body=form,
        cookies=cookies,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}{path}",
        },
    )
    set_cookies(headers, cookies)
    if status != 302:
        raise RuntimeError(f"code refusé (statut {status})")


def coordinator_pages(port, credentials) -> list[Page]:
    from django.urls import reverse

    cookies = login(
        port, credentials["email"], credentials["password"], credentials.get("totp_key")
    )
    paths = [
        ("Accueil", reverse("home")),
        ("Mon compte", reverse("accounts:account")),
        ("Contrat", reverse("contract:index")),
    ]
    names = url_names()
    if "accounts:invitations" in names:
        paths.append(("Invitations", reverse("accounts:invitations")))
        suggestions = reverse("accounts:invitation_organisations") + "?q=asso"
        paths.append(("Suggestions d'organisations", suggestions))
    if "directory:members" in names:
        from bench.data import COORDINATOR_ORG_KEY
        from cdvs.directory.models import Organisation

        org = Organisation.objects.get(key=COORDINATOR_ORG_KEY)
        paths.append(("Membres de son organisation", reverse("directory:members", args=[org.pk])))
    paths += detail_pages()[:1]
    pages = []
    for label, path in paths:
        status, _, _, ms = probe(port, path, cookies)
        if status == 200:
            pages.append(Page(f"Coordination — {label} ({path})", path, cookies, ms))
        else:
            print(f"  note — coordination {path} : {status}, non mesurée")
    return pages


def load(port, page: Page, total: int, concurrency: int) -> dict:
    """`total` GET requests on one page from `concurrency` clients (keep-alive), within
    the time budget. A page slower than SLOW_SECONDS on its own is only measured alone
    (a few sequential requests): loading it would just jam the server."""
    if page.probe_ms > SLOW_SECONDS * 1000:
        return alone(port, page)
    for _ in range(WARMUP):
        started = time.perf_counter()
        try:
            request(port, page.path, cookies=page.cookies)
        except (http.client.HTTPException, OSError):
            return alone(port, page)
        if time.perf_counter() - started > SLOW_SECONDS:
            return alone(port, page)
    deadline = time.perf_counter() + PAGE_SECONDS
    timings: list[float] = []
    errors = []
    attempts = []
    lock = threading.Lock()
    shares = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]

    def client(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        mine, failed, tried = [], [], 0
        try:
            for _ in range(count):
                started = time.perf_counter()
                if started > deadline:
                    break
                tried += 1
                try:
                    status, _, _ = request(port, page.path, cookies=page.cookies, conn=conn)
                except (http.client.HTTPException, OSError) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                    failed.append(type(exc).__name__)
                    continue
                mine.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    failed.append(str(status))
        finally:
            conn.close()
        with lock:
            timings.extend(mine)
            errors.extend(failed)
            attempts.append(tried)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, shares))
    elapsed = time.perf_counter() - started
    return {
        "timings": timings,
        "errors": errors,
        "rate": len(timings) / elapsed if elapsed else 0.0,
        "stopped": sum(attempts) < total,
        "alone": False,
    }


def alone(port, page: Page) -> dict:
    """A few sequential requests within the time budget, the first one being the probe;
    a timeout counts as an error and ends the measure."""
    timings = [page.probe_ms] if page.probe_ms <= PROBE_TIMEOUT * 1000 * 0.99 else []
    errors = [] if timings else ["délai dépassé"]
    deadline = time.perf_counter() + PAGE_SECONDS
    while timings and len(timings) < 5 and time.perf_counter() + timings[-1] / 1000 < deadline:
        status, _, _, ms = probe(port, page.path, page.cookies)
        if status is None:
            errors.append("délai dépassé")
            break
        timings.append(ms)
        if status != 200:
            errors.append(str(status))
    return {"timings": timings, "errors": errors, "stopped": True, "alone": True, "rate": 0}


def drain(port, budget=180.0) -> None:
    """Waits until the server answers its health check quickly again (the requests a
    client gave up on keep running server-side)."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            request(port, "/sante/")
        except (http.client.HTTPException, OSError):
            continue
        if time.perf_counter() - started < 0.5:
            return
        time.sleep(1)


def row(name, value, unit, target, ok, detail=None) -> dict:
    result = {"name": name, "value": float(value), "unit": unit, "target": target, "ok": ok}
    if detail:
        result["detail"] = detail
    return result


def run() -> list[dict]:
    from django.db import connections

    from bench import data

    summary = data.ensure()
    connections.close_all()
    bar = f"p95 < {fr_number(P95_MS, 0)} ms"
    rows = [
        row(
            "Organisations en base",
            summary["organisations"],
            "",
            f"≥ {fr_number(data.ORGANISATIONS, 0)}",
            summary["organisations"] >= data.ORGANISATIONS,
            " ".join("; ".join(summary["notes"]).split()) or None,
        )
    ]
    load_before = os.getloadavg()[0]
    with Server() as server:
        pages, notes = discover(server.port)
        for note in notes:
            print(f"  note — {note}")
        try:
            pages += coordinator_pages(server.port, summary["credentials"])
        except RuntimeError as exc:
            rows.append(row("Connexion du coordinateur", 0, "", "réussie", False, str(exc)))
        print(
            f"  {len(pages)} pages, {REQUESTS} requêtes chacune, {CONCURRENCY} clients "
            f"simultanés, gunicorn 2 processus x 4 fils sur le port {server.port}"
        )
        everything, all_errors, total_time, measured = [], [], 0.0, 0
        for page in pages:
            result = load(server.port, page, REQUESTS, CONCURRENCY)
            timings = result["timings"]
            p50, p95 = percentile(timings, 50), percentile(timings, 95)
            everything += timings
            all_errors += result["errors"]
            count = fr_number(len(timings), 0)
            if result["alone"]:
                detail = (
                    f"p50 {fr_number(p50)} ms · trop lente pour la charge : {count} "
                    f"requête(s) seule(s), sans client simultané"
                )
                drain(server.port)
            else:
                measured += len(timings)
                total_time += len(timings) / result["rate"] if result["rate"] else 0
                detail = (
                    f"p50 {fr_number(p50)} ms · {count} requêtes · "
                    f"{fr_number(result['rate'], 0)} req/s"
                )
                if result["stopped"]:
                    detail += (
                        f" · arrêtée au bout de {fr_number(PAGE_SECONDS, 0)} s "
                        f"({fr_number(REQUESTS, 0)} requêtes prévues)"
                    )
                    drain(server.port)
            if result["errors"]:
                kinds = ", ".join(sorted(set(result["errors"])))
                detail += f" · {len(result['errors'])} erreur(s) ({kinds})"
            print(f"  {page.label} : p95 {fr_number(p95)} ms, {detail}", flush=True)
            rows.append(
                row(
                    f"{page.label} : p95",
                    p95,
                    "ms",
                    bar,
                    p95 < P95_MS and not result["errors"] and not result["stopped"],
                    detail,
                )
            )
        memory_mb = server.memory_mb()
    rows += [
        row("Toutes les pages : p50", percentile(everything, 50), "ms", "(indicatif)", True),
        row(
            "Toutes les pages : p95",
            percentile(everything, 95),
            "ms",
            bar,
            percentile(everything, 95) < P95_MS,
        ),
        row(
            "Débit moyen",
            measured / total_time if total_time else 0.0,
            "req/s",
            "(indicatif)",
            True,
            f"{os.cpu_count()} processeur(s) partagés par le serveur et les clients ; "
            f"charge moyenne de la machine {fr_number(load_before)} avant, "
            f"{fr_number(os.getloadavg()[0])} après (sur 1 min)",
        ),
        row(
            "Mémoire des processus gunicorn",
            memory_mb,
            "Mio",
            "(indicatif)",
            True,
            "maître et 2 processus, mémoire résidente en fin de mesure",
        ),
        row("Réponses en erreur", len(all_errors), "", "0", not all_errors),
    ]
    return rows
