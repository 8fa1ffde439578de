"""manage.py backup / restore: the round trip gives back the same data and files, and a
damaged or foreign archive is refused with nothing changed (any database engine)."""

import gzip
import io
import json
import tarfile

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from cdvs.accounts.models import User
from cdvs.core.backup import MANIFEST

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    """Every row of every model, and every stored file with its content."""
    rows = {}
    for model in apps.get_models():
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    files = {}
    for name in _names():
        with default_storage.open(name, "rb") as handle:
            files[name] = handle.read()
    return rows, files


def _names(folder=""):
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    found = [f"{folder}/{f}" if folder else f for f in files]
    for d in dirs:
        found += _names(f"{folder}/{d}" if folder else d)
    return sorted(found)


@pytest.fixture
def stored(world, media):
    default_storage.save("documents/2025/rapport.pdf", ContentFile(b"%PDF-1.4 rapport"))
    default_storage.save("photos/été à Armentières.png", ContentFile(bytes(range(256)) * 40))
    return world


def test_the_round_trip_gives_back_identical_data_and_files(stored, tmp_path):
    before = snapshot()
    archive = tmp_path / "sauvegarde.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "Sauvegarde écrite" in out.getvalue()
    assert "2 fichier(s)" in out.getvalue()

    # life goes on after the backup: rows change, files come and go
    User.objects.filter(pk=stored.users["administrateur"].pk).update(first_name="Changé")
    User.objects.create_user(email="nouveau@example.org", password="x" * 20)
    default_storage.delete("documents/2025/rapport.pdf")
    default_storage.save("documents/2025/rapport.pdf", ContentFile(b"autre contenu"))
    default_storage.save("depose-apres.txt", ContentFile(b"plus tard"))
    assert snapshot() != before

    call_command("restore", str(archive), stdout=io.StringIO())
    after = snapshot()
    assert after[1] == before[1]  # the same files, byte for byte, and no others
    assert after[0] == before[0]  # the same rows in every table


def _tampered(archive, tmp_path, change):
    """A copy of `archive` rebuilt with `change(name, data) -> data | None` on members."""
    copy = tmp_path / "abimee.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(copy, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return copy


def _fails(path, message):
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), stdout=io.StringIO())


def test_a_damaged_or_foreign_archive_is_refused_in_french_and_nothing_changes(stored, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    User.objects.create_user(email="apres@example.org", password="x" * 20)
    default_storage.save("apres.txt", ContentFile(b"plus tard"))
    current = snapshot()

    # a file altered inside the archive: its checksum no longer matches
    altered = _tampered(
        archive,
        tmp_path,
        lambda name, data: b"falsifie" if name.endswith("rapport.pdf") else data,
    )
    _fails(altered, "Somme de contrôle fausse")
    # bytes flipped in the compressed stream
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    broken = tmp_path / "tronquee.tar.gz"
    broken.write_bytes(bytes(raw[: len(raw) // 2 + 10]))
    _fails(broken, "illisible ou abîmée")
    # some other tar.gz
    foreign = tmp_path / "autre.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    _fails(foreign, "Archive inconnue")
    # not even gzip
    (tmp_path / "texte.tar.gz").write_bytes(gzip.compress(b"x")[:5])
    _fails(tmp_path / "texte.tar.gz", "illisible")

    # an unknown migration: a newer version of the tool
    def newer(name, data):
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"].append(["core", "9999_de_demain"])
        return json.dumps(manifest).encode()

    _fails(_tampered(archive, tmp_path, newer), "version plus récente")
    # a member missing from the archive
    _fails(
        _tampered(archive, tmp_path, lambda n, d: None if "photos" in n else d),
        "ne sont pas ceux du manifeste",
    )
    _fails(tmp_path / "absente.tar.gz", "introuvable")

    assert snapshot() == current
