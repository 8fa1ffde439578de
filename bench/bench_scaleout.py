"""The production topology on one machine, without containers: two gunicorn processes on
two ports sharing one PostgreSQL database, one Redis (cache and sessions) and one files
folder, as `deploy/compose.yaml` runs them behind the reverse proxy.

What is checked, each printed:
- a session opened on A is the same on B (logged in on both);
- the cache is shared: the password-reset limit per address (3 an hour, counted in the
  cache) holds across both processes — 2 requests on A and 2 on B queue 3 emails;
- a document uploaded on A is listed and downloaded, byte for byte, on B;
- drill « database restarted during traffic »: the processes reach PostgreSQL through a
  small TCP relay of this bench; the relay is stopped (every connection cut) → both
  answer the French 503 page; started again → both answer 200 without any restart;
  their connections killed by `pg_terminate_backend` → the next request reconnects.

Needs PostgreSQL (BENCH_POSTGRES, see bench.postgres_url; database
`cdvs_bench_scaleout`, never `test`) and Redis (BENCH_REDIS, default
redis://127.0.0.1:6379/7: that index is emptied first).
"""

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import BASE_DIR, DEFAULT_VAR_DIR, log, postgres_url
from bench.bench_pages import free_port, login, request, set_cookies

DATABASE = "cdvs_bench_scaleout"
PASSWORD = "Banc-de-montee-en-charge-2026"
EMAIL = "admin-banc@example.org"
RESET_EMAIL = "oubli-banc@example.org"


class Relay:
    """A TCP relay 127.0.0.1:port → PostgreSQL that can be cut and restored."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.sockets = []
        self.server = None
        self.lock = threading.Lock()

    def start(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(64)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self):
        """The database « goes down »: no new connection, every open one cut."""
        with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept()
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets = []


def _manage(env, *args, stdin=None):
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} : {done.stderr[-2000:]}")
    return done.stdout


def _multipart(fields: dict, file_field: str, filename: str, content: bytes, mime: str):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _csrf(port, path, cookies):
    status, headers, body = request(port, path, cookies=cookies)
    set_cookies(headers, cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise RuntimeError(f"{path} : statut {status}, pas de jeton CSRF")
    return token.group(1).decode()


def _post(port, path, cookies, body, content_type):
    status, headers, body = request(
        port,
        path,
        method="POST",
        body=body,
        cookies=cookies,
        headers={
            "Content-Type": content_type,
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}{path}",
        },
    )
    set_cookies(headers, cookies)
    return status, headers, body


def production_env(var_dir, url, redis_url, **extra) -> dict:
    """The environment of gunicorn with the production settings on this machine (no
    TLS proxy: no redirect to HTTPS; e-mails kept in memory); the database migrated and
    the static files collected into `var_dir` (also the files folder, media/)."""
    env = {
        **os.environ,
        "CDVS_VAR_DIR": str(var_dir),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CDVS_ENV": "production",
        "CDVS_DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "ERROR",
        **extra,
    }
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return env


def _sql(url, query, params):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchone()[0]


def _wait(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _, _ = request(port, "/sante/?portee=web", timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn sur le port {port} ne répond pas")


def _row(name, ok, detail, value=1.0, unit=""):
    log(f"  {'✓' if ok else '✗'} {name} — {detail}")
    return {
        "name": name,
        "value": float(value),
        "unit": unit,
        "target": "vrai",
        "ok": bool(ok),
        "detail": detail,
    }


def run() -> list[dict]:
    from django.urls import reverse

    url = postgres_url(DATABASE)
    if url is None:
        return [_row("Topologie à deux processus web", False, "PostgreSQL injoignable", 0)]
    redis_url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")
    import redis

    redis.Redis.from_url(redis_url).flushdb()

    pg = urlsplit(url)
    relay = Relay(pg.hostname or "127.0.0.1", pg.port or 5432)
    relay.start()
    relayed = urlunsplit(pg._replace(netloc=f"{pg.username or 'postgres'}@127.0.0.1:{relay.port}"))
    var_dir = Path(DEFAULT_VAR_DIR).parent / "bench-scaleout"
    shutil.rmtree(var_dir / "media", ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_env(var_dir, url, redis_url)
    started = time.perf_counter()
    _manage(
        env,
        "shell",
        stdin=(
            "from cdvs.accounts.models import User\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "DBTaskResult.objects.all().delete()\n"
            f"User.objects.filter(email__in=[{EMAIL!r}, {RESET_EMAIL!r}]).delete()\n"
            f"User.objects.create_superuser(email={EMAIL!r}, password={PASSWORD!r})\n"
            f"User.objects.create_user(email={RESET_EMAIL!r}, password={PASSWORD!r})\n"
        ),
    )
    log(f"  base prête en {time.perf_counter() - started:.0f} s (migrations, fichiers statiques)")
    web_env = {**env, "DATABASE_URL": relayed}
    servers, logs = [], []
    ports = [free_port(), free_port()]
    rows = []
    try:
        for port in ports:
            handle = (var_dir / f"gunicorn-{port}.log").open("w")
            logs.append(handle)
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "cdvs.wsgi", "-w", "1", "--threads", "2"]
                    + ["-b", f"127.0.0.1:{port}"],
                    cwd=BASE_DIR,
                    env=web_env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            _wait(port)
        a, b = ports
        log(f"  deux processus gunicorn : A sur {a}, B sur {b} (pids {[s.pid for s in servers]})")

        # 1. the session opened on A is valid on B
        cookies = login(a, EMAIL, PASSWORD)
        status, _, body = request(b, reverse("accounts:account"), cookies=cookies)
        ok = status == 200 and EMAIL.encode() in body
        rows.append(_row("Session ouverte sur A, valable sur B", ok, f"B répond {status}"))

        # 2. the cache is shared: a limit counted in Redis holds across A and B
        path = reverse("accounts:password_reset")
        for port in (a, a, b, b):
            anon = {}
            token = _csrf(port, path, anon)
            _post(
                port,
                path,
                anon,
                f"csrfmiddlewaretoken={token}&email={RESET_EMAIL}",
                "application/x-www-form-urlencoded",
            )
        queued = _sql(
            url,
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s",
            ["%send_email"],
        )
        rows.append(
            _row(
                "Cache partagé (limite de courriels par adresse, 3 par heure)",
                queued == 3,
                f"4 demandes (2 sur A, 2 sur B) → {queued} courriels en file",
                queued,
                "courriels",
            )
        )

        # 3. a file uploaded on A is listed and downloaded on B
        content = b"%PDF-1.4\n" + secrets.token_bytes(200_000) + b"\n%%EOF\n"
        upload = reverse("library:upload")
        token = _csrf(a, upload, cookies)
        title = f"Banc {uuid.uuid4().hex[:8]}"
        body, ctype = _multipart(
            {
                "csrfmiddlewaretoken": token,
                "title": title,
                "description": "Déposé sur A",
                "visibility": "partenaires",
            },
            "file",
            "banc.pdf",
            content,
            "application/pdf",
        )
        status, headers, _ = _post(a, upload, cookies, body, ctype)
        location = headers.get("Location", "")
        status_b, _, page = request(b, location, cookies=cookies)
        link = re.search(rb'href="([^"]+/telecharger/)"', page)
        got = request(b, link.group(1).decode(), cookies=cookies)[2] if link else b""
        ok = status == 302 and status_b == 200 and title.encode() in page and got == content
        rows.append(
            _row(
                "Fichier déposé sur A, téléchargé sur B à l'identique",
                ok,
                f"dépôt {status}, fiche sur B {status_b}, {len(got)} octets relus sur "
                f"{len(content)}",
            )
        )

        # 4. drill: the database goes away during traffic, then comes back
        page_path = reverse("library:documents")
        before = [request(p, page_path, cookies=cookies)[0] for p in ports]
        relay.stop()
        during = [request(p, page_path, cookies=cookies) for p in ports]
        french = all(
            s == 503 and "Service momentanément indisponible".encode() in body
            for s, _, body in during
        )
        relay.start()
        time.sleep(0.5)
        after = [request(p, page_path, cookies=cookies)[0] for p in ports]
        ok = before == [200, 200] and french and after == [200, 200]
        rows.append(
            _row(
                "Base coupée puis rétablie pendant le trafic",
                ok,
                f"avant {before}, base coupée {[s for s, _, _ in during]} (page française "
                f"503 : {'oui' if french else 'non'}), rétablie {after}, sans redémarrage",
            )
        )
        killed = _sql(
            url,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DATABASE],
        )
        again = [request(p, page_path, cookies=cookies)[0] for p in ports]
        rows.append(
            _row(
                "Connexions tuées côté serveur (pg_terminate_backend)",
                again == [200, 200],
                f"{killed} connexion(s) tuée(s), requête suivante {again} (reconnexion par "
                "CONN_HEALTH_CHECKS)",
            )
        )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        for handle in logs:
            handle.close()
        relay.stop()
    return rows
