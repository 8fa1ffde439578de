"""Attachments of calls: the type is read from the content (never trusted from the
name or the browser), the size is limited, and the file is always served as a
download with `X-Content-Type-Options: nosniff`."""

import io
import zipfile

from django.core.exceptions import ValidationError

MAX_SIZE = 10 * 1024 * 1024

ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
OOXML_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
}
ACCEPTED = "PDF, OpenDocument (ODT, ODS, ODP), Office (DOCX, XLSX, PPTX), PNG ou JPEG"


def _zip_type(head: bytes, data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            if mimetype in ODF_TYPES:
                return mimetype, ODF_TYPES[mimetype]
        if "[Content_Types].xml" in names:
            for prefix, (mimetype, ext) in OOXML_TYPES.items():
                if any(n.startswith(prefix) for n in names):
                    return mimetype, ext
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def sniff(data: bytes):
    """(content type, extension) from the first bytes, or None when not accepted."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(head, data)
    return None


def check_upload(upload) -> tuple[bytes, str, str]:
    """Reads an uploaded file; returns (content, content type, safe file name) or raises
    a French ValidationError."""
    if upload.size > MAX_SIZE:
        raise ValidationError(
            f"Le fichier dépasse la taille maximale ({MAX_SIZE // (1024 * 1024)} Mo)."
        )
    data = upload.read()
    if not data:
        raise ValidationError("Le fichier est vide.")
    found = sniff(data)
    if found is None:
        raise ValidationError(
            f"Type de fichier non accepté (d'après son contenu). Formats acceptés : {ACCEPTED}."
        )
    content_type, ext = found
    name = (upload.name or "piece-jointe").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in stem).strip()[:150]
    return data, content_type, (safe or "piece-jointe") + ext
