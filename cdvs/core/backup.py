"""Backup and restore of the whole tool: the database and the uploaded files, in one
archive (`manage.py backup`, `manage.py restore`).

The database is copied by its own engine, so the round trip is exact (search index
tables, sequences, history included): SQLite through its online backup API, PostgreSQL
through `pg_dump --format=custom` / `pg_restore --single-transaction`. The files are read
and written through the default storage (local folder or object storage alike).

The archive is a `.tar.gz` holding `database.sqlite3` or `database.pgdump`, the files
under `fichiers/`, and `manifest.json`: format and version, engine, migrations applied,
and the SHA-256 and size of every member. A restore first unpacks and checks everything
in a temporary folder (format known, same engine, no migration unknown to this code,
every checksum right, no path leaving the archive); only then does it replace the
database, then the files. A corrupted or foreign archive is refused, in French, with
nothing changed.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "cdvs-sauvegarde"
VERSION = 1
MANIFEST = "manifest.json"
FILES_DIR = "fichiers"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is for the user, in French."""


@dataclass
class Summary:
    path: Path
    engine: str
    files: int
    bytes: int


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Base de données non prise en charge : {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _pg_env() -> tuple[list[str], dict]:
    """Connection arguments of pg_dump / pg_restore for the default database."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{what} : programme {command[0]} introuvable.") from exc
    if done.returncode != 0:
        raise BackupError(f"{what} : échec de {command[0]} ({done.stderr.strip()[-500:]}).")


def _dump_database(engine: str, folder: Path) -> Path:
    if engine == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return target
    target = folder / "database.pgdump"
    args, env = _pg_env()
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
        + args,
        env,
        "Sauvegarde de la base",
    )
    return target


def _storage_files(folder: str = "") -> list[str]:
    """Every file name of the default storage, sorted."""
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in dirs:
        names += _storage_files(f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def create_backup(output: Path) -> Summary:
    """Write the archive of the database and of every stored file to `output`."""
    engine = _engine()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    members = {}
    with tempfile.TemporaryDirectory(prefix="cdvs-sauvegarde-") as tmp:
        database = _dump_database(engine, Path(tmp))
        partial = output.with_name(output.name + ".partiel")
        # level 1: uploaded files (PDF, images) and the pg_dump are compressed already
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            archive.add(database, arcname=database.name)
            members[database.name] = {
                "sha256": _sha256(database),
                "size": database.stat().st_size,
            }
            total = 0
            names = _storage_files()
            for name in names:
                arcname = f"{FILES_DIR}/{name}"
                # copied to a temporary file first: its size and checksum are those
                # of what goes into the archive, whatever the storage
                local = Path(tmp) / "fichier"
                digest = hashlib.sha256()
                with default_storage.open(name, "rb") as source, open(local, "wb") as copy:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        copy.write(chunk)
                size = local.stat().st_size
                archive.add(local, arcname=arcname)
                members[arcname] = {"sha256": digest.hexdigest(), "size": size}
                total += size
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(timespec="seconds"),
                "engine": engine,
                "migrations": _migrations(),
                "members": members,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            manifest_path = Path(tmp) / MANIFEST
            manifest_path.write_bytes(data)
            archive.add(manifest_path, arcname=MANIFEST)
        partial.replace(output)  # never a half-written archive under the final name
    return Summary(output, engine, len(names), total)


def _unpack(path: Path, folder: Path) -> dict:
    """Unpack `path` into `folder` and check it entirely; return its manifest."""
    if not path.is_file():
        raise BackupError(f"Archive introuvable : {path}.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts or not member.isfile():
                    raise BackupError(
                        f"Archive refusée : l'élément « {member.name} » n'est pas un fichier "
                        "de sauvegarde."
                    )
                archive.extract(member, folder, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(
            f"Archive illisible ou abîmée ({type(exc).__name__}) : restauration refusée."
        ) from exc
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(
            "Archive inconnue : pas de manifeste de sauvegarde cdvs, restauration refusée."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("Archive inconnue : ce n'est pas une sauvegarde cdvs.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"Version de sauvegarde non prise en charge : {manifest.get('version')!r}."
        )
    members = manifest.get("members")
    if not isinstance(members, dict):
        raise BackupError("Manifeste incomplet : liste des éléments absente.")
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    if found != set(members):
        raise BackupError(
            "Archive incomplète ou modifiée : ses éléments ne sont pas ceux du manifeste."
        )
    for name, meta in members.items():
        local = folder / name
        if local.stat().st_size != meta.get("size") or _sha256(local) != meta.get("sha256"):
            raise BackupError(f"Somme de contrôle fausse pour « {name} » : archive abîmée.")
    return manifest


def _check_compatible(manifest: dict, engine: str) -> None:
    if manifest.get("engine") != engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest.get('engine')}, la base actuelle "
            f"est {engine} : restauration refusée."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", [])]
    unknown = [m for m in unknown if tuple(m.split(".", 1)) not in known]
    if unknown:
        raise BackupError(
            "Cette sauvegarde vient d'une version plus récente de l'outil (migrations "
            f"inconnues : {', '.join(unknown[:5])}) : mettez l'outil à jour d'abord."
        )


def _restore_database(engine: str, folder: Path) -> None:
    if engine == "sqlite":
        source = sqlite3.connect(folder / "database.sqlite3")
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
        return
    args, env = _pg_env()
    connection.close()  # no lock of ours in the way of pg_restore
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
        ]
        + args
        + [str(folder / "database.pgdump")],
        env,
        "Restauration de la base",
    )


def _restore_files(folder: Path) -> int:
    root = folder / FILES_DIR
    wanted = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    for name in _storage_files():
        if name not in wanted:
            default_storage.delete(name)
    for name, local in sorted(wanted.items()):
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(local, "rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"Le fichier « {name} » n'a pas pu reprendre son nom.")
    return len(wanted)


def restore_backup(path: Path) -> Summary:
    """Replace the database and the stored files by those of the archive at `path`."""
    engine = _engine()
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="cdvs-restauration-") as tmp:
        folder = Path(tmp)
        manifest = _unpack(path, folder)
        _check_compatible(manifest, engine)
        database = "database.sqlite3" if engine == "sqlite" else "database.pgdump"
        if database not in manifest["members"]:
            raise BackupError("Archive incomplète : la base de données n'y est pas.")
        (folder / FILES_DIR).mkdir(exist_ok=True)
        _restore_database(engine, folder)
        count = _restore_files(folder)
        size = sum(m["size"] for n, m in manifest["members"].items() if n != database)
    return Summary(path, engine, count, size)


def default_output() -> Path:
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
    return Path(settings.VAR_DIR) / "sauvegardes" / f"cdvs-{stamp}.tar.gz"
