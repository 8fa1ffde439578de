"""Import of measurements from a table (CSV, ODS, XLSX) through `core.imports`: each
row is checked by the form of a manual entry; all or nothing."""

from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction

from cdvs.core.french import fold
from cdvs.core.imports import (
    CellError,
    Column,
    ImportFileError,
    RowError,
    RowForm,
    check_rows,
    guess_mapping,
    missing_columns,
    read_table,
)
from cdvs.territories.models import Territory

from . import services
from .forms import MeasurementForm
from .models import Geography, Indicator, Measurement, Sex

MAX_FILE_SIZE = 2 * 1024 * 1024
REASON = "Import d'un tableau de mesures"


def _decimal(text):
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.removesuffix("%").removesuffix("€").replace(",", ".")
    try:
        float(cleaned)
    except ValueError:
        raise CellError(f"nombre illisible : « {text} ».") from None
    return cleaned


def _yes(text):
    folded = fold(text)
    if folded in ("oui", "o", "1", "vrai", "x"):
        return True
    if folded in ("non", "n", "0", "faux", ""):
        return False
    raise CellError(f"« {text} » : écrivez « oui » ou « non ».")


def _choice(choices, what):
    labels = {fold(v): v for v, _ in choices} | {fold(label): v for v, label in choices}

    def read(text):
        try:
            return labels[fold(text)]
        except KeyError:
            raise CellError(f"{what} inconnu(e) : « {text} ».") from None

    return read


COLUMNS = [
    Column("indicator", "Indicateur", required=True, aliases=("code indicateur",)),
    Column("territory", "Territoire", aliases=("code territoire", "commune", "qpv")),
    Column("area", "Autre zone", aliases=("zone", "iris")),
    Column("period", "Période", required=True),
    Column("year", "Année"),
    Column("sex", "Sexe", read=_choice(Sex.choices, "sexe")),
    Column("age_band", "Tranche d'âge", aliases=("age",)),
    Column("value", "Valeur", read=_decimal),
    Column("numerator", "Numérateur", read=_decimal),
    Column("denominator", "Dénominateur", read=_decimal),
    Column("secret", "Secret statistique", aliases=("secret",), read=_yes),
    Column("producer", "Producteur"),
    Column("source", "Source"),
    Column("vintage", "Millésime"),
    Column("geography", "Géographie", read=_choice(Geography.choices, "géographie")),
]


class _Lookups:
    def __init__(self):
        self.indicators = {
            fold(code): pk for pk, code in Indicator.objects.values_list("pk", "code")
        }
        self.territories = {}
        for pk, code, name in Territory.objects.values_list("pk", "code", "name"):
            self.territories[fold(code)] = pk
            self.territories.setdefault(fold(name), pk)

    def reader(self, table, message):
        def read(text):
            try:
                return table[fold(text)]
            except KeyError:
                raise CellError(f"{message} : « {text} ».") from None

        return read

    def columns(self):
        readers = {
            "indicator": self.reader(self.indicators, "indicateur inconnu"),
            "territory": self.reader(self.territories, "territoire inconnu"),
        }
        return [replace(c, read=readers.get(c.key, c.read)) for c in COLUMNS]


@dataclass
class Result:
    rows: list
    errors: list
    encoding: str = ""


def check(content: bytes, filename: str) -> Result:
    """Every row checked; raises ImportFileError when the file cannot be read (a wrong
    encoding, an empty file…)."""
    if len(content) > MAX_FILE_SIZE:
        raise ImportFileError("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
    table = read_table(content, filename)
    mapping = guess_mapping(table.headers, COLUMNS)
    errors = [
        RowError(0, "", f"colonne obligatoire absente : « {label} ».")
        for label in missing_columns(COLUMNS, mapping)
    ]
    rows = []
    if not errors:
        spec = RowForm("measurement", MeasurementForm, _Lookups().columns())
        seen = {}
        for checked, row_errors in check_rows(table, mapping, [spec], duplicates=True):
            errors.extend(row_errors)
            if checked is None or row_errors:
                continue
            values = checked.cleaned("measurement")
            key = tuple(
                values.get(k)
                for k in (
                    "indicator",
                    "territory",
                    "area",
                    "period",
                    "sex",
                    "age_band",
                    "geography",
                )
            )
            if key in seen:
                errors.append(
                    RowError(checked.line, "", f"mesure en double (déjà à la ligne {seen[key]}).")
                )
                continue
            seen[key] = checked.line
            rows.append(values)
        if not rows and not errors:
            errors.append(RowError(0, "", "aucune mesure sous la ligne d'en-tête."))
    return Result(rows, errors, table.encoding_label)


@transaction.atomic
def apply(result: Result, user) -> list:
    if result.errors:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    return [
        services.save_measurement(Measurement(), values, user, REASON) for values in result.rows
    ]
