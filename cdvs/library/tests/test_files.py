"""The type of an upload is read from its content; disguised and oversized files are
refused with a French message."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from cdvs.library import files
from cdvs.testing import make_docx, make_odt, make_pdf, make_png, upload_file


def _zip(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _ods():
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table

    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(Table(name="Feuille"))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def _xlsx():
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("cr.pdf", lambda: make_pdf(["Bonjour"]), files.PDF),
        ("note.odt", lambda: make_odt(["Titre", "Texte"]), files.ODT),
        ("tableau.ods", _ods, files.ODS),
        ("note.docx", lambda: make_docx(["Bonjour"]), files.DOCX),
        ("tableau.xlsx", _xlsx, files.XLSX),
        ("photo.png", make_png, files.PNG),
        ("photo.JPG", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100, files.JPEG),
        ("image.webp", lambda: b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40, files.WEBP),
    ],
)
def test_accepted_types_are_recognised_from_content(settings, name, content, expected):
    assert files.check_upload(upload_file(name, content())) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rapport.pdf", b"<!doctype html><script>alert(1)</script>", "n'est pas d'un type accepté"),
        (
            "rapport.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
            "n'est pas d'un type accepté : c'est un fichier exécutable.",
        ),
        ("rapport.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "c'est un fichier exécutable."),
        (
            "image.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "n'est pas d'un type accepté",
        ),
        ("archive.docx", _zip({"evil.exe": b"MZ"}), "n'est pas d'un type accepté"),
        ("faux.odt", _zip({"mimetype": b"application/x-autre"}), "n'est pas d'un type accepté"),
        ("photo.pdf", make_png(), "son contenu est une image PNG"),
        ("cr.docx", make_pdf(["x"]), "son contenu est un document PDF"),
        ("sans-extension", make_pdf(["x"]), "renommez-le avec l'extension « .pdf »"),
    ],
)
def test_disguised_files_are_refused_in_french(name, content, message):
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload_file(name, content))
    assert message in error.value.messages[0]


def test_size_limit_comes_from_settings(settings):
    settings.LIBRARY_MAX_UPLOAD_SIZE = 1000
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload_file("gros.pdf", make_pdf(["x"]) + b"\x00" * 2000))
    assert "la taille maximale est de 1000\xa0octets" in error.value.messages[0]
    settings.LIBRARY_MAX_UPLOAD_SIZE = 25 * 1024 * 1024
    huge = upload_file("gros.pdf", make_pdf(["x"]))
    huge.size = 30 * 1024 * 1024
    with pytest.raises(ValidationError) as error:
        files.check_upload(huge)
    assert "pèse 30\xa0Mo : la taille maximale est de 25\xa0Mo" in error.value.messages[0]
    assert "Mio" not in error.value.messages[0] and "/" not in error.value.messages[0]
    with pytest.raises(ValidationError, match="est vide"):
        files.check_upload(upload_file("vide.pdf", b""))
