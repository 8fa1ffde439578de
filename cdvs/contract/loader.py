"""Load the contract's strategic frame from its data file (YAML), in place.

The file is validated whole before anything is written; then every row is matched by
its stable `key`. A value that changed in the file updates the row, unless a user
changed that value in the application since the last load: then the user's value is
kept and the report says so. Running the loader twice changes nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from cdvs.core.history import save_with_history
from cdvs.territories.models import Kind, Territory
from cdvs.territories.services import ensure_pac

from .models import (
    ActionLead,
    Ambition,
    Contract,
    Enjeu,
    GovernanceBody,
    LeadKind,
    LocalEnjeu,
    LocalSection,
    Objective,
    Scale,
)

DEFAULT_FILE = Path(__file__).parent / "data" / "cdvs-mel-2024-2030.yaml"
LOADER_REASON = "Chargement du fichier du contrat"


class ContractFileError(Exception):
    """The file cannot be loaded; `errors` lists every problem, in French."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: int = 0
    kept_user_edits: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        out = []
        for label, counter in (("créés", self.created), ("mis à jour", self.updated)):
            for model, n in sorted(counter.items()):
                out.append(f"{model} {label} : {n}")
        if not self.changed:
            out.append("Aucun changement : la base est déjà à jour.")
        out.extend(f"Modifié dans l'application, non écrasé : {m}" for m in self.kept_user_edits)
        out.extend(f"Supprimé dans l'application, laissé supprimé : {m}" for m in self.kept_deleted)
        out.extend(self.notes)
        return out


# ---------------------------------------------------------------- validation


class _Checker:
    def __init__(self):
        self.errors: list[str] = []
        self.keys: set[str] = set()

    def text(self, node, name, where, required=True):
        value = node.get(name) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.errors.append(f"{where} : le champ « {name} » est obligatoire.")
            return ""
        if not isinstance(value, str | int):
            self.errors.append(f"{where} : le champ « {name} » doit être un texte.")
            return ""
        return str(value).strip()

    def key(self, node, where):
        key = self.text(node, "key", where)
        if key:
            if key in self.keys:
                self.errors.append(f"{where} : la clé « {key} » est utilisée deux fois.")
            self.keys.add(key)
        return key

    def items(self, node, name, where, required=False):
        value = node.get(name) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.errors.append(f"{where} : la liste « {name} » est obligatoire.")
            return []
        if not isinstance(value, list):
            self.errors.append(f"{where} : « {name} » doit être une liste.")
            return []
        return value

    def strings(self, node, name, where):
        values = self.items(node, name, where)
        out = []
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                self.errors.append(f"{where}.{name}[{i}] : texte attendu.")
            else:
                out.append(v.strip())
        return out


def load_yaml(text: str, error=ContractFileError, invalid="n'est pas un YAML valide"):
    """The YAML document of `text`, or `error` with a French message saying where the
    file stops being readable (the contract file and the volet files)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        raise error([f"Le fichier {invalid}{where}."]) from exc
    except RecursionError:
        raise error(["Le fichier est imbriqué trop profondément."]) from None


def parse(text: str) -> dict:
    """Parse and validate the file; returns the data or raises ContractFileError."""
    data = load_yaml(text)
    if not isinstance(data, dict):
        raise ContractFileError(["Le fichier doit décrire un contrat (un dictionnaire YAML)."])
    check = _Checker()
    contract = data.get("contract")
    if not isinstance(contract, dict):
        check.errors.append("La section « contract » est obligatoire.")
    else:
        check.key(contract, "contract")
        check.text(contract, "name", "contract")
        epci = contract.get("epci")
        if not isinstance(epci, dict) or not epci.get("siren"):
            check.errors.append("contract : « epci.siren » est obligatoire.")
        period = contract.get("period") or {}
        start, end = period.get("start"), period.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or start > end:
            check.errors.append("contract : « period » doit donner deux années, début ≤ fin.")
    enjeu_keys = set()
    enjeux = check.items(data, "enjeux", "racine", required=True)
    numbers = set()
    for i, enjeu in enumerate(enjeux):
        where = f"enjeux[{i}]"
        enjeu_keys.add(check.key(enjeu, where))
        check.text(enjeu, "title", where)
        number = enjeu.get("number") if isinstance(enjeu, dict) else None
        if not isinstance(number, int) or number < 1:
            check.errors.append(f"{where} : « number » doit être un entier positif.")
        elif number in numbers:
            check.errors.append(f"{where} : le numéro d'enjeu {number} est utilisé deux fois.")
        numbers.add(number)
        check.strings(enjeu, "partners", where)
        for j, amb in enumerate(check.items(enjeu, "ambitions", where)):
            w = f"{where}.ambitions[{j}]"
            check.key(amb, w)
            check.text(amb, "text", w)
            scale = check.text(amb, "scale", w)
            if scale and scale not in (Scale.MEL_2027, Scale.QPV_2030):
                check.errors.append(f"{w} : échelle « {scale} » inconnue (mel_2027 ou qpv_2030).")
        for j, obj in enumerate(check.items(enjeu, "objectives", where)):
            w = f"{where}.objectives[{j}]"
            check.key(obj, w)
            check.text(obj, "text", w)
    for i, body in enumerate(check.items(data, "governance", "racine")):
        where = f"governance[{i}]"
        check.key(body, where)
        check.text(body, "name", where)
    areas = data.get("priority_areas") or {}
    for i, pac in enumerate(check.items(areas, "pac", "priority_areas")):
        where = f"priority_areas.pac[{i}]"
        check.key(pac, where)
        check.text(pac, "name", where)
        check.text(pac, "insee", where)
    for i, section in enumerate(check.items(data, "local_sections", "racine")):
        where = f"local_sections[{i}]"
        check.key(section, where)
        check.text(section, "name", where)
        check.text(section, "insee", where)
        for j, le in enumerate(check.items(section, "enjeux", where)):
            w = f"{where}.enjeux[{j}]"
            ref = check.text(le, "enjeu", w)
            if ref and ref not in enjeu_keys:
                check.errors.append(f"{w} : l'enjeu « {ref} » n'existe pas dans le fichier.")
            check.text(le, "title", w)
            for k, group in enumerate(check.items(le, "partners", w)):
                if not isinstance(group, dict) or not isinstance(group.get("names"), list):
                    check.errors.append(f"{w}.partners[{k}] : « names » (liste) attendu.")
            _check_objectives(check, le, w)
            for k, amb in enumerate(check.items(le, "ambitions", w)):
                wa = f"{w}.ambitions[{k}]"
                check.key(amb, wa)
                check.text(amb, "text", wa)
                _check_objectives(check, amb, wa)
    if check.errors:
        raise ContractFileError(check.errors)
    return data


def _check_objectives(check, parent, where):
    for m, obj in enumerate(check.items(parent, "objectives", where)):
        wo = f"{where}.objectives[{m}]"
        check.key(obj, wo)
        check.text(obj, "text", wo)
        check.strings(obj, "pistes", wo)
        check.strings(obj, "actions_existantes", wo)


# ---------------------------------------------------------------- applying


class _Sync:
    def __init__(self, report: LoadReport):
        self.report = report

    def upsert(self, model, key: str, values: dict, links: dict):
        """Create or update the row `key` of `model`.

        `values` are the texts the file gives (user edits win over file changes);
        `links` are structural foreign keys, always set from the file.
        """
        label = model._meta.verbose_name
        obj = model.all_objects.filter(key=key).first()
        if obj is None:
            obj = model(key=key, seed_values=values, **values, **links)
            save_with_history(obj, None, LOADER_REASON)
            self.report.created[label] += 1
            return obj
        if obj.is_deleted:
            self.report.kept_deleted.append(f"{label} « {key} »")
            return obj
        changed = False
        seed = dict(obj.seed_values)
        for name, new in values.items():
            last = seed.get(name)
            if new == last:
                continue
            current = getattr(obj, name)
            if current in (last, new) or name not in seed:
                setattr(obj, name, new)
                seed[name] = new
                changed = True
            else:
                self.report.kept_user_edits.append(f"{label} « {key} », champ « {name} »")
        for name, target in links.items():
            if getattr(obj, f"{name}_id") != getattr(target, "pk", target):
                setattr(obj, name, target)
                changed = True
        if changed:
            obj.seed_values = seed
            save_with_history(obj, None, LOADER_REASON)
            self.report.updated[label] += 1
        else:
            self.report.unchanged += 1
        return obj


def _s(node, name):
    value = node.get(name)
    return "" if value is None else str(value).strip()


def _territory(kind, code, label):
    try:
        return Territory.objects.get(kind=kind, code=code)
    except Territory.DoesNotExist:
        raise ContractFileError(
            [
                f"{label} (code {code}) est introuvable : chargez d'abord les territoires "
                "avec « manage.py load_territories »."
            ]
        ) from None


def load(path: Path | str = DEFAULT_FILE) -> LoadReport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContractFileError([f"Fichier introuvable : {path}"]) from None
    except UnicodeDecodeError:
        raise ContractFileError(["Le fichier doit être encodé en UTF-8."]) from None
    data = parse(text)
    report = LoadReport()
    with transaction.atomic():
        _apply(data, _Sync(report))
    return report


def _apply(data, sync: _Sync):
    c = data["contract"]
    epci = _territory(Kind.EPCI, str(c["epci"]["siren"]), "L'EPCI du contrat")
    contract = sync.upsert(
        Contract,
        c["key"],
        {
            "name": _s(c, "name"),
            "start_year": c["period"]["start"],
            "end_year": c["period"]["end"],
            "adopted": _s(c, "adopted"),
            "source": _s(c, "source"),
        },
        {"epci": epci},
    )
    enjeux = {}
    for e in data["enjeux"]:
        enjeu = sync.upsert(
            Enjeu,
            e["key"],
            {
                "number": e["number"],
                "title": _s(e, "title"),
                "partners": [p.strip() for p in e.get("partners") or []],
                "npru_focus": _s(e, "npru_focus"),
                "source": _s(e, "source"),
            },
            {"contract": contract},
        )
        enjeux[e["key"]] = enjeu
        for pos, a in enumerate(e.get("ambitions") or []):
            sync.upsert(
                Ambition,
                a["key"],
                {"scale": a["scale"], **_ambition_texts(a), "position": pos},
                {"enjeu": enjeu, "local_enjeu": None},
            )
        for pos, o in enumerate(e.get("objectives") or []):
            _objective(sync, o, pos, {"enjeu": enjeu, "ambition": None, "local_enjeu": None})
    for pos, b in enumerate(data.get("governance") or []):
        sync.upsert(
            GovernanceBody,
            b["key"],
            {
                "name": _s(b, "name"),
                "description": _s(b, "description"),
                "role": _s(b, "role"),
                "position": pos,
                "source": _s(b, "source"),
            },
            {"contract": contract},
        )
    for pac in (data.get("priority_areas") or {}).get("pac") or []:
        _territory(Kind.COMMUNE, _s(pac, "insee"), f"La commune du périmètre « {pac['name']} »")
        ensure_pac(pac["key"], _s(pac, "name"), _s(pac, "insee"))
    for s in data.get("local_sections") or []:
        _apply_section(s, contract, enjeux, sync)


def _apply_section(s, contract, enjeux, sync):
    commune = _territory(Kind.COMMUNE, _s(s, "insee"), f"La commune « {_s(s, 'commune')} »")
    section = sync.upsert(
        LocalSection,
        s["key"],
        {
            "name": _s(s, "name"),
            "adopted": _s(s, "adopted"),
            "shared_tool": _s(s, "shared_tool"),
            "source": _s(s, "source"),
        },
        {"contract": contract, "commune": commune},
    )
    for le in s.get("enjeux") or []:
        enjeu = enjeux[le["enjeu"]]
        local = sync.upsert(
            LocalEnjeu,
            f"{s['key']}-{le['enjeu']}",
            {
                "title": _s(le, "title"),
                "partners": [
                    {"group": g.get("group"), "names": [str(n).strip() for n in g["names"]]}
                    for g in le.get("partners") or []
                ],
                "note": _s(le, "note"),
                "source": _s(le, "source"),
            },
            {"section": section, "enjeu": enjeu},
        )
        for pos, o in enumerate(le.get("objectives") or []):
            _objective(sync, o, pos, {"enjeu": enjeu, "ambition": None, "local_enjeu": local})
        for pos, a in enumerate(le.get("ambitions") or []):
            ambition = sync.upsert(
                Ambition,
                a["key"],
                {"scale": Scale.LOCAL, **_ambition_texts(a), "position": pos},
                {"enjeu": enjeu, "local_enjeu": local},
            )
            for opos, o in enumerate(a.get("objectives") or []):
                _objective(
                    sync, o, opos, {"enjeu": enjeu, "ambition": ambition, "local_enjeu": None}
                )


def _ambition_texts(a):
    return {
        name: _s(a, name) for name in ("text", "full_text", "detail", "context", "heading", "note")
    }


def _objective(sync, o, position, links):
    objective = sync.upsert(
        Objective,
        o["key"],
        {
            "text": _s(o, "text"),
            "heading": _s(o, "heading"),
            "note": _s(o, "note"),
            "position": position,
            # a volet file flags the objectives prioritised locally (cdvs.contract.volet)
            **({"is_local_priority": o["priority"]} if "priority" in o else {}),
        },
        links,
    )
    for kind, name, suffix in (
        (LeadKind.PISTE, "pistes", "p"),
        (LeadKind.EXISTING, "actions_existantes", "a"),
    ):
        for lpos, text in enumerate(o.get(name) or []):
            sync.upsert(
                ActionLead,
                f"{o['key']}-{suffix}{lpos + 1}",
                {"kind": kind, "text": text.strip(), "position": lpos},
                {"objective": objective},
            )
