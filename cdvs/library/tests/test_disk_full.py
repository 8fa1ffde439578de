"""A full disk during an upload: a clear French page, and nothing half-written (neither
a truncated file nor the document's row)."""

import errno
import os
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from cdvs.core.storage import SafeFileSystemStorage
from cdvs.library.models import Document, DocumentVersion
from cdvs.testing import make_pdf, upload_file

pytestmark = pytest.mark.django_db

real_fdopen = os.fdopen


class _FullDisk:
    """A file that takes a few bytes and then finds the disk full."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, data):
        self.handle.write(data[:10])
        self.handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.handle, name)


def _full_disk(fd, *args, **kwargs):
    return _FullDisk(real_fdopen(fd, *args, **kwargs))


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_upload_on_a_full_disk_says_so_and_leaves_nothing_behind(world, media):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["porteur"])
    data = {
        "title": "Diagnostic du quartier",
        "description": "Une description",
        "visibility": "partenaires",
        "file": upload_file("rapport.pdf", make_pdf(["Égalité"])),
    }
    with mock.patch("django.core.files.storage.filesystem.os.fdopen", _full_disk):
        response = client.post(reverse("library:upload"), data)
    assert response.status_code == 507
    page = response.content.decode()
    assert "Espace de stockage plein" in page and "Rien n'a été enregistré à moitié" in page
    assert not Document.all_objects.exists() and not DocumentVersion.objects.exists()
    assert _files(media) == []  # the truncated file was removed

    data["file"] = upload_file("rapport.pdf", make_pdf(["Égalité"]))
    assert client.post(reverse("library:upload"), data).status_code == 302  # room again
    assert len(_files(media)) == 1


def test_the_storage_removes_only_the_file_it_was_writing(tmp_path):
    storage = SafeFileSystemStorage(location=tmp_path)
    storage.save("deja-la.txt", upload_file("deja-la.txt", b"ancien"))
    with (
        mock.patch("django.core.files.storage.filesystem.os.fdopen", _full_disk),
        pytest.raises(OSError, match="No space left"),
    ):
        storage.save("nouveau.txt", upload_file("nouveau.txt", b"x" * 100))
    assert [p.name for p in _files(tmp_path)] == ["deja-la.txt"]
    assert (tmp_path / "deja-la.txt").read_bytes() == b"ancien"
