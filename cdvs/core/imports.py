"""The one import mechanism of the product: tables (CSV, ODS, XLSX) into rows, column
mapping, preview with row-by-row errors, and a record of each import run by the worker
with its progress, applied all or nothing.

Each app brings what is specific to it: its columns (`Column`), the validation of a row
and the writes; this module brings the rest:

- `read_table(content, filename)`: the rows of the first sheet as text. CSV is read as
  UTF-8 (with or without BOM), then Windows-1252 (what spreadsheet software in France
  writes); the encoding used is kept and shown. The separator is « ; », « , » or a
  tab, whichever the header line uses. A malformed file raises `ImportFileError` with
  a French message;
- `guess_mapping(headers, columns)`: which header feeds which column, from the usual
  French names (accents, case and punctuation ignored);
- `mapped_rows(table, mapping)`, `duplicate_lines(rows)`, `RowError`;
- `ImportRecord`: an abstract model (who, when, file name, format, encoding, mapping,
  status, progress, counts, errors, report) that an app subclasses for its imports;
- `execute(record, validate, apply)`: what the worker's task runs: validate every row
  (progress saved every `PROGRESS_EVERY` rows), then apply in one transaction (progress
  kept in the cache meanwhile, since the rows of an open transaction are invisible to
  the status page), or record the errors and change nothing.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from xml.etree import ElementTree

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone

from cdvs.core.french import words

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_ERRORS_KEPT = 500
PROGRESS_EVERY = 500
FORMATS = {"csv": "CSV", "xlsx": "XLSX (Excel)", "ods": "ODS (LibreOffice)"}
ENCODING_LABELS = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (cp1252)"}


class ImportFileError(Exception):
    """The file cannot be read; the message says why, in French."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    format: str
    encoding: str = ""

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def _format_of(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in ("csv", "txt", "tsv"):
        return "csv"
    if ext in FORMATS:
        return ext
    raise ImportFileError(
        f"Format de fichier non pris en charge (« .{ext} ») : déposez un fichier CSV, ODS ou XLSX."
    )


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 first, then Windows-1252."""
    if b"\x00" in content[:4096]:
        raise ImportFileError(
            "Ce fichier n'est pas un fichier texte CSV (il contient des octets nuls) : "
            "enregistrez-le au format CSV, ODS ou XLSX."
        )
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "Encodage du fichier non reconnu (ni UTF-8, ni Windows-1252) : enregistrez le "
            "fichier en « CSV UTF-8 » depuis votre tableur."
        ) from exc


def _read_csv(content: bytes) -> Table:
    text, encoding = decode_text(content)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ";"
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for cells in reader:
            rows.append((reader.line_num, [c.strip() for c in cells]))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise ImportFileError(
            f"Fichier CSV mal formé à la ligne {reader.line_num} (guillemet non fermé ou "
            "caractère inattendu) : vérifiez le fichier."
        ) from exc
    return _table(rows, "csv", encoding)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((i, [_cell_text(v) for v in values[:MAX_COLUMNS]]))
            if len(rows) > MAX_ROWS + 1:
                break
        book.close()
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise ImportFileError(
            "Le fichier XLSX est illisible ou endommagé : ouvrez-le dans votre tableur et "
            "enregistrez-le de nouveau."
        ) from exc
    return _table(rows, "xlsx")


_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _q(prefix, name):
    return f"{{{_NS[prefix]}}}{name}"


def _ods_cell(cell) -> str:
    kind = cell.get(_q("office", "value-type"))
    if kind in ("float", "percentage", "currency"):
        return _cell_text(float(cell.get(_q("office", "value"), "0")))
    if kind == "date":
        return (cell.get(_q("office", "date-value")) or "")[:10]
    if kind == "boolean":
        return "oui" if cell.get(_q("office", "boolean-value")) == "true" else "non"
    return "\n".join("".join(p.itertext()) for p in cell.iter(_q("text", "p"))).strip()


def _read_ods(content: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = archive.read("content.xml")
        root = ElementTree.fromstring(xml)  # noqa: S314 — no entities in ODF content
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise ImportFileError(
            "Le fichier ODS est illisible ou endommagé : ouvrez-le dans votre tableur et "
            "enregistrez-le de nouveau."
        ) from exc
    table = next(root.iter(_q("table", "table")), None)
    if table is None:
        raise ImportFileError("Le fichier ODS ne contient aucune feuille.")
    rows, line = [], 0
    for row in table.iter(_q("table", "table-row")):
        repeat_rows = int(row.get(_q("table", "number-rows-repeated"), "1"))
        cells, pending = [], 0
        for cell in row:
            if cell.tag not in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
                continue
            repeat = int(cell.get(_q("table", "number-columns-repeated"), "1"))
            value = _ods_cell(cell)
            if not value:
                pending += repeat  # trailing empty cells are not expanded
                continue
            cells.extend([""] * min(pending, MAX_COLUMNS))
            pending = 0
            cells.extend([value] * min(repeat, MAX_COLUMNS))
        if not cells:
            line += repeat_rows
            continue
        for _ in range(min(repeat_rows, MAX_ROWS + 2)):
            line += 1
            rows.append((line, cells[:MAX_COLUMNS]))
        if len(rows) > MAX_ROWS + 1:
            break
    return _table(rows, "ods")


def _table(rows, fmt, encoding="") -> Table:
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise ImportFileError("Le fichier est vide : aucune ligne d'en-tête n'a été trouvée.")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(
            f"Le fichier compte plus de {MAX_ROWS:_} lignes : découpez-le en plusieurs "
            "fichiers.".replace("_", "\u202f")
        )
    _, headers = rows[0]
    headers = [h.strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportFileError("La première ligne du fichier doit contenir les noms des colonnes.")
    width = len(headers)
    data = []
    for n, cells in rows[1:]:
        if len(cells) > width and any(cells[width:]):
            raise ImportFileError(
                f"Ligne {n} : plus de valeurs ({len(cells)}) que de colonnes dans l'en-tête "
                f"({width}) : vérifiez le séparateur et les guillemets."
            )
        data.append((n, (cells + [""] * width)[:width]))
    return Table(headers=headers, rows=data, format=fmt, encoding=encoding)


def read_table(content: bytes, filename: str) -> Table:
    fmt = _format_of(filename)
    if not content:
        raise ImportFileError("Le fichier est vide.")
    return {"csv": _read_csv, "xlsx": _read_xlsx, "ods": _read_ods}[fmt](content)


# ------------------------------------------------------------------ mapping


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


def fold(text: str) -> str:
    """'Code Postal' -> 'code postal'; 'N° SIRET' -> 'n siret'."""
    return " ".join(words(text))


def guess_mapping(headers: list[str], columns: Iterable[Column]) -> dict[str, int | None]:
    """column key -> index of the header that feeds it (or None)."""
    folded = [fold(h) for h in headers]
    taken: set[int] = set()
    mapping: dict[str, int | None] = {}
    columns = list(columns)
    for exact in (True, False):
        for column in columns:
            if mapping.get(column.key) is not None:
                continue
            names = [fold(n) for n in (column.label, column.key, *column.aliases)]
            found = None
            for i, header in enumerate(folded):
                if i in taken or not header:
                    continue
                if header in names or (
                    not exact and any(len(n) > 3 and header.startswith(n) for n in names)
                ):
                    found = i
                    break
            mapping[column.key] = found
            if found is not None:
                taken.add(found)
    return mapping


def mapped_rows(table: Table, mapping: dict) -> Iterator[tuple[int, dict[str, str]]]:
    items = [(k, i) for k, i in mapping.items() if i is not None and 0 <= i < len(table.headers)]
    for line, cells in table.rows:
        yield line, {k: cells[i] for k, i in items}


def duplicate_lines(rows: Iterable[tuple[int, dict]]) -> dict[int, int]:
    """line -> first line holding exactly the same values (duplicate rows)."""
    seen: dict[tuple, int] = {}
    duplicates = {}
    for line, values in rows:
        signature = tuple(sorted((k, " ".join(v.split()).casefold()) for k, v in values.items()))
        if signature in seen:
            duplicates[line] = seen[signature]
        else:
            seen[signature] = line
    return duplicates


@dataclass
class RowError:
    """An error of one row (``unit`` « Ligne ») or of one item of a file (unit "")."""

    line: int
    column: str
    message: str
    unit: str = "Ligne"

    def __str__(self):
        head = f"{self.unit} {self.line}" if self.unit and self.line else ""
        where = ", ".join(p for p in (head, self.column) if p) or "Fichier"
        return f"{where} : {self.message}"


# ------------------------------------------------------------------ the record


class ImportStatus(models.TextChoices):
    UPLOADED = "depose", "Fichier déposé, colonnes à associer"
    READY = "pret", "Vérifié, prêt à importer"
    QUEUED = "en_attente", "En attente du traitement"
    RUNNING = "en_cours", "Import en cours"
    DONE = "termine", "Import terminé"
    FAILED = "echec", "Échec : rien n'a été modifié"


FINISHED = {ImportStatus.DONE, ImportStatus.FAILED}


class ImportRecord(models.Model):
    """Provenance and progress of one import (subclass it in an app)."""

    file = models.FileField("fichier", upload_to="imports/%Y/%m/")
    file_name = models.CharField("nom du fichier", max_length=255)
    file_format = models.CharField("format", max_length=10, blank=True)
    encoding = models.CharField("encodage", max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="importé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    headers = models.JSONField("colonnes du fichier", default=list, blank=True)
    mapping = models.JSONField("colonnes associées", default=dict, blank=True)
    status = models.CharField(
        "état", max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    created_count = models.PositiveIntegerField("créées", default=0)
    updated_count = models.PositiveIntegerField("mises à jour", default=0)
    unchanged_count = models.PositiveIntegerField("inchangées", default=0)
    errors = models.JSONField("erreurs", default=list, blank=True)
    report = models.JSONField("compte rendu", default=list, blank=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding) or "—"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def _cache_key(self) -> str:
        return f"imports:{self._meta.label_lower}:{self.pk}:progress"

    def set_progress(self, processed: int, *, save: bool = True) -> None:
        """Progress seen by the status page: in the database when outside a transaction,
        in the (shared) cache too, for the part run inside the import's transaction."""
        self.processed_rows = processed
        cache.set(self._cache_key(), processed, 3600)
        if save and transaction.get_autocommit():
            type(self).objects.filter(pk=self.pk).update(processed_rows=processed)

    def live_processed(self) -> int:
        if self.is_finished:
            return self.processed_rows
        value = cache.get(self._cache_key())
        return max(self.processed_rows, value or 0)

    def phase_label(self) -> str:
        """What the worker is doing: checking the rows, then writing them (the writes
        are one transaction; their progress is seen only through a shared cache)."""
        label = self.get_status_display()
        if self.status != ImportStatus.RUNNING:
            return label
        if self.live_processed() < self.total_rows:
            return f"{label} : vérification des lignes"
        return f"{label} : écriture, en une seule fois (tout ou rien)"

    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        # validation counts for the first half, the writes for the second
        return min(99, int(self.live_processed() * 100 / (2 * self.total_rows)))

    def as_status(self) -> dict:
        return {
            "status": self.status,
            "status_label": self.phase_label(),
            "finished": self.is_finished,
            "percent": self.percent(),
            "total": self.total_rows,
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "errors": len(self.errors),
        }

    def read_content(self) -> bytes:
        try:
            with self.file.open("rb") as handle:
                return handle.read()
        except (OSError, ValueError) as exc:
            raise ImportFileError(
                "Le fichier déposé est introuvable : déposez-le de nouveau."
            ) from exc


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    report: list[str] = field(default_factory=list)


def execute(
    record: ImportRecord,
    *,
    prepare: Callable[[ImportRecord, Callable[[int], None]], tuple[object, list]],
    apply: Callable[[object, Callable[[int], None]], Outcome],
) -> ImportRecord:
    """Run an import: `prepare` reads and validates every row (returns what `apply`
    needs and the list of errors); `apply` writes, inside one transaction. Any error
    (a row, the file, or an exception while writing) leaves the data untouched and is
    recorded on the import."""
    model = type(record)
    record.status = ImportStatus.RUNNING
    record.started_at = timezone.now()
    record.processed_rows = 0
    model.objects.filter(pk=record.pk).update(
        status=record.status, started_at=record.started_at, processed_rows=0
    )

    def progress(n):
        record.set_progress(n)

    try:
        prepared, errors = prepare(record, progress)
        if errors:
            return _finish(record, ImportStatus.FAILED, errors=errors)
        with transaction.atomic():
            outcome = apply(prepared, lambda n: progress(record.total_rows + n))
    except ImportFileError as exc:
        return _finish(record, ImportStatus.FAILED, errors=[str(exc)])
    except Exception as exc:
        _finish(
            record,
            ImportStatus.FAILED,
            errors=[f"Erreur inattendue pendant l'import, rien n'a été modifié ({exc})."],
        )
        raise
    return _finish(record, ImportStatus.DONE, outcome=outcome)


def _finish(record, status, *, errors=(), outcome: Outcome | None = None):
    record.status = status
    record.finished_at = timezone.now()
    record.errors = [str(e) for e in list(errors)[:MAX_ERRORS_KEPT]]
    if outcome is not None:
        record.created_count = outcome.created
        record.updated_count = outcome.updated
        record.unchanged_count = outcome.unchanged
        record.report = outcome.report[:MAX_ERRORS_KEPT]
        record.processed_rows = 2 * record.total_rows
    record.save()
    cache.delete(record._cache_key())
    return record
