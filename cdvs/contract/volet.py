"""Load one volet communal from its own file (YAML or JSON), described in
docs/volet-communal.md: the commune (INSEE code), its local enjeux, ambitions,
objectifs opérationnels (the locally prioritised ones flagged), pistes d'actions and
actions existantes, declining the enjeux of a contract already loaded.

The file is validated whole (every problem reported, in French) before anything is
written; then it is applied in one transaction, row by row through the contract
loader's `_Sync` (matched by key, user edits kept): loading twice changes nothing.
The same function serves `manage.py load_volet FILE` and the coordinators' upload page.
"""

import re
from pathlib import Path

from django.db import transaction

from cdvs.accounts.permissions import require
from cdvs.territories.models import Kind, Territory

from .loader import ContractFileError, LoadReport, _apply_section, _Sync, load_yaml
from .models import Ambition, Contract, Enjeu, LocalSection, Objective

FORMAT = "cdvs-volet-communal/1"
# a volet file is small: the Armentières volet of the seed is 60 ko
MAX_BYTES = 2 * 1024 * 1024
MAX_TEXT = 20_000
KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
KEY_MAX = 50
INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_INVALID = re.compile("[\x00\ud800-\udfff]")

TOP_FIELDS = {"format", "contract", "volet"}
VOLET_FIELDS = {"key", "commune", "name", "adopted", "shared_tool", "source", "enjeux"}
ENJEU_FIELDS = {"enjeu", "title", "note", "source", "partners", "ambitions", "objectives"}
AMBITION_FIELDS = {"key", "text", "detail", "context", "heading", "note", "objectives"}
OBJECTIVE_FIELDS = {
    "key", "text", "heading", "note", "priority", "pistes", "actions_existantes",
}  # fmt: skip
PARTNER_FIELDS = {"group", "names"}


class VoletFileError(ContractFileError):
    """The volet file cannot be loaded; `errors` lists every problem, in French."""


class _Check:
    def __init__(self):
        self.errors: list[str] = []
        self.keys: set[str] = set()

    def add(self, where, message):
        self.errors.append(f"{where} : {message}")

    def mapping(self, node, where, allowed, required=True) -> dict:
        if node is None and not required:
            return {}
        if not isinstance(node, dict):
            self.add(where, "un dictionnaire (champ : valeur) est attendu.")
            return {}
        for name in sorted(set(map(str, node)) - allowed):
            self.add(where, f"champ « {name} » inconnu (champs possibles : "
                            f"{', '.join(sorted(allowed))}).")  # fmt: skip
        return node

    def text(self, node, name, where, required=False) -> str:
        value = node.get(name)
        if value is None or value == "":
            if required:
                self.add(where, f"le champ « {name} » est obligatoire.")
            return ""
        if not isinstance(value, str):
            self.add(where, f"le champ « {name} » doit être un texte.")
            return ""
        return self.valid(value, f"{where}.{name}")

    def valid(self, value: str, where) -> str:
        if _INVALID.search(value):
            self.add(where, "le texte contient un caractère invalide (caractère nul ou "
                            "demi-paire de substitution isolée).")  # fmt: skip
            return ""
        if len(value) > MAX_TEXT:
            self.add(where, f"texte trop long (au plus {MAX_TEXT:_} caractères).".replace(
                "_", "\u202f"))  # fmt: skip
            return ""
        return value.strip()

    def key(self, node, where) -> str:
        key = self.text(node, "key", where, required=True)
        if key and (not KEY.fullmatch(key) or len(key) > KEY_MAX):
            self.add(where, f"la clé « {key} » doit être faite de lettres minuscules sans "
                            f"accent, de chiffres et de tirets ({KEY_MAX} caractères au plus).")  # fmt: skip
            return ""
        if key in self.keys:
            self.add(where, f"la clé « {key} » est utilisée deux fois.")
        self.keys.add(key)
        return key

    def items(self, node, name, where) -> list:
        value = node.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(where, f"« {name} » doit être une liste.")
            return []
        return value

    def strings(self, node, name, where) -> list[str]:
        out = []
        for i, value in enumerate(self.items(node, name, where)):
            if not isinstance(value, str) or not value.strip():
                self.add(f"{where}.{name}[{i + 1}]", "un texte non vide est attendu.")
            else:
                text = self.valid(value, f"{where}.{name}[{i + 1}]")
                if text:
                    out.append(text)
        return out


def read(content: bytes) -> dict:
    """Parse and validate a volet file's bytes; returns the data in the contract file's
    `local_sections` shape (keys prefixed by the volet's key), with the volet's
    contract key and its enjeux by number: raises VoletFileError otherwise."""
    if len(content) > MAX_BYTES:
        raise VoletFileError(["Le fichier est trop gros (2 Mo au plus)."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VoletFileError(["Le fichier doit être encodé en UTF-8."]) from None
    data = load_yaml(text, VoletFileError, "n'est ni un YAML ni un JSON valide")
    check = _Check()
    top = check.mapping(data, "racine", TOP_FIELDS)
    if not top:
        raise VoletFileError(check.errors or ["Le fichier est vide."])
    if top.get("format") != FORMAT:
        check.add("racine", f"le champ « format » doit valoir « {FORMAT} ».")
    contract_key = check.text(top, "contract", "racine")
    volet = check.mapping(top.get("volet"), "volet", VOLET_FIELDS)
    section = {}
    if volet:
        section = _section(check, volet)
    if check.errors:
        raise VoletFileError(check.errors)
    return {"contract": contract_key, "section": section}


def _section(check: _Check, volet: dict) -> dict:
    vkey = check.key(volet, "volet")
    code = volet.get("commune")
    if isinstance(code, int) and not isinstance(code, bool):  # written without quotes
        volet = {**volet, "commune": str(code)}
    insee = check.text(volet, "commune", "volet", required=True)
    if insee and not INSEE.fullmatch(insee):
        check.add(
            "volet", f"« commune » doit être un code INSEE à 5 caractères (reçu « {insee} »)."
        )
        insee = ""
    name = check.text(volet, "name", "volet", required=True)
    section = {
        "key": vkey,
        "insee": insee,
        "commune": insee,
        "name": name,
        **{f: check.text(volet, f, "volet") for f in ("adopted", "shared_tool", "source")},
        "enjeux": [],
    }
    numbers = set()
    enjeux = check.items(volet, "enjeux", "volet")
    if not enjeux:
        check.add("volet", "la liste « enjeux » doit décliner au moins un enjeu du contrat.")
    for i, node in enumerate(enjeux):
        where = f"volet.enjeux[{i + 1}]"
        le = check.mapping(node, where, ENJEU_FIELDS)
        if not le:
            continue
        number = le.get("enjeu")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
            check.add(where, "« enjeu » doit être le numéro d'un enjeu du contrat (1, 2…).")
            number = None
        elif number in numbers:
            check.add(where, f"l'enjeu {number} est décliné deux fois.")
        numbers.add(number)
        local = {
            "enjeu": number,
            "title": check.text(le, "title", where, required=True),
            "note": check.text(le, "note", where),
            "source": check.text(le, "source", where),
            "partners": [],
            "objectives": _objectives(check, le, where, vkey),
            "ambitions": [],
        }
        for j, group in enumerate(check.items(le, "partners", where)):
            w = f"{where}.partners[{j + 1}]"
            g = check.mapping(group, w, PARTNER_FIELDS)
            if g:
                names = check.strings(g, "names", w)
                if not names:
                    check.add(w, "« names » doit lister au moins un partenaire.")
                local["partners"].append({"group": check.text(g, "group", w) or None,
                                          "names": names})  # fmt: skip
        for j, node_a in enumerate(check.items(le, "ambitions", where)):
            w = f"{where}.ambitions[{j + 1}]"
            a = check.mapping(node_a, w, AMBITION_FIELDS)
            if not a:
                continue
            key = check.key(a, w)
            local["ambitions"].append({
                "key": f"{vkey}-{key}",
                "text": check.text(a, "text", w, required=True),
                **{f: check.text(a, f, w) for f in ("detail", "context", "heading", "note")},
                "objectives": _objectives(check, a, w, vkey),
            })  # fmt: skip
        section["enjeux"].append(local)
    return section


def _objectives(check: _Check, parent: dict, where: str, vkey: str) -> list[dict]:
    out = []
    for m, node in enumerate(check.items(parent, "objectives", where)):
        w = f"{where}.objectives[{m + 1}]"
        o = check.mapping(node, w, OBJECTIVE_FIELDS)
        if not o:
            continue
        key = check.key(o, w)
        priority = o.get("priority", False)
        if not isinstance(priority, bool):
            check.add(w, "« priority » doit valoir true ou false.")
        out.append({
            "key": f"{vkey}-{key}",
            "text": check.text(o, "text", w, required=True),
            "heading": check.text(o, "heading", w),
            "note": check.text(o, "note", w),
            "priority": priority is True,
            "pistes": check.strings(o, "pistes", w),
            "actions_existantes": check.strings(o, "actions_existantes", w),
        })  # fmt: skip
    return out


def _resolve(data: dict):
    """The contract, the commune and the enjeux the file names, or VoletFileError."""
    errors = []
    contracts = Contract.objects.select_related("epci")
    if data["contract"]:
        contract = contracts.filter(key=data["contract"]).first()
        if contract is None:
            raise VoletFileError([f"Le contrat « {data['contract']} » n'est pas chargé."])
    else:
        contract = contracts.order_by("pk").first()
        if contract is None:
            raise VoletFileError(["Aucun contrat n'est chargé : chargez d'abord le contrat."])
    section = data["section"]
    insee = section["insee"]
    commune = Territory.objects.filter(kind=Kind.COMMUNE, code=insee).first()
    if commune is None:
        raise VoletFileError([
            f"La commune de code INSEE {insee} est inconnue des territoires : chargez "
            "d'abord les territoires avec « manage.py load_territories »."
        ])  # fmt: skip
    if commune.parent_id != contract.epci_id:
        errors.append(f"La commune {commune.name} ({insee}) n'appartient pas à "
                      f"{contract.epci.name}, le territoire du contrat.")  # fmt: skip
    other = (
        LocalSection.all_objects.filter(contract=contract, commune=commune)
        .exclude(key=section["key"])
        .first()
    )
    if other is not None:
        errors.append(f"La commune {commune.name} a déjà un volet communal (« {other.name} ») : "
                      "un seul volet par commune.")  # fmt: skip
    same_key = LocalSection.all_objects.filter(key=section["key"]).exclude(commune=commune).first()
    if same_key is not None:
        errors.append(f"La clé « {section['key']} » est celle du volet de "
                      f"{same_key.commune.name} : choisissez une autre clé.")  # fmt: skip
    errors.extend(_foreign_keys(section))
    enjeux = {e.number: e for e in Enjeu.objects.filter(contract=contract)}
    for le in section["enjeux"]:
        if le["enjeu"] not in enjeux:
            errors.append(f"L'enjeu {le['enjeu']} n'existe pas dans le contrat « {contract} ».")
    if errors:
        raise VoletFileError(errors)
    return contract, commune, enjeux


def _foreign_keys(section: dict) -> list[str]:
    """Keys of the file already held by rows of another volet (or of the contract's
    metropolitan frame): loading would move them here, so it is refused."""
    vkey = section["key"]
    ambitions = [a["key"] for le in section["enjeux"] for a in le["ambitions"]]
    objectives = [o["key"] for le in section["enjeux"] for o in le["objectives"]] + [
        o["key"] for le in section["enjeux"] for a in le["ambitions"] for o in a["objectives"]
    ]
    taken = [
        *Ambition.all_objects.filter(key__in=ambitions)
        .exclude(local_enjeu__section__key=vkey)
        .values_list("key", flat=True),
        *Objective.all_objects.filter(key__in=objectives)
        .exclude(local_enjeu__section__key=vkey)
        .exclude(ambition__local_enjeu__section__key=vkey)
        .values_list("key", flat=True),
    ]
    return [f"La clé « {k} » désigne déjà un élément d'un autre volet ou du contrat : "
            "changez la clé du volet ou de cet élément." for k in sorted(taken)]  # fmt: skip


def load_bytes(content: bytes, user=None) -> LoadReport:
    """Validate then load the volet, all or nothing; `user` (the upload page) must be
    allowed to load a volet of its commune (`contract.load_volet`)."""
    data = read(content)
    contract, commune, enjeux = _resolve(data)
    if user is not None:
        require(user, "contract.load_volet", LocalSection(contract=contract, commune=commune))
    report = LoadReport()
    section = data["section"]
    with transaction.atomic():
        _apply_section(section, contract, enjeux, _Sync(report))
    report.notes.append(f"Volet communal « {section['name']} » de {commune.name} chargé.")
    return report


def load(path: Path | str) -> LoadReport:
    path = Path(path)
    try:
        content = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise VoletFileError([f"Fichier introuvable : {path}"]) from None
    return load_bytes(content)
