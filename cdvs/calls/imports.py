"""Import of calls for projects from a CSV, ODS or XLSX table, with the product's one
import mechanism (`cdvs.core.imports`: reading, encodings, French column names,
row errors). Calls files are small (tens of rows): they are checked and applied in
the request, all or nothing, inside one transaction; the preview shows every row
and every error before anything is written.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from cdvs.contract.models import Enjeu
from cdvs.core.imports import Column, RowError, fold, guess_mapping, mapped_rows, read_table
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import OrganisationKind
from cdvs.territories.models import Territory

from . import services
from .models import CallForProjects, Nature, Recurrence

MAX_FILE_SIZE = 2 * 1024 * 1024

COLUMNS = [
    Column("title", "Intitulé", True, ("titre", "nom de l'appel", "appel a projets", "appel")),
    Column("funder_name", "Financeur", True, ("financeurs", "organisme financeur", "porteur de l'appel")),
    Column("opens_on", "Date d'ouverture", True, ("ouverture", "debut", "date de debut", "ouvert le")),
    Column("closes_on", "Date de clôture", False, ("cloture", "date limite", "fin", "date de fin", "clos le")),
    Column("closes_at", "Heure limite", False, ("heure", "heure de cloture")),
    Column("description", "Description", False, ("texte", "presentation", "objet")),
    Column("amount_min", "Montant minimum", False, ("montant min", "minimum")),
    Column("amount_max", "Montant maximum", False, ("montant max", "maximum", "plafond")),
    Column("envelope", "Enveloppe totale", False, ("enveloppe", "budget", "montant total")),
    Column("nature", "Nature", False, ("nature des credits", "type de credits")),
    Column("enjeux", "Enjeux", False, ("enjeu", "enjeux du contrat")),
    Column("territories", "Territoires", False, ("territoire", "territoires eligibles", "quartiers")),
    Column("carriers", "Porteurs éligibles", False, ("porteurs", "beneficiaires", "structures eligibles")),
    Column("publics", "Publics", False, ("public", "publics vises")),
    Column("recurrence", "Récurrence", False, ("periodicite", "frequence")),
    Column("link", "Lien", False, ("url", "site", "adresse internet")),
]  # fmt: skip

NATURES = {fold(label): value for value, label in Nature.choices} | {
    "droit commun": Nature.COMMON_LAW,
    "dc": Nature.COMMON_LAW,
    "specifique": Nature.SPECIFIC,
    "credits specifiques": Nature.SPECIFIC,
    "politique de la ville": Nature.SPECIFIC,
}
RECURRENCES = {fold(label): value for value, label in Recurrence.choices} | {
    "": "",
    "aucune": "",
    "non": "",
    "annuelle": Recurrence.YEARLY,
    "annuel": Recurrence.YEARLY,
    "chaque annee": Recurrence.YEARLY,
    "semestrielle": Recurrence.HALF_YEARLY,
    "trimestrielle": Recurrence.QUARTERLY,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


@dataclass
class Row:
    line: int
    values: dict
    enjeux: list = field(default_factory=list)
    territories: list = field(default_factory=list)


@dataclass
class Preview:
    headers: list
    mapping: dict  # column key -> header index
    rows: list[Row]
    errors: list[RowError]
    encoding: str = ""
    format: str = ""
    ignored: list = field(default_factory=list)  # headers fed into nothing

    @property
    def columns(self):
        return [
            (c, self.headers[self.mapping[c.key]] if self.mapping.get(c.key) is not None else None)
            for c in COLUMNS
        ]


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,|\n]", text) if p.strip()]


def parse_date(text: str) -> date:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date illisible « {text} » (attendu : JJ/MM/AAAA)")


def parse_amount(text: str) -> Decimal:
    cleaned = (
        text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    )
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"montant illisible « {text} »") from None
    if not value.is_finite():
        raise ValueError(f"montant illisible « {text} »")
    if value < 0:
        raise ValueError(f"montant négatif « {text} »")
    return value.quantize(Decimal("0.01"))


class _Lookups:
    """Enjeux by number or title, territories by name or code, vocabularies by label."""

    def __init__(self):
        self.enjeux = {}
        for pk, number, title in Enjeu.objects.values_list("pk", "number", "title"):
            self.enjeux[str(number)] = pk
            self.enjeux[fold(f"enjeu {number}")] = pk
            self.enjeux[fold(title)] = pk
        self.territories = {}
        for pk, name, code in Territory.objects.values_list("pk", "name", "code"):
            self.territories.setdefault(fold(name), pk)
            self.territories[fold(code)] = pk
        self.kinds = {fold(label): value for value, label in OrganisationKind.choices} | {
            fold(value): value for value in OrganisationKind.values
        }
        self.publics = {fold(label): value for value, label in voc.PUBLICS} | {
            fold(value): value for value, _ in voc.PUBLICS
        }


def _check_row(line: int, raw: dict, lookups: _Lookups) -> tuple[Row | None, list[RowError]]:
    errors = []
    values = {}
    row = Row(line, values)
    labels = {c.key: c.label for c in COLUMNS}

    def error(key, message):
        errors.append(RowError(line, labels.get(key, ""), message))

    for key in ("title", "funder_name"):
        text = " ".join(raw.get(key, "").split())
        if not text:
            error(key, "valeur obligatoire manquante.")
        elif len(text) > 255:
            error(key, "255 caractères au plus.")
        values[key] = text
    values["description"] = raw.get("description", "").strip()
    for key in ("opens_on", "closes_on"):
        text = raw.get(key, "").strip()
        if not text:
            if key == "opens_on":
                error(key, "valeur obligatoire manquante.")
            values[key] = None
            continue
        try:
            values[key] = parse_date(text)
        except ValueError as exc:
            error(key, f"{exc}.")
            values[key] = None
    text = raw.get("closes_at", "").strip()
    values["closes_at"] = None
    if text:
        match = re.fullmatch(r"(\d{1,2})\s*[h:]\s*(\d{2})?", text)
        if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
            values["closes_at"] = datetime.strptime(
                f"{match.group(1)}:{match.group(2) or '00'}", "%H:%M"
            ).time()
        else:
            error("closes_at", f"heure illisible « {text} » (attendu : 12:00 ou 12 h).")
    for key in ("amount_min", "amount_max", "envelope"):
        text = raw.get(key, "").strip()
        values[key] = None
        if text:
            try:
                values[key] = parse_amount(text)
            except ValueError as exc:
                error(key, f"{exc}.")
    text = fold(raw.get("nature", ""))
    values["nature"] = Nature.COMMON_LAW
    if text:
        if text in NATURES:
            values["nature"] = NATURES[text]
        else:
            error("nature", f"« {raw['nature']} » : « droit commun » ou « crédits spécifiques ».")
    text = fold(raw.get("recurrence", ""))
    values["recurrence"] = ""
    if text in RECURRENCES:
        values["recurrence"] = RECURRENCES[text]
    else:
        error("recurrence", f"« {raw['recurrence']} » : annuelle, semestrielle ou trimestrielle.")
    values["link"] = raw.get("link", "").strip()
    for key, table, target in (
        ("enjeux", lookups.enjeux, row.enjeux),
        ("territories", lookups.territories, row.territories),
    ):
        for part in _split(raw.get(key, "")):
            found = table.get(fold(part)) or table.get(part.strip())
            if found is None:
                what = "enjeu inconnu" if key == "enjeux" else "territoire inconnu"
                error(key, f"{what} « {part} ».")
            else:
                target.append(found)
    for key, table in (("carriers", lookups.kinds), ("publics", lookups.publics)):
        codes = []
        for part in _split(raw.get(key, "")):
            code = table.get(fold(part))
            if code is None:
                error(key, f"valeur inconnue « {part} ».")
            else:
                codes.append(code)
        values[key] = codes
    if not errors:
        call = CallForProjects(**values)
        try:
            call.full_clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    error(key if key in labels else "", message)
    return row, errors


def preview(content: bytes, filename: str) -> Preview:
    """Reads and checks every row; raises `ImportFileError` when the file is unreadable."""
    from cdvs.core.imports import ImportFileError

    if len(content) > MAX_FILE_SIZE:
        raise ImportFileError("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
    table = read_table(content, filename)
    mapping = guess_mapping(table.headers, COLUMNS)
    errors = []
    for column in COLUMNS:
        if column.required and mapping.get(column.key) is None:
            errors.append(RowError(0, "", f"colonne obligatoire absente : « {column.label} »."))
    used = {i for i in mapping.values() if i is not None}
    ignored = [h for i, h in enumerate(table.headers) if i not in used and h]
    rows = []
    if not errors:
        lookups = _Lookups()
        for line, raw in mapped_rows(table, mapping):
            row, row_errors = _check_row(line, raw, lookups)
            rows.append(row)
            errors.extend(row_errors)
        if not rows:
            errors.append(RowError(0, "", "aucune ligne d'appel sous l'en-tête."))
    return Preview(
        table.headers, mapping, rows, errors, table.encoding_label, table.format, ignored
    )


@transaction.atomic
def apply(result: Preview, user, visibility: str) -> list[CallForProjects]:
    """Writes every row of a preview without error, all or nothing."""
    if result.errors:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    created = []
    for row in result.rows:
        created.append(
            services.create_call(
                {**row.values, "visibility": visibility},
                row.enjeux,
                row.territories,
                user,
                reason="Import d'un fichier",
            )
        )
    return created
