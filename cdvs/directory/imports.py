"""Imports of the directory: organisations with their places and contacts from a table
(CSV, ODS, XLSX), and structures and services from data·inclusion files (schema v1).

The generic parts (reading files, mapping columns, rows checked by forms, duplicates,
progress, all or nothing) are `cdvs.core.imports`; here: the columns, read into the
fiche, place and contact forms of the manual edit (`ROW_FORMS`), the matching with
existing fiches and the writes.

A row is matched with an existing fiche by its identifier (`key`), else its SIRET,
else its exact name (and commune when given). Several rows of one organisation add
several places or contacts. An imported value is kept in `seed_values` (like the
contract's loader): a later import changes a field only when nobody edited it in the
application since; otherwise the edit is kept and the import's report says so.
"""

import json
import re
from dataclasses import dataclass, field

from data_inclusion.schema.v1 import Service as DIService
from data_inclusion.schema.v1 import Structure as DIStructure
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from pydantic import ValidationError as PydanticError
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cdvs.accounts import permissions
from cdvs.core.geocoding import in_france, outside_france_message
from cdvs.core.imports import (
    CheckedRow,
    Column,
    ImportFileError,
    Outcome,
    RowError,
    RowForm,
    check_rows,
    fold,
    missing_columns,
    read_table,
)
from cdvs.search.registry import refresh_objects
from cdvs.territories.locate import locate
from cdvs.territories.models import Territory

from . import vocabulary as voc
from .forms import ContactForm, OrganisationForm, PlaceForm
from .models import (
    Classification,
    Contact,
    DirectoryImport,
    ImportKind,
    Organisation,
    OrganisationKind,
    Place,
    SearchWord,
    Service,
    outside_classification,
)
from .validators import normalise_phone, validate_siret

YES = {"oui", "o", "x", "1", "vrai", "yes", "true"}
SEPARATORS = re.compile(r"[;,|\n]+")


def _lookup(choices) -> dict[str, str]:
    table = {}
    for code, label in choices:
        table[fold(code)] = code
        table[fold(label)] = code
    return table


KINDS = _lookup(OrganisationKind.choices) | {
    fold("centre social"): OrganisationKind.SOCIAL_CENTRE,
    fold("EVS"): OrganisationKind.SOCIAL_CENTRE,
    fold("espace de vie sociale"): OrganisationKind.SOCIAL_CENTRE,
    fold("école"): OrganisationKind.SCHOOL,
    fold("collège"): OrganisationKind.SCHOOL,
    fold("lycée"): OrganisationKind.SCHOOL,
    fold("mairie"): OrganisationKind.CITY_SERVICE,
}
THEMATIQUES = _lookup(voc.THEMATIQUES)
PUBLICS = _lookup(voc.PUBLICS)

# ------------------------------------------------------------------ reading cells
# (what a cell says, in the form's terms; the checks are the forms' own)


def _number(text: str):
    """« 50,69 » -> 50.69; what is not a number goes to the form, which refuses it."""
    try:
        return float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return text


def _codes(table):
    """The codes of a list of labels; an unknown label goes to the form as it is."""

    def read(text: str) -> list:
        codes = []
        for part in SEPARATORS.split(text):
            if part.strip() and (code := table.get(fold(part), part.strip())) not in codes:
                codes.append(code)
        return codes

    return read


def _number_messages(what):
    return {"invalid": f"« {{value}} » n'est pas un nombre ({what})."}


POSTCODE = {
    "postcode": "« {value} » : le code postal comporte 5 chiffres.",
    "max_length": "« {value} » : le code postal comporte 5 chiffres.",
}
AGE = dict.fromkeys(
    ("invalid", "min_value", "max_value"), "« {value} » : un âge en années, de 0 à 120."
)
QUOTED = "« {value} » : {message}"

COLUMNS = [
    Column("key", "Identifiant", aliases=("id", "cle", "reference", "identifiant unique")),
    Column("name", "Nom", required=True,
           aliases=("nom de la structure", "nom de l organisation", "raison sociale", "structure",
                    "organisation", "denomination", "name"),
           messages={"required": "le nom de l'organisation est obligatoire.",
                     "max_length": "le nom dépasse 255 caractères."}),
    Column("kind", "Type", aliases=("type de structure", "nature", "categorie", "kind"),
           help="Association, Centre social / EVS, Service de la ville…",
           read=lambda text: KINDS.get(fold(text), text),
           messages={"invalid_choice": "type d'organisation inconnu : « {value} » (par exemple : "
                                       "Association, Centre social / EVS, Service de la ville)."}),
    Column("description", "Description", aliases=("presentation", "activites", "missions")),
    Column("address", "Adresse", aliases=("adresse postale", "rue", "voie", "address")),
    Column("postcode", "Code postal", aliases=("cp", "code_postal", "postcode"), messages=POSTCODE),
    Column("city", "Commune", aliases=("ville", "localite", "city")),
    Column("lat", "Latitude", aliases=("lat", "y"), read=_number, messages=_number_messages("latitude")),
    Column("lon", "Longitude", aliases=("lon", "lng", "long", "x"), read=_number,
           messages=_number_messages("longitude")),
    Column("website", "Site internet", aliases=("site web", "site", "url", "website", "site_web"),
           messages={"invalid": "adresse de site invalide : « {value} »."}),
    Column("siret", "SIRET", aliases=("n siret", "numero siret", "siret de la structure"),
           messages=dict.fromkeys(("siret_format", "siret_checksum", "max_length"), QUOTED)),
    Column("rna", "Numéro RNA", aliases=("rna", "n rna", "numero rna", "rna de l association"),
           messages=dict.fromkeys(("rna_format", "max_length"), QUOTED)),
    Column("thematiques", "Thématiques", aliases=("thematique", "domaines", "themes"),
           read=_codes(THEMATIQUES), messages={"invalid_choice": "thématique inconnue : « {item} »."}),
    Column("publics", "Publics", aliases=("public", "public vise", "publics vises"),
           read=_codes(PUBLICS), messages={"invalid_choice": "public inconnue : « {item} »."}),
    Column("age_min", "Âge minimum", aliases=("age min", "age minimum", "age_min"), messages=AGE),
    Column("age_max", "Âge maximum", aliases=("age max", "age maximum", "age_max"), messages=AGE),
    Column("place_name", "Nom du lieu", aliases=("lieu", "lieu d accueil", "nom du lieu d accueil"),
           feeds="name"),
    Column("place_address", "Adresse du lieu", aliases=("adresse lieu",), feeds="address"),
    Column("place_postcode", "Code postal du lieu", aliases=("cp lieu",), feeds="postcode",
           messages=POSTCODE),
    Column("place_city", "Commune du lieu", aliases=("ville du lieu",), feeds="city"),
    Column("place_lat", "Latitude du lieu", feeds="lat", read=_number,
           messages=_number_messages("latitude")),
    Column("place_lon", "Longitude du lieu", feeds="lon", read=_number,
           messages=_number_messages("longitude")),
    Column("contact_name", "Nom du contact", aliases=("contact", "interlocuteur", "referent"),
           feeds="name", messages={"required": "le nom de la personne est obligatoire pour un contact."}),
    Column("contact_role", "Fonction du contact", aliases=("fonction", "role"), feeds="role"),
    Column("contact_email", "Courriel du contact",
           aliases=("courriel", "email", "e mail", "mail", "adresse electronique"), feeds="email",
           messages={"invalid": "adresse électronique invalide : « {value} »."}),
    Column("contact_phone", "Téléphone du contact", aliases=("telephone", "tel", "portable"),
           feeds="phone",
           messages=dict.fromkeys(("phone", "max_length"), "« {value} » : numéro de téléphone invalide "
                                  "(un numéro français à 10 chiffres, par exemple 03 20 00 00 00).")),
    Column("contact_consent", "Consentement du contact", aliases=("consentement", "accord du contact"),
           help="« oui » quand la personne a accepté d'apparaître dans l'annuaire.",
           feeds="consent", read=lambda text: fold(text) in YES,
           messages={"required": "le consentement de la personne est obligatoire (« oui » dans la "
                                 "colonne consentement) : ses coordonnées ne sont importées qu'avec son accord."}),
]  # fmt: skip
COLUMN_LABELS = {c.key: c.label for c in COLUMNS}
ORG_FIELDS = [
    "key", "name", "kind", "description", "address", "postcode", "city", "lat", "lon",
    "website", "siret", "rna", "thematiques", "publics", "age_min", "age_max",
]  # fmt: skip
UPDATABLE = [f for f in ORG_FIELDS if f != "key"]
SERVICE_FIELDS = ["name", "description", "thematiques", "publics"]
PLACE_KEYS = [
    "place_name",
    "place_address",
    "place_postcode",
    "place_city",
    "place_lat",
    "place_lon",
]
CONTACT_KEYS = ["contact_name", "contact_role", "contact_email", "contact_phone"]
_BY_KEY = {c.key: c for c in COLUMNS}

# a row is read into the fiche, place and contact forms of the manual edit
ROW_FORMS = [
    RowForm("org", OrganisationForm, [_BY_KEY[k] for k in UPDATABLE],
            initial={"kind": OrganisationKind.OTHER, "update_frequency_months": 6}),
    RowForm("place", PlaceForm, [_BY_KEY[k] for k in PLACE_KEYS],
            initial=lambda cells: {"name": cells.get("name", "")},
            when=lambda cells: any(cells.get(k) for k in PLACE_KEYS)),
    RowForm("contact", ContactForm, [_BY_KEY[k] for k in [*CONTACT_KEYS, "contact_consent"]],
            when=lambda cells: any(cells.get(k) for k in CONTACT_KEYS)),
]  # fmt: skip


@dataclass
class PlacePlan:
    line: int
    name: str
    address: str = ""
    postcode: str = ""
    city: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass
class ContactPlan:
    line: int
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class ServicePlan:
    line: int
    key: str
    name: str
    description: str = ""
    thematiques: list = field(default_factory=list)
    publics: list = field(default_factory=list)


@dataclass
class OrgPlan:
    line: int
    values: dict
    existing: Organisation | None = None
    places: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    services: list = field(default_factory=list)


def plans_of_row(checked: CheckedRow) -> tuple[dict, list[PlacePlan], list[ContactPlan], list]:
    """The organisation's values (those the row gives), its place and its contact, from
    a row whose forms are valid; the identifier is checked here (it is no field of a
    form: it says which fiche the row is)."""
    org = checked.cleaned("org", only_given=True)
    org["name"] = checked.cleaned("org")["name"]
    errors = []
    if key := checked.cells.get("key", ""):
        org["key"] = slugify(key)[:120]
        if not org["key"]:
            errors.append(
                RowError(checked.line, "Identifiant", f"identifiant inutilisable : « {key} ».")
            )
    places, contacts = [], []
    if place := checked.cleaned("place"):
        places.append(PlacePlan(checked.line, place["name"], place["address"], place["postcode"],
                                place["city"], place["lat"], place["lon"]))  # fmt: skip
    if contact := checked.cleaned("contact"):
        phone = normalise_phone(contact["phone"]) if contact["phone"] else ""
        contacts.append(ContactPlan(checked.line, contact["name"], contact["role"],
                                    contact["email"], phone))  # fmt: skip
    return org, places, contacts, errors


# ------------------------------------------------------------------ whole file


def _identity(org: dict) -> tuple:
    if org.get("key"):
        return ("key", org["key"])
    if org.get("siret"):
        return ("siret", org["siret"])
    return ("name", fold(org.get("name", "")), fold(org.get("city", "")))


def _existing(plans: list[OrgPlan]) -> None:
    """Find each planned organisation in the database (key, SIRET, then exact name)."""
    keys = [p.values["key"] for p in plans if p.values.get("key")]
    sirets = [p.values["siret"] for p in plans if p.values.get("siret")]
    names = [p.values["name"] for p in plans if p.values.get("name")]
    by_key, by_siret, by_name = {}, {}, {}
    for chunk in _chunks(keys):
        by_key |= {o.key: o for o in Organisation.all_objects.filter(key__in=chunk)}
    for chunk in _chunks(sirets):
        for o in Organisation.all_objects.filter(siret__in=chunk):
            by_siret.setdefault(o.siret, o)
    for chunk in _chunks(names):
        for o in Organisation.all_objects.filter(name__in=chunk):
            by_name.setdefault(fold(o.name), []).append(o)
    for plan in plans:
        v = plan.values
        found = by_key.get(v.get("key")) if v.get("key") else None
        if found is None and v.get("siret"):
            found = by_siret.get(v["siret"])
        if found is None and not v.get("key"):
            candidates = by_name.get(fold(v.get("name", "")), [])
            if v.get("city"):
                candidates = [
                    o for o in candidates if not o.city or fold(o.city) == fold(v["city"])
                ]
            found = candidates[0] if len(candidates) == 1 else None
        plan.existing = found


def _chunks(items, size=500):
    items = list(dict.fromkeys(items))
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _check_scope(plans, user, errors):
    """Existing fiches are changed only where the importing person may coordinate."""
    for plan in plans:
        org = plan.existing
        if org is None:
            continue
        if org.is_deleted:
            errors.append(RowError(plan.line, "Nom", f"la fiche « {org.name} » a été supprimée dans "
                                   "l'application : restaurez-la ou retirez cette ligne."))  # fmt: skip
        elif not permissions.can(user, "directory.coordinate", org):
            errors.append(RowError(plan.line, "Nom", f"la fiche « {org.name} » relève d'un autre "
                                   "territoire : vous ne pouvez pas la modifier par un import."))  # fmt: skip


def plan_table(table, mapping, user, progress=None) -> tuple[list[OrgPlan], list[RowError]]:
    errors: list[RowError] = []
    missing = missing_columns(COLUMNS, mapping)
    if missing:
        return [], [RowError(0, "", f"colonne obligatoire non associée : {', '.join(missing)}.")]
    plans: dict[tuple, OrgPlan] = {}
    for checked, row_errors in check_rows(
        table, mapping, ROW_FORMS, duplicates=True, progress=progress
    ):
        errors += row_errors
        if checked is not None and not row_errors:
            line = checked.line
            org, places, contacts, row_errors = plans_of_row(checked)
            errors += row_errors
            if not row_errors:
                identity = _identity(org)
                plan = plans.get(identity)
                if plan is None:
                    plans[identity] = OrgPlan(line, org, places=places, contacts=contacts)
                else:
                    for key, value in org.items():
                        other = plan.values.get(key)
                        if other not in (None, "", []) and value != other:
                            errors.append(RowError(line, COLUMN_LABELS[key],
                                f"« {value} » diffère de la ligne {plan.line} pour la même organisation (« {other} »)."))  # fmt: skip
                        elif other in (None, "", []):
                            plan.values[key] = value
                    plan.places += places
                    plan.contacts += contacts
    planned = list(plans.values())
    _existing(planned)
    _check_scope(planned, user, errors)
    errors.sort(key=lambda e: e.line)
    return planned, errors


# ------------------------------------------------------------------ data·inclusion

PYDANTIC_FR = {
    "missing": "champ obligatoire absent",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "string_pattern_mismatch": "format invalide",
    "string_type": "un texte est attendu",
    "url_parsing": "adresse web invalide",
    "url_scheme": "adresse web invalide",
    "url_type": "adresse web invalide",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ)",
    "date_parsing": "date invalide (AAAA-MM-JJ)",
    "date_type": "date invalide (AAAA-MM-JJ)",
    "float_parsing": "un nombre est attendu",
    "float_type": "un nombre est attendu",
    "int_parsing": "un nombre entier est attendu",
    "enum": "valeur inconnue du référentiel data·inclusion",
    "literal_error": "valeur inconnue du référentiel data·inclusion",
    "too_short": "liste vide",
    "set_type": "une liste est attendue",
    "list_type": "une liste est attendue",
    "model_type": "un objet JSON est attendu",
}


def pydantic_errors_fr(exc, line: int, what: str) -> list[RowError]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int)) or what
        message = PYDANTIC_FR.get(err.get("type"))
        if message is None:
            text = str(err.get("msg", ""))
            # the schema's own checks are written in French ("Value error, La date…")
            text = text.removeprefix("Value error, ")
            message = text if any(c in text for c in "éèàù") else "valeur invalide"
            if "email" in text.lower():
                message = "adresse électronique invalide"
        out.append(RowError(line, f"{what}, champ « {where} »", message + ".", unit=""))
    return out


def _di_error(n: int, where: str, message: str) -> RowError:
    return RowError(n, where, message, unit="")


def _di_key(identifier: str) -> str:
    return ("di-" + slugify(identifier))[:120]


def read_data_inclusion(content: bytes) -> tuple[list, list]:
    """(structures, services) as lists of dicts from a data·inclusion JSON file: a list
    of structures, a list of services, or {"structures": [...], "services": [...]}."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError("Le fichier JSON doit être encodé en UTF-8.") from exc
    except ValueError as exc:
        raise ImportFileError(
            f"Fichier JSON mal formé (ligne {getattr(exc, 'lineno', '?')}) : vérifiez le fichier."
        ) from exc
    if isinstance(data, dict):
        structures, services = data.get("structures") or [], data.get("services") or []
    elif isinstance(data, list):
        is_service = bool(data) and isinstance(data[0], dict) and "structure_id" in data[0]
        structures, services = ([], data) if is_service else (data, [])
    else:
        structures = services = None
    if (
        not isinstance(structures, list)
        or not isinstance(services, list)
        or not (structures or services)
    ):
        raise ImportFileError(
            "Ce fichier ne contient ni structures ni services au format data·inclusion."
        )
    return structures, services


def plan_data_inclusion(content: bytes, user, progress=None):
    structures, services = read_data_inclusion(content)
    errors: list[RowError] = []
    plans: dict[str, OrgPlan] = {}
    for n, item in enumerate(structures, start=1):
        try:
            s = DIStructure.model_validate(item)
        except PydanticError as exc:
            errors += pydantic_errors_fr(exc, n, f"Structure n° {n}")
            continue
        key = _di_key(s.id)
        if key in plans:
            errors.append(_di_error(n, f"Structure n° {n}", f"identifiant « {s.id} » en double."))
            continue
        org = {"key": key, "name": s.nom[:255]}
        for ours, theirs in (("description", s.description), ("address", s.adresse),
                             ("postcode", s.code_postal), ("city", s.commune), ("siret", s.siret)):  # fmt: skip
            if theirs:
                org[ours] = str(theirs)
        if s.site_web:
            org["website"] = str(s.site_web)
        if s.siret:
            try:
                validate_siret(s.siret)
            except ValidationError as exc:
                errors.append(_di_error(n, f"Structure n° {n}, champ « siret »", exc.messages[0]))
        if s.latitude is not None and s.longitude is not None:
            if not in_france(s.latitude, s.longitude):
                errors.append(
                    RowError(
                        n, f"structure n° {n}", outside_france_message(s.latitude, s.longitude)
                    )
                )
            else:
                org["lat"], org["lon"] = s.latitude, s.longitude
        plans[key] = OrgPlan(n, org)
    service_keys = set()
    known = {}
    wanted = {
        _di_key(str(item.get("structure_id", ""))) for item in services if isinstance(item, dict)
    }
    for chunk in _chunks(wanted - set(plans)):
        known |= {o.key: o for o in Organisation.objects.filter(key__in=chunk)}
    for n, item in enumerate(services, start=1):
        try:
            s = DIService.model_validate(item)
        except PydanticError as exc:
            errors += pydantic_errors_fr(exc, n, f"Service n° {n}")
            continue
        key, owner = _di_key(s.id), _di_key(s.structure_id)
        if key in service_keys:
            errors.append(_di_error(n, f"Service n° {n}", f"identifiant « {s.id} » en double."))
            continue
        service_keys.add(key)
        plan = plans.get(owner)
        if plan is None and owner in known:
            plan = plans[owner] = OrgPlan(n, {"key": owner, "name": known[owner].name})
        if plan is None:
            errors.append(_di_error(n, f"Service n° {n}", f"structure « {s.structure_id} » introuvable "
                                   "(ni dans le fichier, ni dans l'annuaire)."))  # fmt: skip
            continue
        plan.services.append(ServicePlan(
            n, key, s.nom[:255], s.description,
            sorted(t.value for t in s.thematiques or []), sorted(p.value for p in s.publics or []),
        ))  # fmt: skip
    planned = list(plans.values())
    _existing(planned)
    _check_scope(planned, user, errors)
    if progress:
        progress(len(structures) + len(services))
    return planned, errors


def plan_import(record: DirectoryImport, progress=None):
    """Read and check the whole file of an import: (plans, errors)."""
    content = record.read_content()
    if record.kind == ImportKind.DATA_INCLUSION:
        return plan_data_inclusion(content, record.created_by, progress)
    table = read_table(content, record.file_name)
    return plan_table(table, record.mapping, record.created_by, progress)


def count_rows(record: DirectoryImport, content: bytes) -> int:
    if record.kind == ImportKind.DATA_INCLUSION:
        structures, services = read_data_inclusion(content)
        return len(structures) + len(services)
    return len(read_table(content, record.file_name).rows)


# ------------------------------------------------------------------ writing

MISSING = object()


def _empty(value) -> bool:
    return value in (None, "", [])


def _merge(org: Organisation, values: dict, report: list, line: int) -> tuple[bool, bool]:
    """Apply the imported values to an existing fiche, never silently overwriting an
    edit made in the application. Returns (a field changed, the seed changed)."""
    changed = False
    seed = dict(org.seed_values or {})
    for name in UPDATABLE:
        if name not in values:
            continue
        new = values[name]
        current = getattr(org, name)
        last = seed.get(name, MISSING)
        if current == new:
            pass
        elif _empty(current) or (last is not MISSING and current == last):
            setattr(org, name, new)
            changed = True
        else:
            shown = ", ".join(map(str, current)) if isinstance(current, list) else current
            report.append(
                f"Ligne {line}, {org.name} : « {COLUMN_LABELS[name]} » modifié dans "
                f"l'application (« {shown} »), conservé ; le fichier proposait « {new} »."
            )
        seed[name] = new
    seed_changed = seed != org.seed_values
    org.seed_values = seed
    return changed, seed_changed


def _update_in_bulk(orgs: list[Organisation], user, reason, now) -> None:
    """Save changed fiches in bulk (fields, history rows, search index)."""
    if not orgs:
        return
    titles: dict[int, list] = {}
    through = Organisation.enjeux.through
    for chunk in _chunks([o.pk for o in orgs]):
        rows = through.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "enjeu__number", "enjeu__title"
        )
        for org_id, number, title in rows:
            titles.setdefault(org_id, []).append((number, title))
    texts = _service_texts([o.pk for o in orgs])
    for org in orgs:
        org.updated_at = now
        org.refresh_index(
            save=False, enjeu_titles=titles.get(org.pk, []), service_texts=texts.get(org.pk, [])
        )
    # one plain UPDATE per fiche, then the history rows in bulk (what simple_history's
    # bulk_update_with_history does, but its bulk_update writes CASE expressions that
    # grow with rows × fields: 2 000 fiches take 25 s that way, 4 s this way)
    fields = [*UPDATABLE, "seed_values", "search_text", "tags", "updated_at"]
    manager = Organisation.all_objects
    for org in orgs:
        manager.filter(pk=org.pk).update(**{f: getattr(org, f) for f in fields})
    Organisation.history.bulk_history_create(
        orgs, update=True, default_user=user, default_change_reason=reason, batch_size=500
    )
    for chunk in _chunks([o.pk for o in orgs]):
        SearchWord.objects.filter(organisation_id__in=chunk).delete()
    words = [
        SearchWord(organisation_id=o.pk, word=w) for o in orgs for w in sorted(o.index_words())
    ]
    SearchWord.objects.bulk_create(words, batch_size=2000)


def apply_plans(plans: list[OrgPlan], record: DirectoryImport, progress=None) -> Outcome:
    """Write the planned organisations, places, contacts and services (call inside a
    transaction). New fiches are written in bulk, with their history rows."""
    user, reason = record.created_by, record.change_reason
    outcome = Outcome()
    now = timezone.now()
    new_orgs = []
    for plan in plans:
        if plan.existing is not None:
            continue
        values = {k: v for k, v in plan.values.items() if not _empty(v)}
        values.setdefault("kind", OrganisationKind.OTHER)
        org = Organisation(territory=record.territory, last_confirmed_at=now, **values)
        org.seed_values = {k: v for k, v in values.items() if k != "key"}
        org.refresh_index(save=False, enjeu_titles=[], service_texts=[])
        plan.existing = org
        new_orgs.append(org)
    bulk_create_with_history(new_orgs, Organisation, batch_size=500, default_user=user,
                             default_change_reason=reason)  # fmt: skip
    words = [
        SearchWord(organisation_id=o.pk, word=w) for o in new_orgs for w in sorted(o.index_words())
    ]
    SearchWord.objects.bulk_create(words, batch_size=2000)
    if record.territory_id:
        through = Organisation.territories.through
        through.objects.bulk_create(
            [through(organisation_id=o.pk, territory_id=record.territory_id) for o in new_orgs],
            batch_size=1000,
        )
    outcome.created = len(new_orgs)
    created_ids = {o.pk for o in new_orgs}
    to_save = []
    for plan in plans:
        org = plan.existing
        if org.pk in created_ids:
            continue
        changed, seed_changed = _merge(org, plan.values, outcome.report, plan.line)
        if changed or seed_changed:
            to_save.append(org)
        if changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    if progress:
        progress(len(plans) // 2)
    _update_in_bulk(to_save, user, reason, now)
    # written without save signals: the product's search index is told explicitly

    refresh_objects(Organisation, [o.pk for o in new_orgs] + [o.pk for o in to_save])
    _add_places(plans, record, outcome)
    _add_contacts(plans, record, outcome, now)
    _add_services(plans, record, outcome)
    if progress:
        progress(record.total_rows)
    return outcome


def _add_places(plans, record, outcome):
    existing = {}
    ids = [p.existing.pk for p in plans if p.places]
    for chunk in _chunks(ids):
        for org_id, name in Place.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "name"
        ):
            existing.setdefault(org_id, set()).add(fold(name))
    new = []
    for plan in plans:
        seen = existing.setdefault(plan.existing.pk, set())
        for p in plan.places:
            if fold(p.name) in seen:
                outcome.report.append(
                    f"Ligne {p.line}, {plan.existing.name} : le lieu « {p.name} » existe déjà, laissé tel quel."
                )
                continue
            seen.add(fold(p.name))
            new.append(Place(organisation=plan.existing, name=p.name[:255], address=p.address[:255],
                             postcode=p.postcode, city=p.city[:120], lat=p.lat, lon=p.lon))  # fmt: skip
    located = [p for p in new if p.lat is not None]
    if located:
        locations = locate([(p.lat, p.lon) for p in located])
        refs = {}
        outside = outside_classification()
        for place, loc in zip(located, locations, strict=True):
            ref = (loc.qpv or loc.pac or [None])[0]
            place.classification = (outside if ref is None else
                                    Classification.QPV if loc.qpv else Classification.PAC)  # fmt: skip
            if ref is not None:
                refs[id(place)] = ref.id
        territories = Territory.objects.in_bulk(set(refs.values()))
        for place in located:
            place.territory = territories.get(refs.get(id(place)))
    bulk_create_with_history(new, Place, batch_size=500, default_user=record.created_by,
                             default_change_reason=record.change_reason)  # fmt: skip
    if new:
        outcome.report.append(f"Lieux d'accueil ajoutés : {len(new)}.")


def _add_contacts(plans, record, outcome, now):
    existing = {}
    ids = [p.existing.pk for p in plans if p.contacts]
    for chunk in _chunks(ids):
        for org_id, name in Contact.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "name"
        ):
            existing.setdefault(org_id, set()).add(fold(name))
    new = []
    for plan in plans:
        seen = existing.setdefault(plan.existing.pk, set())
        for c in plan.contacts:
            if fold(c.name) in seen:
                outcome.report.append(
                    f"Ligne {c.line}, {plan.existing.name} : un contact de ce nom existe déjà, laissé tel quel."
                )
                continue
            seen.add(fold(c.name))
            new.append(Contact(organisation=plan.existing, name=c.name[:200], role=c.role[:200],
                               email=c.email, phone=c.phone, consent_at=now))  # fmt: skip
    bulk_create_with_history(new, Contact, batch_size=500, default_user=record.created_by,
                             default_change_reason=record.change_reason)  # fmt: skip
    if new:
        outcome.report.append(
            f"Contacts ajoutés (consentement déclaré dans le fichier) : {len(new)}."
        )


def _add_services(plans, record, outcome):
    keys = [s.key for p in plans for s in p.services]
    existing = {}
    for chunk in _chunks(keys):
        existing |= {s.key: s for s in Service.all_objects.filter(key__in=chunk)}
    new, updated = [], []
    for plan in plans:
        for s in plan.services:
            values = {name: getattr(s, name) for name in SERVICE_FIELDS}
            service = existing.get(s.key)
            if service is None:
                service = Service(organisation=plan.existing, key=s.key, **values)
                service.seed_values = values
                new.append(service)
                continue
            changed = False
            for name, value in values.items():
                current, last = getattr(service, name), service.seed_values.get(name, MISSING)
                if current == value:
                    continue
                if _empty(current) or current == last:
                    setattr(service, name, value)
                    changed = True
                else:
                    outcome.report.append(
                        f"Service « {service.name} » : « {name} » modifié dans l'application, conservé."
                    )
            if changed or service.seed_values != values:
                service.seed_values = values
                service.updated_at = timezone.now()
                updated.append(service)
    bulk_create_with_history(new, Service, batch_size=500, default_user=record.created_by,
                             default_change_reason=record.change_reason)  # fmt: skip
    bulk_update_with_history(updated, Service, [*SERVICE_FIELDS, "seed_values", "updated_at"],
                             batch_size=500, default_user=record.created_by,
                             default_change_reason=record.change_reason,
                             manager=Service.all_objects)  # fmt: skip
    if new or updated:
        outcome.report.append(
            f"Services ajoutés : {len(new)} ; services mis à jour : {len(updated)}."
        )
        _reindex_services({s.organisation_id for s in [*new, *updated]})


def _service_texts(org_ids) -> dict[int, list]:
    """{organisation id: [(name, description) of its live services]}, in chunks."""
    texts: dict[int, list] = {}
    for chunk in _chunks(list(org_ids)):
        rows = Service.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "name", "description"
        )
        for org_id, name, description in rows:
            texts.setdefault(org_id, []).append((name, description))
    return texts


def _reindex_services(org_ids) -> None:
    """The search words of fiches whose services an import added or changed."""
    texts = _service_texts(org_ids)
    through = Organisation.enjeux.through
    for chunk in _chunks(sorted(org_ids)):
        titles: dict[int, list] = {}
        rows = through.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "enjeu__number", "enjeu__title"
        )
        for org_id, number, title in rows:
            titles.setdefault(org_id, []).append((number, title))
        orgs = list(Organisation.all_objects.filter(pk__in=chunk))
        for org in orgs:
            org.refresh_index(
                save=False, enjeu_titles=titles.get(org.pk, []), service_texts=texts.get(org.pk, [])
            )
            Organisation.all_objects.filter(pk=org.pk).update(
                search_text=org.search_text, tags=org.tags
            )
        SearchWord.objects.filter(organisation_id__in=chunk).delete()
        SearchWord.objects.bulk_create(
            [
                SearchWord(organisation_id=o.pk, word=w)
                for o in orgs
                for w in sorted(o.index_words())
            ],
            batch_size=2000,
        )
