"""The one export mechanism of the product: a table (headers + rows) as CSV, ODS or XLSX.

    from cdvs.core.exports import export_response, stream_response
    return export_response("reunions", "Réunions", headers, rows, fmt)       # small tables
    return stream_response("plan-actions", "Plan d'actions", headers, rows, fmt)  # big ones

Both go through the same writers, `table_chunks(fmt, title, headers, rows)`, which read
`rows` (any iterable, a generator over `.iterator(chunk_size=...)` for big tables) once
and in order, with a memory bounded whatever the number of rows:

- CSV: UTF-8 with BOM and « ; » as separator (what spreadsheet software in France
  opens directly), sent as the rows come;
- ODS (OpenDocument, the public-sector default): its content.xml written row by row
  into the zip archive as it is sent (the standard library's zipfile; odfpy would
  build the whole document in memory first);
- XLSX with openpyxl in write-only mode, into a temporary file (the zip is closed at
  the end), then sent.

`export_response` answers an HttpResponse (the file built whole: for the tables of a
page); `stream_response` a StreamingHttpResponse (the exports of thousands of rows).

Cells are str, int, float, Decimal, bool, date, datetime (aware ones are written in
local time) or None. A text starting with = + - @ is prefixed with an apostrophe, so
that a spreadsheet never runs it as a formula (CSV injection).
"""

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {"csv": "CSV", "ods": "ODS (LibreOffice)", "xlsx": "XLSX (Excel)"}
# rows written between two chunks sent
CHUNK_ROWS = 500
FILE_CHUNK = 64 * 1024
# characters XML 1.0 refuses (ODS and XLSX are XML)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe_text(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _cell(value):
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _utf8(text: str) -> bytes:
    # a lone surrogate (« \ud800 ») cannot be written: it becomes « ? »
    return text.encode("utf-8", "replace")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value.encode("utf-8", "replace").decode("utf-8"))


def _csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(headers)
    for n, row in enumerate(rows, 1):
        cells = []
        for value in row:
            value = _cell(value)
            if isinstance(value, datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = "oui" if value else "non"
            elif value is None:
                value = ""
            cells.append(value)
        writer.writerow(cells)
        if n % CHUNK_ROWS == 0:
            yield _utf8(out.getvalue())
            out.seek(0)
            out.truncate()
    yield _utf8(out.getvalue())


def _file_chunks(file) -> Iterator[bytes]:
    file.seek(0)
    while chunk := file.read(FILE_CHUNK):
        yield chunk


def _xlsx_chunks(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    from openpyxl import Workbook  # lazy: heavy (0.6 s), only for XLSX exports
    from openpyxl.cell import WriteOnlyCell  # lazy: heavy (0.6 s), only for XLSX exports
    from openpyxl.styles import Font  # lazy: heavy (0.6 s), only for XLSX exports

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_xml_text(title)[:31] or "Feuille")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=_xml_text(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            value = _cell(value)
            if isinstance(value, str):
                cells.append(_xml_text(value))
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = (
                    "DD/MM/YYYY HH:MM" if isinstance(value, datetime) else "DD/MM/YYYY"
                )
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    with tempfile.TemporaryFile() as file:
        book.save(file)
        yield from _file_chunks(file)


class _Pipe(io.RawIOBase):
    """A file the zip archive writes to and the response reads from (not seekable: the
    archive then writes each member's sizes after its data)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def tell(self):
        return self.size

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
    f'manifest:media-type="{_ODS_MIME}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_cell(value) -> str:
    value = _cell(value)
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
        shown = "oui" if value else "non"
    elif isinstance(value, datetime):
        kind = f'office:value-type="date" office:date-value="{value:%Y-%m-%dT%H:%M:%S}"'
        shown = value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, date):
        kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
        shown = value.strftime("%d/%m/%Y")
    elif isinstance(value, int | float | Decimal):
        kind = f'office:value-type="float" office:value="{value}"'
        shown = str(value)
    else:
        kind = 'office:value-type="string"'
        shown = _xml_text(str(value))
    return f"<table:table-cell {kind}><text:p>{escape(shown)}</text:p></table:table-cell>"


def _ods_chunks(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
        # the mimetype first and uncompressed (OpenDocument §3.3)
        archive.writestr("mimetype", _ODS_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w") as content:
            name = quoteattr(_xml_text(title)[:31] or "Feuille")
            content.write(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NS}>'
                f"<office:body><office:spreadsheet><table:table table:name={name}>".encode()
            )
            for n, row in enumerate(_with_headers(headers, rows)):
                content.write(
                    ("<table:table-row>" + "".join(map(_ods_cell, row))
                     + "</table:table-row>").encode()
                )  # fmt: skip
                if n % CHUNK_ROWS == 0:
                    yield pipe.take()
            content.write(b"</table:table></office:spreadsheet></office:body>"
                          b"</office:document-content>")  # fmt: skip
    yield pipe.take()


def _with_headers(headers, rows):
    yield headers
    yield from rows


WRITERS = {
    "csv": lambda title, headers, rows: _csv_chunks(headers, rows),
    "ods": _ods_chunks,
    "xlsx": _xlsx_chunks,
}


def table_chunks(
    fmt: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> Iterator[bytes]:
    """The file of the table in `fmt`, as successive pieces of bytes; `rows` is read once,
    as the pieces are asked for."""
    if fmt not in WRITERS:
        raise ValueError(f"Format d'export inconnu : {fmt}")
    return WRITERS[fmt](title, headers, rows)


def render_table(fmt: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return b"".join(table_chunks(fmt, title, headers, rows))


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return render_table("csv", "", headers, rows)


def to_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return render_table("xlsx", title, headers, rows)


def to_ods(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return render_table("ods", title, headers, rows)


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("Format d'export inconnu (csv, ods ou xlsx).")


def _attach(response, basename: str, fmt: str):
    response["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response


def export_response(
    basename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str
) -> HttpResponse:
    """The file built whole, for the tables of a page (a few thousand rows at most)."""
    _check(fmt)
    content = render_table(fmt, title, headers, rows)
    return _attach(HttpResponse(content, content_type=FORMATS[fmt]), basename, fmt)


def stream_response(
    basename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str
) -> StreamingHttpResponse:
    """The file sent as it is written, memory bounded whatever the number of rows: for
    the big exports (`rows` a generator over `.iterator(chunk_size=...)`)."""
    _check(fmt)
    response = StreamingHttpResponse(
        table_chunks(fmt, title, headers, rows), content_type=FORMATS[fmt]
    )
    return _attach(response, basename, fmt)
