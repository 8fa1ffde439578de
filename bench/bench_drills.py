"""Drill « worker killed in the middle of a mailing », for real: a `run_worker` process
is killed with SIGKILL while it talks to an SMTP server of this bench, then the lost
task is requeued (`core.tasks.requeue_lost_tasks`, as the scheduler's tick does) and a
new worker finishes the work. Two moments of death:

- before the server accepted the message (the server keeps silent after DATA): the
  email must then be delivered once, by the second worker;
- after the server accepted it (the server keeps silent after QUIT): the email must not
  be delivered a second time (the receipt written before QUIT).

Runs on the PostgreSQL database of the scale-out bench (`cdvs_bench_scaleout`).
"""

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import BASE_DIR, DEFAULT_VAR_DIR, log, postgres_url
from bench.bench_pages import free_port
from bench.bench_scaleout import DATABASE, _manage, _row, _sql


class Smtp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        self.delivered = []
        self.stall = None  # "data" or "quit": where the next session hangs
        self.stalled = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", port), Handler)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        stall, server.stall = server.stall, None
        self.wfile.write(b"220 banc ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.strip().upper()[:4]
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 banc\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 fin par un point\r\n")
                body = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                if stall == "data":
                    server.stalled.set()
                    server.release.wait(30)
                    return
                server.delivered.append(body)
                self.wfile.write(b"250 accepte\r\n")
            elif verb == b"QUIT":
                if stall == "quit":
                    server.stalled.set()
                    server.release.wait(30)
                    return
                self.wfile.write(b"221 au revoir\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def _enqueue(env, subject):
    out = _manage(
        env,
        "shell",
        "-c",
        "from cdvs.accounts.tasks import send_email;"
        f"print(send_email.enqueue(to=['exercice@example.org'], subject={subject!r}, "
        "text='Bonjour').id)",
    )
    return out.strip().splitlines()[-1]


def _worker(env, worker_id, batch=False):
    args = ["run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    args += ["--worker-id", worker_id, "--verbosity", "0"] + (["--batch"] if batch else [])
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env)


def _scenario(env, url, smtp, moment):
    subject = f"Exercice {moment}"
    before = len(smtp.delivered)
    task_id = _enqueue(env, subject)
    smtp.stall, smtp.stalled = moment, threading.Event()
    smtp.release.clear()
    worker = _worker(env, f"exercice-{moment}-{os.getpid()}")
    if not smtp.stalled.wait(60):
        worker.kill()
        raise RuntimeError("le travailleur n'a pas contacté le serveur SMTP")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    smtp.release.set()
    status = _sql(
        url, "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", [task_id]
    )
    delivered_at_kill = len(smtp.delivered) - before
    time.sleep(float(env["CDVS_WORKER_LOST_AFTER"]) + 1)
    requeued = (
        _manage(
            env,
            "shell",
            "-c",
            "from cdvs.core.tasks import requeue_lost_tasks; print(len(requeue_lost_tasks()))",
        )
        .strip()
        .splitlines()[-1]
    )
    second = _worker(env, f"reprise-{moment}-{os.getpid()}", batch=True)
    second.wait(120)
    final = _sql(
        url, "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", [task_id]
    )
    delivered = len(smtp.delivered) - before
    when = "avant" if moment == "data" else "après"
    ok = delivered == 1 and final == "SUCCESSFUL" and requeued == "1"
    return _row(
        f"Travailleur tué (SIGKILL) {when} l'acceptation du courriel par le serveur",
        ok,
        f"à la mort : tâche {status}, {delivered_at_kill} courriel remis ; reprise de "
        f"{requeued} tâche ; à la fin : tâche {final}, {delivered} courriel remis en tout",
        delivered,
        "courriel",
    )


def run() -> list[dict]:
    url = postgres_url(DATABASE)
    if url is None:
        return [_row("Exercice du travailleur tué", False, "PostgreSQL injoignable", 0)]
    port = free_port()
    smtp = Smtp(port)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    var_dir = Path(DEFAULT_VAR_DIR).parent / "bench-scaleout"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CDVS_VAR_DIR": str(var_dir),
        "DATABASE_URL": url,
        "CDVS_DEBUG": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "CDVS_WORKER_LOST_AFTER": "3",
        "LOG_LEVEL": "ERROR",
    }
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _sql(  # no task left waiting by an earlier run
        url,
        "WITH gone AS (DELETE FROM django_tasks_database_dbtaskresult WHERE status IN "
        "('READY', 'RUNNING') RETURNING 1) SELECT count(*) FROM gone",
        [],
    )
    rows = []
    try:
        for moment in ("data", "quit"):
            rows.append(_scenario(env, url, smtp, moment))
    finally:
        smtp.release.set()
        smtp.shutdown()
        smtp.server_close()
    log(f"  serveur SMTP du banc : {len(smtp.delivered)} courriel(s) remis en tout")
    return rows
