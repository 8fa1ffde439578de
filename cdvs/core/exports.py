"""The one export mechanism of the product: a table (headers + rows) as CSV, ODS or XLSX.

    from cdvs.core.exports import export_response
    return export_response("reunions", "Réunions", headers, rows, fmt)

- CSV: UTF-8 with BOM and « ; » as separator (what spreadsheet software in France
  opens directly);
- ODS (OpenDocument, the public-sector default) with odfpy;
- XLSX with openpyxl.

Cells are str, int, float, Decimal, bool, date, datetime (aware ones are written in
local time) or None. A text starting with = + - @ is prefixed with an apostrophe, so
that a spreadsheet never runs it as a formula (CSV injection).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {"csv": "CSV", "ods": "ODS (LibreOffice)", "xlsx": "XLSX (Excel)"}


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


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
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
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook  # lazy: heavy (0.6 s), only for XLSX exports
    from openpyxl.styles import Font  # lazy: heavy (0.6 s), only for XLSX exports

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_ods(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet  # lazy: heavy, only for ODS
    from odf.table import Table, TableCell, TableRow  # lazy: heavy (0.3 s), only for ODS exports
    from odf.text import P  # lazy: heavy (0.3 s), only for ODS exports

    doc = OpenDocumentSpreadsheet()
    table = Table(name=title[:31])

    def add_row(values):
        tr = TableRow()
        for value in values:
            value = _cell(value)
            if value is None or value == "":
                tr.addElement(TableCell())
                continue
            if isinstance(value, bool):
                cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false")
                shown = "oui" if value else "non"
            elif isinstance(value, datetime):
                cell = TableCell(valuetype="date", datevalue=value.strftime("%Y-%m-%dT%H:%M:%S"))
                shown = value.strftime("%d/%m/%Y %H:%M")
            elif isinstance(value, date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
                shown = value.strftime("%d/%m/%Y")
            elif isinstance(value, int | float | Decimal):
                cell = TableCell(valuetype="float", value=str(value))
                shown = str(value)
            else:
                cell = TableCell(valuetype="string")
                shown = str(value)
            cell.addElement(P(text=shown))
            tr.addElement(cell)
        table.addElement(tr)

    add_row(headers)
    for row in rows:
        add_row(row)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def render_table(fmt: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    if fmt == "csv":
        return to_csv(headers, rows)
    if fmt == "xlsx":
        return to_xlsx(title, headers, rows)
    if fmt == "ods":
        return to_ods(title, headers, rows)
    raise ValueError(f"Format d'export inconnu : {fmt}")


def export_response(
    basename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str
) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Format d'export inconnu (csv, ods ou xlsx).")
    content = render_table(fmt, title, headers, rows)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response
