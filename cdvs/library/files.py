"""What an uploaded file really is, read from its content (never from its name).

Accepted: PDF; OpenDocument text, spreadsheet, presentation; Office Open XML docx, xlsx,
pptx; PNG, JPEG, WebP images. ODF and OOXML files are zip archives: the first tells
its type in a `mimetype` entry, the second in `[Content_Types].xml`. Anything else
(HTML, scripts, executables, SVG, archives…) is refused, and so is a file whose name
announces another type than its content (a PNG named .pdf).
"""

import hashlib
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

from cdvs.core.french import file_size, file_type_name

from .models import FileKind


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    kind: str
    label: str


PDF = FileType("application/pdf", "pdf", FileKind.PDF, "un document PDF")
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", FileKind.TEXT, "un texte ODT")
ODS = FileType(
    "application/vnd.oasis.opendocument.spreadsheet", "ods", FileKind.SPREADSHEET, "un tableur ODS"
)
ODP = FileType(
    "application/vnd.oasis.opendocument.presentation",
    "odp",
    FileKind.PRESENTATION,
    "une présentation ODP",
)
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    FileKind.TEXT,
    "un texte DOCX",
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    FileKind.SPREADSHEET,
    "un tableur XLSX",
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    FileKind.PRESENTATION,
    "une présentation PPTX",
)
PNG = FileType("image/png", "png", FileKind.IMAGE, "une image PNG")
JPEG = FileType("image/jpeg", "jpg", FileKind.IMAGE, "une image JPEG")
WEBP = FileType("image/webp", "webp", FileKind.IMAGE, "une image WebP")

ACCEPTED = [PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, PNG, JPEG, WEBP]
BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED}
# the extensions a name may carry for each type
EXTENSIONS = {
    "pdf": PDF,
    "odt": ODT,
    "ods": ODS,
    "odp": ODP,
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "webp": WEBP,
}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in EXTENSIONS)
ACCEPTED_LABEL = "PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, PNG, JPEG ou WebP"

ODF_MIMETYPES = {ODT.content_type: ODT, ODS.content_type: ODS, ODP.content_type: ODP}
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
HEAD = 8192


def max_size() -> int:
    return settings.LIBRARY_MAX_UPLOAD_SIZE


def _zip_type(upload) -> FileType | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
                return ODF_MIMETYPES.get(declared)
            if "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml")[:200_000].decode("utf-8", "replace")
                for part, found in OOXML_PARTS.items():
                    if part in names and f"/{part}" in types:
                        return found
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    return None


def sniff(upload) -> FileType | None:
    """The accepted type of the content, or None."""
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.mime in (PNG.content_type, JPEG.content_type, WEBP.content_type):
        return BY_CONTENT_TYPE[guess.mime]
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(upload)
    return None


def _described(guess) -> str:
    if guess is None:
        return "un type non reconnu (texte, page web, script ou format inconnu)"
    return file_type_name(guess.mime)


def check_upload(upload) -> FileType:
    """The checked type of an uploaded file; ValidationError (in French) when refused."""
    name = upload.name or "fichier"
    if upload.size == 0:
        raise ValidationError(f"Le fichier « {name} » est vide.")
    if upload.size > max_size():
        raise ValidationError(
            f"Le fichier « {name} » pèse {file_size(upload.size)} : "
            f"la taille maximale est de {file_size(max_size())}."
        )
    found = sniff(upload)
    if found is None:
        upload.seek(0)
        other = filetype.guess(upload.read(HEAD))
        upload.seek(0)
        raise ValidationError(
            f"Le contenu du fichier « {name} » n'est pas d'un type accepté : c'est "
            f"{_described(other)}. Types acceptés : {ACCEPTED_LABEL}."
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    announced = EXTENSIONS.get(extension)
    if announced is None or announced.content_type != found.content_type:
        raise ValidationError(
            f"Le fichier « {name} » porte l'extension « .{extension} » mais son contenu est "
            f"{found.label} : renommez-le avec l'extension « .{found.extension} » ou "
            "choisissez le bon fichier."
        )
    return found


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
