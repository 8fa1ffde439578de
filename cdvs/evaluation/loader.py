"""Load the seed's evidence (data/evaluation.yaml): indicators, the figures of the
diagnostic tables and of the MEL panorama exactly as written, the targets of the
objectives verbatim with their shape, the evaluative questions of §3.1.

All or nothing, in one transaction; running it again changes nothing. A row is found
again by its key (indicators by their code, measurements by indicator, place, period,
breakdown and geography)."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction

from cdvs.contract.models import Enjeu, Objective
from cdvs.core.history import save_with_history
from cdvs.territories.models import Territory

from .models import DiagnosticRow, EvaluativeQuestion, Indicator, Measurement, Target

DEFAULT_FILE = Path(__file__).parent / "data" / "evaluation.yaml"
REASON = "Chargement du diagnostic et des cibles du contrat"
SEED = "Contrat de ville et des solidarités 2024-2030 (texte du contrat)"


class EvaluationFileError(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def lines(self):
        names = {
            "indicator": "indicateurs",
            "measurement": "mesures",
            "row": "lignes de diagnostic",
            "target": "cibles",
            "question": "questions évaluatives",
        }
        out = []
        for key, label in names.items():
            out.append(
                f"{label} : {self.created[key]} créé(e)s, {self.updated[key]} mis(es) à jour"
            )
        return out


def _upsert(report, key, model, lookup, values, user=None):
    obj = model.all_objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(validate_unique=False)
        save_with_history(obj, user, REASON)
        report.created[key] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean(validate_unique=False)
        save_with_history(obj, user, REASON)
        report.updated[key] += 1
    return obj


def _dec(text):
    return Decimal(str(text)) if text not in (None, "") else None


@transaction.atomic
def load(path=DEFAULT_FILE) -> Report:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    places, errors = {}, []
    for name, ref in data["places"].items():
        territory = Territory.objects.filter(kind=ref["kind"], code=ref["code"]).first()
        if territory is None:
            errors.append(
                f"Territoire introuvable : {ref['kind']} {ref['code']} "
                "(lancez d'abord « manage.py load_territories »)."
            )
        places[name] = territory
    if errors:
        raise EvaluationFileError(errors)
    enjeux = {e.number: e for e in Enjeu.objects.order_by("pk")}
    report = Report()

    indicators = {}
    for item in data["indicators"]:
        values = {
            "name": item["name"],
            "unit": item["unit"],
            "kind": item["kind"],
            "polarity": item.get("polarity", "neutre"),
            "role": item.get("role", "contexte"),
            "summable": bool(item.get("summable", False)),
            "source": item.get("source", ""),
            "enjeu": enjeux.get(item.get("enjeu")),
        }
        indicators[item["code"]] = _upsert(
            report, "indicator", Indicator, {"code": item["code"]}, values
        )

    def measurement(indicator, cell):
        territory = places[cell["place"]] if "place" in cell else None
        lookup = {
            "indicator": indicator,
            "territory": territory,
            "area": cell.get("area", ""),
            "period": cell.get("period", ""),
            "sex": "",
            "age_band": "",
            "geography": cell.get("geography", ""),
        }
        period = cell.get("period", "")
        digits = "".join(ch if ch.isdigit() else " " for ch in period).split()
        years = [int(d) for d in digits if len(d) == 4]
        values = {
            "value": _dec(cell["value"]),
            "source": cell.get("source", ""),
            "vintage": cell.get("vintage", ""),
            "year": years[-1] if years else None,
            "producer": cell.get("source", "").split(",")[0],
            "seed_text": cell.get("text", ""),
        }
        return _upsert(report, "measurement", Measurement, lookup, values)

    for position, row in enumerate(data["rows"]):
        indicator = indicators[row["indicator"]]
        reference = measurement(indicator, row["reference"])
        compared = [measurement(indicator, cell) for cell in row["compared"]]
        values = {
            "table": row["table"],
            "title": row["title"],
            "position": position,
            "indicator": indicator,
            "commune": places.get(row.get("commune")),
            "reference": reference,
            "gap_kind": row["gap"],
            "reference_text": row["reference_text"],
            "compared_text": row["compared_text"],
            "seed_wording": row["wording"],
            "sources": row["sources"],
        }
        obj = _upsert(report, "row", DiagnosticRow, {"key": row["key"]}, values)
        if set(obj.compared.all()) != set(compared):
            obj.compared.set(compared)
    for cell in data.get("extra_measurements", []):
        measurement(indicators[cell["indicator"]], cell)

    objectives = {o.key: o for o in Objective.objects.exclude(key=None)}
    for item in data["targets"]:
        values = {
            "objective": objectives.get(item["objective"]),
            "indicator": indicators[item["indicator"]],
            "shape": item["shape"],
            "low": _dec(item.get("low")),
            "high": _dec(item.get("high")),
            "unit": item.get("unit", ""),
            "territory": places.get(item.get("territory")),
            "territory_text": item.get("territory_text", ""),
            "due_year": item.get("due_year"),
            "seed_text": item["text"],
            "source": SEED,
        }
        _upsert(report, "target", Target, {"key": item["key"]}, values)

    for position, item in enumerate(data["questions"]):
        values = {"text": item["text"], "position": position, "source": SEED + ", §3.1"}
        _upsert(report, "question", EvaluativeQuestion, {"key": item["key"]}, values)
    return report
