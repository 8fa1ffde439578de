"""Text of a stored file, for search: pypdf for PDF, odfpy for OpenDocument, the XML
parts of the zip for Office Open XML. Runs in the worker, never in a request."""

import re
import zipfile
from xml.etree import ElementTree

MAX_CHARS = 2_000_000


class ExtractionError(Exception):
    """The text could not be read (message in French)."""


def _clean(text: str) -> str:
    text = text.replace("\x00", " ")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()[:MAX_CHARS]


def pdf_text(fileobj) -> str:
    from pypdf import PdfReader  # lazy: heavy (0.5 s), only in the worker
    from pypdf.errors import PdfReadError  # lazy: heavy (0.5 s), only in the worker

    try:
        reader = PdfReader(fileobj)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise ExtractionError("PDF protégé par un mot de passe.") from exc
        parts, total = [], 0
        for page in reader.pages:
            chunk = page.extract_text() or ""
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_CHARS:
                break
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ExtractionError(f"PDF illisible ({exc.__class__.__name__}).") from exc
    return "\n\n".join(parts)


def odf_text(fileobj) -> str:
    from odf import teletype  # lazy: heavy (0.3 s), only in the worker
    from odf.opendocument import load  # lazy: heavy (0.3 s), only in the worker

    try:
        document = load(fileobj)
    except Exception as exc:  # odfpy raises many kinds of errors on broken files
        raise ExtractionError(
            f"Document OpenDocument illisible ({exc.__class__.__name__})."
        ) from exc
    # headings and paragraphs in document order (also inside tables, lists, frames)
    return "\n".join(_odf_lines(document.body, teletype))


def _odf_lines(element, teletype):
    if element.qname[1] in ("p", "h"):
        yield teletype.extractText(element)
        return
    for child in getattr(element, "childNodes", []):
        if child.nodeType == child.ELEMENT_NODE:
            yield from _odf_lines(child, teletype)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xml_paragraphs(data: bytes, paragraph: str, run: str):
    root = ElementTree.fromstring(data)  # noqa: S314 (no entity expansion in ElementTree)
    for p in root.iter(paragraph):
        yield "".join(t.text or "" for t in p.iter(run))


def ooxml_text(fileobj) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
            lines = []
            if "word/document.xml" in names:
                lines += _xml_paragraphs(archive.read("word/document.xml"), f"{W}p", f"{W}t")
            slides = sorted(
                (n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
                key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group()),
            )
            for slide in slides:
                lines += _xml_paragraphs(archive.read(slide), f"{A}p", f"{A}t")
            if "xl/sharedStrings.xml" in names:
                lines += _xml_paragraphs(archive.read("xl/sharedStrings.xml"), f"{S}si", f"{S}t")
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError) as exc:
        raise ExtractionError(f"Document Office illisible ({exc.__class__.__name__}).") from exc
    return "\n".join(lines)


def extract(fileobj, content_type: str) -> str:
    if content_type == "application/pdf":
        raw = pdf_text(fileobj)
    elif content_type.startswith("application/vnd.oasis.opendocument."):
        raw = odf_text(fileobj)
    elif content_type.startswith("application/vnd.openxmlformats-officedocument."):
        raw = ooxml_text(fileobj)
    else:
        return ""
    return _clean(raw)
