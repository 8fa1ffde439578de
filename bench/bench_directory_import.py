"""Directory import: 10 000 rows (organisations with a place and a contact each) read,
checked row by row (SIRET key, e-mail, phone, coordinates, duplicates), then written
all or nothing, without geocoding; through the same code as the worker's task
(`cdvs.core.imports.execute`). The bar: < 60 s.

Runs in a child process on its own SQLite database under var/bench-directory-import
(territories loaded once; each run imports fresh rows under new identifiers).
Environment: BENCH_IMPORT_ROWS (10000).
"""

import json
import os
import random
import time

from bench import BASE_DIR, fr_number, log, run_in_child

VAR_DIR = BASE_DIR / "var" / "bench-directory-import"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
HEADERS = ["Identifiant", "Nom", "Type", "Adresse", "Code postal", "Commune", "SIRET",
           "Thématiques", "Publics", "Âge minimum", "Âge maximum", "Nom du lieu",
           "Latitude du lieu", "Longitude du lieu", "Nom du contact", "Courriel",
           "Téléphone", "Consentement"]  # fmt: skip


def run() -> list[dict]:
    return run_in_child("bench.bench_directory_import", VAR_DIR)


def _siret(rng):
    from cdvs.directory.validators import luhn_ok

    prefix = "".join(rng.choice("0123456789") for _ in range(13))
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def _csv(rows: int, run_id: str) -> bytes:
    rng = random.Random(f"20240603-{run_id}")  # new SIRET numbers at each run
    lines = [";".join(HEADERS)]
    for i in range(rows):
        lines.append(";".join([
            f"bench-import-{run_id}-{i}", f"Association {run_id} n° {i}", "Association",
            f"{i} rue de la République", "59280", "Armentières", _siret(rng),
            "famille, numerique", "jeunes", "6", "25", f"Local {i}",
            f"{50.60 + rng.random() * 0.15:.6f}".replace(".", ","),
            f"{2.80 + rng.random() * 0.30:.6f}".replace(".", ","),
            f"Personne {i}", f"personne{i}@example.org", f"03 20 {i % 100:02d} {i // 100 % 100:02d} 00", "oui",
        ]))  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from cdvs.accounts.models import User
    from cdvs.core.imports import ImportStatus, execute, guess_mapping, read_table
    from cdvs.directory import imports
    from cdvs.directory.models import DirectoryImport
    from cdvs.territories.models import Territory

    call_command("migrate", interactive=False, verbosity=0)
    admin = User.objects.filter(email="bench-import@example.org").first()
    if admin is None:
        admin = User.objects.create_superuser(email="bench-import@example.org", password=None)
    if not Territory.objects.exists():
        call_command("load_territories", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    run_id = str(int(time.time()))
    content = _csv(ROWS, run_id)
    log(f"  fichier de {ROWS} lignes ({len(content) // 1024} Kio)")
    start = time.perf_counter()
    table = read_table(content, "bench.csv")
    record = DirectoryImport(kind="tableur", file_name="bench.csv", total_rows=len(table.rows), created_by=admin,
                             mapping=guess_mapping(table.headers, imports.COLUMNS))  # fmt: skip
    record.file.save("bench.csv", ContentFile(content), save=False)
    record.save()
    read = time.perf_counter() - start
    checked = {}

    def prepare(rec, progress):
        t = time.perf_counter()
        result = imports.plan_import(rec, progress)
        checked["s"] = time.perf_counter() - t
        return result

    execute(record, prepare=prepare,
            apply=lambda plans, progress: imports.apply_plans(plans, record, progress))  # fmt: skip
    total = time.perf_counter() - start
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors[:5]
    log(f"  lecture {read:.1f} s, vérification {checked['s']:.1f} s, total {total:.1f} s")

    # the same organisations again, with another address: every fiche is updated
    content = content.replace("rue de la République".encode(), b"avenue Foch")
    start = time.perf_counter()
    table = read_table(content, "bench-maj.csv")
    update = DirectoryImport(kind="tableur", file_name="bench-maj.csv", total_rows=len(table.rows), created_by=admin,
                             mapping=guess_mapping(table.headers, imports.COLUMNS))  # fmt: skip
    update.file.save("bench-maj.csv", ContentFile(content), save=False)
    update.save()
    execute(update, prepare=imports.plan_import,
            apply=lambda plans, progress: imports.apply_plans(plans, update, progress))  # fmt: skip
    update_total = time.perf_counter() - start
    update.refresh_from_db()
    assert update.status == ImportStatus.DONE and update.updated_count == ROWS, update.errors[:5]
    log(f"  mise à jour : {update_total:.1f} s")
    return [
        {
            "name": f"Import de l'annuaire, {fr_number(ROWS, 0)} lignes (vérifiées, sans géocodage)",
            "value": round(total, 1),
            "unit": "s",
            "target": "< 60 s",
            "ok": total < 60,
            "detail": f"lecture {fr_number(read)} s, vérification {fr_number(checked['s'])} s, "
            f"écriture {fr_number(total - read - checked['s'])} s ; {record.created_count} "
            "fiches, autant de lieux et de contacts, SQLite",
        },
        {
            "name": f"Import de l'annuaire, mise à jour de {fr_number(ROWS, 0)} fiches existantes",
            "value": round(update_total, 1),
            "unit": "s",
            "target": "< 60 s",
            "ok": update_total < 60,
            "detail": "même fichier, adresse changée : chaque fiche mise à jour (historique et "
            "index de recherche compris) ; lieux et contacts déjà présents laissés tels quels",
        },
    ]


if __name__ == "__main__":
    print(json.dumps(child()))
