"""The one import mechanism of the product: tables (CSV, ODS, XLSX) into rows, column
mapping, rows checked by the application's own forms, preview with row-by-row errors,
and a record of each import run by the worker with its progress, applied all or
nothing.

Each app brings what is specific to it: its columns (`Column`), the validation of a row
and the writes; this module brings the rest:

- `read_table(content, filename)`: the rows of the first sheet as text. CSV is read as
  UTF-8 (with or without BOM), then Windows-1252 (what spreadsheet software in France
  writes); the encoding used is kept and shown. The separator is « ; », « , » or a
  tab, whichever the header line uses. ODS is read with odfpy (the library the exports
  write it with), XLSX with openpyxl. A malformed file raises `ImportFileError` with
  a French message;
- `guess_mapping(headers, columns)`: which header feeds which column, from the usual
  French names (accents, case and punctuation ignored);
- `mapped_rows(table, mapping)`, `duplicate_lines(rows)`, `RowError`;
- `check_row(line, cells, forms)` / `check_rows(table, mapping, forms)`: each row is
  read into the forms of the manual edit (`RowForm`: the fiche form, the call form…)
  and checked by them, so an import accepts exactly what a person may type; the
  columns only read cells (`Column.read`, `CellError`) and may rephrase the form's
  errors for a table (`Column.messages`); errors are in French in the worker too;
- `ImportRecord`: an abstract model (who, when, file name, format, encoding, mapping,
  status, progress, counts, errors, report) that an app subclasses for its imports;
  its methods are the changes of state (`take_table`, `set_mapping`, `launch`,
  `cancel`, then `execute`), never the views;
- `execute(record, validate, apply)`: what the worker's task runs: validate every row
  (progress saved every `PROGRESS_EVERY` rows), then apply in one transaction (progress
  kept in the cache meanwhile, since the rows of an open transaction are invisible to
  the status page), or record the errors and change nothing.
"""

import copy
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone, translation
from odf.namespaces import OFFICENS, TABLENS, TEXTNS

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
    from openpyxl import load_workbook  # lazy: heavy (0.6 s), only for XLSX imports

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


def _ods_cell(cell, teletype) -> str:
    kind = cell.getAttrNS(OFFICENS, "value-type")
    if kind in ("float", "percentage", "currency"):
        return _cell_text(float(cell.getAttrNS(OFFICENS, "value") or "0"))
    if kind == "date":
        return (cell.getAttrNS(OFFICENS, "date-value") or "")[:10]
    if kind == "boolean":
        return "oui" if cell.getAttrNS(OFFICENS, "boolean-value") == "true" else "non"
    paragraphs = [
        teletype.extractText(p)
        for p in cell.childNodes
        if getattr(p, "qname", None) == (TEXTNS, "p")
    ]
    return "\n".join(paragraphs).strip()


def _ods_rows(element):
    """The rows of a sheet, in order, also inside row groups and header rows."""
    for child in element.childNodes:
        name = getattr(child, "qname", None)
        if name == (TABLENS, "table-row"):
            yield child
        elif name in ((TABLENS, "table-row-group"), (TABLENS, "table-header-rows"),
                      (TABLENS, "table-rows")):  # fmt: skip
            yield from _ods_rows(child)


def _read_ods(content: bytes) -> Table:
    """The first sheet, read with odfpy (the library the exports write ODS with)."""
    from odf import teletype  # lazy: heavy (0.3 s), only for ODS imports
    from odf.opendocument import load  # lazy: heavy (0.3 s), only for ODS imports

    try:
        document = load(io.BytesIO(content))
        body = document.spreadsheet
    except Exception as exc:  # odfpy raises many kinds of errors on a broken file
        raise ImportFileError(
            "Le fichier ODS est illisible ou endommagé : ouvrez-le dans votre tableur et "
            "enregistrez-le de nouveau."
        ) from exc
    sheets = [
        c
        for c in getattr(body, "childNodes", [])
        if getattr(c, "qname", None) == (TABLENS, "table")
    ]
    if not sheets:
        raise ImportFileError("Le fichier ODS ne contient aucune feuille.")
    cell_names = ((TABLENS, "table-cell"), (TABLENS, "covered-table-cell"))
    rows, line = [], 0
    for row in _ods_rows(sheets[0]):
        repeat_rows = int(row.getAttrNS(TABLENS, "number-rows-repeated") or "1")
        cells, pending = [], 0
        for cell in row.childNodes:
            if getattr(cell, "qname", None) not in cell_names:
                continue
            repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or "1")
            value = _ods_cell(cell, teletype)
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
    """A column an import reads. `feeds` is the field of the form it feeds (its key
    by default); `read` turns the text of a cell into what that field expects (French
    spreadsheet habits: « 5 000 € », « 14 h », labels for codes) and raises `CellError`
    when it cannot; `messages` rephrase the form's errors by code for a table, with
    `{value}` (the cell), `{item}` (the value the form names, one item of a list) and
    `{message}` (the form's own message)."""

    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    feeds: str = ""
    read: Callable[[str], object] | None = field(default=None, compare=False)
    messages: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def form_field(self) -> str:
        return self.feeds or self.key


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


# ------------------------------------------------------------------ rows through forms


class CellError(ValueError):
    """A cell that cannot be read (« date illisible », « enjeu inconnu »): its messages."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = list(messages)


@dataclass
class RowForm:
    """One form of the application fed by columns of a row: the very form a person
    fills in by hand, so a row is checked exactly like a manual edit. `initial` gives
    the data of the fields no column feeds (a callable of the row's cells, or a dict);
    `when` says whether the row has anything for this form (a row without a place
    has no place to check); `kwargs` go to the form."""

    name: str
    form_class: type
    columns: list[Column]
    initial: Callable[[dict], dict] | dict = field(default_factory=dict)
    when: Callable[[dict], bool] | None = None
    kwargs: dict = field(default_factory=dict)


class _Binder:
    """A form built once for a whole import (its fields, querysets and choices), then
    bound to each row: Django copies every field of a form at each construction,
    which costs more than the checks themselves on thousands of rows. Validating does
    not change a form's fields, so the rows share them; each row gets its own data,
    errors and (for a model form) its own new instance. The model's own checks
    (`clean()`) run for every row as for a manual edit.

    The bound fields (name, HTML name, label of each field: the same for every row)
    are made once too, each row getting a shallow copy pointing at its own form; and
    a cell's text is read (`Column.read`) once per import, the rows sharing the same
    texts (a type, a commune, « oui ») reusing the value read."""

    def __init__(self, spec: RowForm):
        self.prototype = spec.form_class(**spec.kwargs)
        self.model = getattr(getattr(self.prototype, "_meta", None), "model", None)
        # the optional fields no column feeds keep their defaults: not checked per row
        initial = spec.initial({}) if callable(spec.initial) else spec.initial
        fed = {c.form_field for c in spec.columns} | set(initial)
        self.prototype.fields = {
            name: f for name, f in self.prototype.fields.items() if f.required or name in fed
        }
        # taken right after construction: no cached property (initial, subwidgets) yet
        self.bound_fields = [
            (name, type(bf), dict(bf.__dict__))
            for name, bf in ((name, self.prototype[name]) for name in self.prototype.fields)
        ]
        self.prototype._bound_fields_cache = {}
        self.read_values: dict[tuple[str, str], object] = {}

    def read(self, column: Column, text: str):
        """`column.read(text)`, remembered for the import (a `CellError` is not)."""
        key = (column.key, text)
        try:
            value = self.read_values[key]
        except KeyError:
            value = self.read_values[key] = column.read(text)
        # the rows must not share a list (or any other mutable value)
        return copy.copy(value) if isinstance(value, list | dict | set) else value

    def bind(self, data: dict):
        form = copy.copy(self.prototype)
        form.data, form.files, form.is_bound = data, {}, True
        form._errors, form._bound_fields_cache = None, {}
        for name, kind, attrs in self.bound_fields:
            bound = form._bound_fields_cache[name] = kind.__new__(kind)
            bound.__dict__.update(attrs)
            bound.form = form
        if self.model is not None:
            form.instance = self.model()
        return form


@dataclass
class CheckedRow:
    """A row and its bound forms (None where the row had nothing for a form); `given`
    holds the form fields fed by a non-empty cell."""

    line: int
    cells: dict[str, str]
    forms: dict[str, object]
    given: dict[str, set]

    def cleaned(self, name: str, *, only_given=False) -> dict:
        form = self.forms.get(name)
        if form is None:
            return {}
        if only_given:
            return {k: v for k, v in form.cleaned_data.items() if k in self.given[name]}
        return dict(form.cleaned_data)


def _error_text(column: Column | None, error, cell: str) -> str:
    message = error.messages[0] if hasattr(error, "messages") else str(error)
    template = column.messages.get(error.code) if column is not None and error.code else None
    if template is None:
        return message
    params = error.params if isinstance(error.params, dict) else {}
    return template.format(value=cell, item=params.get("value", cell), message=message)


def check_row(line: int, cells: dict[str, str], forms: Iterable[RowForm], binders=None):
    """Read one row into the forms and validate them: (CheckedRow, [RowError]). Each
    error of a form is given to the column that feeds its field (« Ligne 4, Nom : … »),
    in French whatever language the worker runs in."""
    # already in French (the worker's usual case): no switching back and forth per row
    if translation.get_language() == settings.LANGUAGE_CODE:
        return _check_row(line, cells, forms, binders or {})
    with translation.override(settings.LANGUAGE_CODE):
        return _check_row(line, cells, forms, binders or {})


def _check_row(line, cells, forms, binders):
    errors: list[RowError] = []
    bound: dict[str, object] = {}
    given: dict[str, set] = {}
    for spec in forms:
        given[spec.name] = set()
        if spec.when is not None and not spec.when(cells):
            bound[spec.name] = None
            continue
        initial = spec.initial(cells) if callable(spec.initial) else spec.initial
        data = dict(initial)
        failed, by_field = set(), {}
        binder = binders.get(spec.name)
        for column in spec.columns:
            name = column.form_field
            by_field[name] = column
            text = cells.get(column.key, "")
            if not text:
                continue
            try:
                if column.read is None:
                    data[name] = text
                else:
                    data[name] = binder.read(column, text) if binder else column.read(text)
            except CellError as exc:
                errors += [RowError(line, column.label, m) for m in exc.messages]
                failed.add(name)
                data.pop(name, None)
                continue
            given[spec.name].add(name)
        form = binder.bind(data) if binder else spec.form_class(data=data, **spec.kwargs)
        form.is_valid()
        for name, items in form.errors.as_data().items():
            if name in failed:
                continue  # already said by the cell
            column = by_field.get(name)
            label = column.label if column is not None else ""
            cell = cells.get(column.key, "") if column is not None else ""
            errors += [RowError(line, label, _error_text(column, e, cell)) for e in items]
        bound[spec.name] = form
    return CheckedRow(line, cells, bound, given), errors


def missing_columns(columns: Iterable[Column], mapping: dict) -> list[str]:
    """The labels of the required columns no header feeds."""
    return [c.label for c in columns if c.required and mapping.get(c.key) is None]


def check_rows(
    table: Table,
    mapping: dict,
    forms: list[RowForm],
    *,
    duplicates: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[CheckedRow | None, list[RowError]]]:
    """Every row of a table through `check_row`, in order: (row, errors) for each;
    with `duplicates`, a row identical to an earlier one is an error (row None)."""
    rows = list(mapped_rows(table, mapping))
    twins = duplicate_lines(rows) if duplicates else {}
    binders = {spec.name: _Binder(spec) for spec in forms}
    for i, (line, cells) in enumerate(rows, start=1):
        if line in twins:
            message = f"ligne en double (identique à la ligne {twins[line]})."
            yield None, [RowError(line, "", message)]
        else:
            yield check_row(line, cells, forms, binders)
        if progress and i % PROGRESS_EVERY == 0:
            progress(i)
    if progress:
        progress(len(rows))


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

    # ---- the steps of an import: upload → (mapping) → preview → launch → run → result;
    # every change of state is one of these methods (and `execute` for the run)

    def take_table(self, table: Table, columns: Iterable[Column]) -> None:
        """A table was read: its columns are to be associated (mapping guessed)."""
        self.file_format, self.encoding = table.format, table.encoding
        self.headers = table.headers
        self.mapping = guess_mapping(table.headers, columns)
        self.total_rows = len(table.rows)
        self.status = ImportStatus.UPLOADED

    def take_items(self, file_format: str, total: int) -> None:
        """A file without columns to associate (JSON items): ready for the preview."""
        self.file_format, self.total_rows = file_format, total
        self.status = ImportStatus.READY

    def store(self, upload) -> None:
        """Keep the uploaded file with the record (both saved)."""
        upload.seek(0)
        self.file.save(upload.name, upload, save=False)
        self.save()

    @property
    def may_map(self) -> bool:
        return self.status in (ImportStatus.UPLOADED, ImportStatus.READY)

    def set_mapping(self, mapping: dict) -> None:
        self.mapping = mapping
        self.status = ImportStatus.READY
        self.save(update_fields=["mapping", "status"])

    @property
    def may_launch(self) -> bool:
        return self.status == ImportStatus.READY

    def launch(self, task) -> None:
        """Queue the run by the worker (`task.enqueue(pk)`), with the change of state."""
        with transaction.atomic():
            self.status = ImportStatus.QUEUED
            self.save(update_fields=["status"])
            task.enqueue(self.pk)

    @property
    def may_cancel(self) -> bool:
        return self.status in (ImportStatus.UPLOADED, ImportStatus.READY)

    def cancel(self) -> bool:
        """Drop an import not launched yet, with its file; False when too late."""
        if not self.may_cancel:
            return False
        self.file.delete(save=False)
        self.delete()
        return True

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
