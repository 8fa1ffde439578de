"""Times of `manage.py backup` and `manage.py restore` on PostgreSQL (the database of the
scale-out bench, `cdvs_bench_scaleout`) with BENCH_BACKUP_MB megabytes of uploaded files
(200 by default; the issue's bar is 1 024), and a check that the round trip gives the
same files and the same rows back.

The files are random bytes (incompressible, like the PDFs and photos users upload), in
files of 5 MB under media/bench/.
"""

import hashlib
import os
import shutil
import time
from pathlib import Path

from bench import DEFAULT_VAR_DIR, log, postgres_url
from bench.bench_scaleout import DATABASE, _manage, _row, _sql

FILE_MB = 5


def _digest(root: Path) -> dict:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run() -> list[dict]:
    url = postgres_url(DATABASE)
    if url is None:
        return [_row("Sauvegarde et restauration", False, "PostgreSQL injoignable", 0)]
    megabytes = int(os.environ.get("BENCH_BACKUP_MB", "200"))
    var_dir = Path(DEFAULT_VAR_DIR).parent / "bench-backup"
    shutil.rmtree(var_dir, ignore_errors=True)
    media = var_dir / "media" / "bench"
    media.mkdir(parents=True)
    for i in range(max(1, megabytes // FILE_MB)):
        (media / f"fichier-{i:04d}.bin").write_bytes(os.urandom(FILE_MB * 1024 * 1024))
    env = {**os.environ, "CDVS_VAR_DIR": str(var_dir), "DATABASE_URL": url, "CDVS_DEBUG": "0"}
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    files_before = _digest(var_dir / "media")
    count = "SELECT (SELECT count(*) FROM accounts_user) + (SELECT count(*) FROM django_migrations)"
    rows_before = _sql(url, count, [])
    archive = var_dir / "sauvegarde.tar.gz"
    started = time.perf_counter()
    _manage(env, "check")  # the reference: starting Django alone, in the same run
    start_s = time.perf_counter() - started

    started = time.perf_counter()
    _manage(env, "backup", "--output", str(archive))
    backup_s = time.perf_counter() - started
    size_mb = archive.stat().st_size / 1024 / 1024

    # everything changes after the backup: a file removed, one altered, one added
    names = sorted(files_before)
    (var_dir / "media" / names[0]).unlink()
    (var_dir / "media" / "apres.txt").write_text("déposé après")
    started = time.perf_counter()
    _manage(env, "restore", str(archive))
    restore_s = time.perf_counter() - started
    same = _digest(var_dir / "media") == files_before and _sql(url, count, []) == rows_before
    log(f"  {megabytes} Mo de fichiers, archive {size_mb:.0f} Mo")
    shutil.rmtree(var_dir, ignore_errors=True)
    detail = f"{megabytes} Mo de fichiers ({len(files_before)}), archive de {size_mb:.0f} Mo"
    return [
        {
            "name": "Référence : démarrage de manage.py seul",
            "value": round(start_s, 1),
            "unit": "s",
            "target": "mesuré",
            "ok": True,
            "detail": "compris dans chacune des deux mesures suivantes",
        },
        {
            "name": f"Sauvegarde (PostgreSQL + {megabytes} Mo de fichiers)",
            "value": round(backup_s, 1),
            "unit": "s",
            "target": "mesuré",
            "ok": True,
            "detail": detail,
        },
        {
            "name": f"Restauration (PostgreSQL + {megabytes} Mo de fichiers)",
            "value": round(restore_s, 1),
            "unit": "s",
            "target": "mesuré",
            "ok": True,
            "detail": detail,
        },
        _row(
            "Aller-retour identique (fichiers et lignes)",
            same,
            "sommes SHA-256 de chaque fichier et nombre de lignes comparés",
        ),
    ]
