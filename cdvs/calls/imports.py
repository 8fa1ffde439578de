"""Import of calls for projects from a CSV, ODS or XLSX table, with the product's one
import mechanism (`cdvs.core.imports`: reading, encodings, French column names,
rows checked by the call form of the manual edit, row errors). Calls files are
small (tens of rows): they are checked and applied in the request, all or nothing,
inside one transaction; the preview shows every row and every error before anything
is written.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from cdvs.contract.models import Enjeu
from cdvs.core.imports import (
    CellError,
    Column,
    ImportFileError,
    RowError,
    RowForm,
    check_rows,
    fold,
    guess_mapping,
    missing_columns,
    read_table,
)
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import OrganisationKind
from cdvs.territories.models import Territory

from . import services
from .forms import CallForm
from .models import Nature, Recurrence

MAX_FILE_SIZE = 2 * 1024 * 1024
REASON = "Import d'un fichier"

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


REQUIRED = {"required": "valeur obligatoire manquante."}
AMOUNT = {"invalid": "montant illisible « {value} ».", "min_value": "montant négatif « {value} »."}
DATE = REQUIRED | {"invalid": "date illisible « {value} » (attendu : JJ/MM/AAAA)."}


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


def _read_date(text: str):
    """A date in the usual French writings; otherwise the text, which the form refuses."""
    try:
        return parse_date(text)
    except ValueError:
        return text


def _read_hour(text: str):
    match = re.fullmatch(r"(\d{1,2})\s*[h:]\s*(\d{2})?", text)
    if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
        return time(int(match.group(1)), int(match.group(2) or 0))
    return text  # refused by the form: « heure illisible »


def parse_amount(text: str) -> str:
    """« 5 000 € », « 1 710,50 » -> '5000.00', '1710.50'; what is not a number is given
    back as it is, for the form to refuse (its bounds of digits and sign apply too)."""
    cleaned = (
        text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    )
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    try:
        return str(value.quantize(Decimal("0.01")))
    except InvalidOperation:  # more digits than a decimal holds: the form says how many
        return cleaned


def _choice(table: dict):
    """A label read into its code; an unknown label goes to the form, which refuses it."""
    return lambda text: table.get(fold(text), text)


def _choices(table: dict):
    return lambda text: [table.get(fold(part), part) for part in _split(text)]


KINDS = {fold(label): value for value, label in OrganisationKind.choices} | {
    fold(value): value for value in OrganisationKind.values
}
PUBLICS = {fold(label): value for value, label in voc.PUBLICS} | {
    fold(value): value for value, _ in voc.PUBLICS
}

COLUMNS = [
    Column("title", "Intitulé", True, ("titre", "nom de l'appel", "appel a projets", "appel"),
           read=lambda t: " ".join(t.split()), messages=REQUIRED | {"max_length": "255 caractères au plus."}),
    Column("funder_name", "Financeur", True, ("financeurs", "organisme financeur", "porteur de l'appel"),
           read=lambda t: " ".join(t.split()), messages=REQUIRED | {"max_length": "255 caractères au plus."}),
    Column("opens_on", "Date d'ouverture", True, ("ouverture", "debut", "date de debut", "ouvert le"),
           read=_read_date, messages=DATE),
    Column("closes_on", "Date de clôture", False, ("cloture", "date limite", "fin", "date de fin", "clos le"),
           read=_read_date, messages=DATE),
    Column("closes_at", "Heure limite", False, ("heure", "heure de cloture"), read=_read_hour,
           messages={"invalid": "heure illisible « {value} » (attendu : 12:00 ou 12 h)."}),
    Column("description", "Description", False, ("texte", "presentation", "objet")),
    Column("amount_min", "Montant minimum", False, ("montant min", "minimum"), read=parse_amount, messages=AMOUNT),
    Column("amount_max", "Montant maximum", False, ("montant max", "maximum", "plafond"), read=parse_amount,
           messages=AMOUNT),
    Column("envelope", "Enveloppe totale", False, ("enveloppe", "budget", "montant total"), read=parse_amount,
           messages=AMOUNT),
    Column("nature", "Nature", False, ("nature des credits", "type de credits"), read=_choice(NATURES),
           messages={"invalid_choice": "« {value} » : « droit commun » ou « crédits spécifiques »."}),
    Column("enjeux", "Enjeux", False, ("enjeu", "enjeux du contrat")),
    Column("territories", "Territoires", False, ("territoire", "territoires eligibles", "quartiers")),
    Column("carriers", "Porteurs éligibles", False, ("porteurs", "beneficiaires", "structures eligibles"),
           read=_choices(KINDS), messages={"invalid_choice": "valeur inconnue « {item} »."}),
    Column("publics", "Publics", False, ("public", "publics vises"), read=_choices(PUBLICS),
           messages={"invalid_choice": "valeur inconnue « {item} »."}),
    Column("recurrence", "Récurrence", False, ("periodicite", "frequence"), read=_choice(RECURRENCES),
           messages={"invalid_choice": "« {value} » : annuelle, semestrielle ou trimestrielle."}),
    Column("link", "Lien", False, ("url", "site", "adresse internet")),
]  # fmt: skip


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


class _Lookups:
    """Enjeux by number or title, territories by name or code: the readers of the two
    columns that name rows of the database."""

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

    def reader(self, table: dict, what: str):
        def read(text: str) -> list:
            found, unknown = [], []
            for part in _split(text):
                pk = table.get(fold(part)) or table.get(part.strip())
                if pk is None:
                    unknown.append(f"{what} « {part} ».")
                else:
                    found.append(pk)
            if unknown:
                raise CellError(*unknown)
            return found

        return read

    def columns(self) -> list[Column]:
        readers = {
            "enjeux": self.reader(self.enjeux, "enjeu inconnu"),
            "territories": self.reader(self.territories, "territoire inconnu"),
        }
        return [replace(c, read=readers.get(c.key, c.read)) for c in COLUMNS]


def preview(content: bytes, filename: str, visibility: str = "") -> Preview:
    """Reads every row and checks it with the call form; raises `ImportFileError` when
    the file is unreadable."""
    if len(content) > MAX_FILE_SIZE:
        raise ImportFileError("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
    table = read_table(content, filename)
    mapping = guess_mapping(table.headers, COLUMNS)
    errors = [
        RowError(0, "", f"colonne obligatoire absente : « {label} ».")
        for label in missing_columns(COLUMNS, mapping)
    ]
    used = {i for i in mapping.values() if i is not None}
    ignored = [h for i, h in enumerate(table.headers) if i not in used and h]
    rows = []
    if not errors:
        form = RowForm(
            "call",
            CallForm,
            _Lookups().columns(),
            initial={"nature": Nature.COMMON_LAW, "visibility": visibility or "public"},
        )
        for checked, row_errors in check_rows(table, mapping, [form]):
            # what is valid (every column named, for the preview)
            values = dict.fromkeys(c.form_field for c in COLUMNS) | checked.cleaned("call")
            enjeux = [e.pk for e in values.pop("enjeux") or []]
            territories = [t.pk for t in values.pop("territories") or []]
            rows.append(Row(checked.line, values, enjeux, territories))
            errors.extend(row_errors)
        if not rows:
            errors.append(RowError(0, "", "aucune ligne d'appel sous l'en-tête."))
    return Preview(
        table.headers, mapping, rows, errors, table.encoding_label, table.format, ignored
    )


@transaction.atomic
def apply(result: Preview, user, visibility: str) -> list:
    """Writes every row of a preview without error, all or nothing."""
    if result.errors:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    return [
        services.create_call(
            {**row.values, "visibility": visibility},
            row.enjeux,
            row.territories,
            user,
            reason=REASON,
        )
        for row in result.rows
    ]
