"""Times of `manage.py backup` and `manage.py restore` on PostgreSQL, on the bench-scale
database of the load bench (`cdvs_load_bench`: 50 000 generated organisations, 5 000
users, the reference data; built by bench/data.py when missing) with BENCH_BACKUP_MB
megabytes of uploaded files (1 024 by default, the issue's bar), beside two references
measured in the same run: starting `manage.py` alone (`check`), and `tar czf` of the same
files (the least an archive of them costs); then a check that the round trip gives the
same files and the same rows back.

The files are generated random bytes (incompressible, like the PDFs and photos users
upload), in files of 5 MB under media/bench/, removed at the end. The disk space is
checked first (three times the files: the files, the archive, the restore).
"""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from bench import DEFAULT_VAR_DIR, fr_number, log, postgres_url, run_in_child
from bench.bench_load import SCALES
from bench.bench_scaleout import _manage, _row, _sql

DATABASE = SCALES[1]

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
    megabytes = int(os.environ.get("BENCH_BACKUP_MB", "1024"))
    var_dir = Path(DEFAULT_VAR_DIR).parent / "bench-backup"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    free_mb = shutil.disk_usage(var_dir).free / 1024 / 1024
    if free_mb < 3 * megabytes + 1024:
        return [_row("Sauvegarde et restauration", False, f"{free_mb:.0f} Mo libres seulement", 0)]
    os.environ["BENCH_LOAD_SCALE"] = "1"
    setup = run_in_child("bench.bench_load", Path(DEFAULT_VAR_DIR).parent / "bench-load-1x", url)
    try:
        return _measure(url, var_dir, megabytes, setup)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _measure(url, var_dir, megabytes, setup) -> list[dict]:
    media = var_dir / "media" / "bench"
    media.mkdir(parents=True)
    for i in range(max(1, megabytes // FILE_MB)):
        (media / f"fichier-{i:04d}.bin").write_bytes(os.urandom(FILE_MB * 1024 * 1024))
    env = {**os.environ, "CDVS_VAR_DIR": str(var_dir), "DATABASE_URL": url, "CDVS_DEBUG": "0"}
    files_before = _digest(var_dir / "media")
    count = (
        "SELECT (SELECT count(*) FROM accounts_user) + (SELECT count(*) FROM django_migrations)"
        " + (SELECT count(*) FROM directory_organisation)"
        " + (SELECT count(*) FROM search_searchentry)"
    )
    rows_before = _sql(url, count, [])
    archive = var_dir / "sauvegarde.tar.gz"
    started = time.perf_counter()
    _manage(env, "check")  # the reference: starting Django alone, in the same run
    start_s = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(
        ["tar", "czf", str(var_dir / "reference.tar.gz"), "-C", str(var_dir), "media"],
        check=True,
    )
    tar_s = time.perf_counter() - started
    (var_dir / "reference.tar.gz").unlink()
    load_before = os.getloadavg()[0]

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
    detail = (
        f"{megabytes} Mo de fichiers générés ({len(files_before)}), archive de "
        f"{size_mb:.0f} Mo ; base du banc de charge : {setup['organisations']} organisations, "
        f"{setup['users']} comptes ; charge de la machine {fr_number(load_before)} avant, "
        f"{fr_number(os.getloadavg()[0])} après (2 cœurs partagés)"
    )
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
            "name": f"Référence : tar czf des mêmes {megabytes} Mo de fichiers",
            "value": round(tar_s, 1),
            "unit": "s",
            "target": "mesuré",
            "ok": True,
            "detail": "sans la base ni les sommes de contrôle",
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
