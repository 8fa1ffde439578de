"""Load the coordination instances of each volet communal from the contract file, and
generate their meetings over the contract period.

The texts (name, §2.1 table, descriptions, §2.3 calendar) come from the contract file;
the rules from `data/instances.yaml`, whose `evidence` quotes are checked against
those texts. Everything is validated before anything is written; a second run changes
nothing; a value edited in the application is kept (and reported), as for the contract.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from cdvs.contract.loader import DEFAULT_FILE as CONTRACT_FILE
from cdvs.contract.loader import ContractFileError, LoadReport
from cdvs.contract.loader import parse as parse_contract
from cdvs.contract.models import LocalSection
from cdvs.core.history import save_with_history
from cdvs.directory.models import Organisation

from .generation import GenerationReport, generate
from .models import Format, MeetingSeries, Period
from .recurrence import Rule

RULES_FILE = Path(__file__).parent / "data" / "instances.yaml"
LOADER_REASON = "Chargement des instances du contrat"


class InstancesFileError(ContractFileError):
    """The instances cannot be loaded; `errors` lists every problem, in French."""


@dataclass
class InstancesReport:
    series: LoadReport = field(default_factory=LoadReport)
    meetings: GenerationReport = field(default_factory=GenerationReport)

    def lines(self):
        return self.series.lines() + self.meetings.lines()


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _instance_text(instance: dict) -> str:
    parts = [instance.get("name") or "", instance.get("description") or ""]
    parts += [str(v) for v in (instance.get("fields") or {}).values()]
    parts.append((instance.get("calendar") or {}).get("label") or "")
    parts += [t.get("text", "") for t in instance.get("related_texts") or []]
    return _normalise(" ".join(parts))


def _read_yaml(path: Path, what: str):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstancesFileError([f"Fichier {what} introuvable : {path}"]) from None
    except yaml.YAMLError as exc:
        raise InstancesFileError([f"Le fichier {what} n'est pas un YAML valide."]) from exc


def _planned_participants(rule: dict, instance: dict, where: str, errors: list) -> list[str]:
    """Directory keys of the participants, each checked against the contract's words."""
    named = _normalise(str((instance.get("fields") or {}).get("Participants", "")))
    keys = []
    for entry in rule.get("participants") or []:
        key, written = entry.get("key"), entry.get("as_written") or ""
        if not key or _normalise(written) not in named:
            errors.append(
                f"{where} : participant « {written or key} » absent de la ligne "
                "« Participants » du contrat."
            )
            continue
        keys.append(key)
    return sorted(set(keys))


def plan(contract_data: dict, rules: dict) -> list[dict]:
    """Validate and combine texts and rules: one dict per series, or InstancesFileError."""
    errors, planned = [], []
    if not isinstance(rules, dict):
        raise InstancesFileError(
            ["Le fichier des règles doit associer chaque volet à ses instances."]
        )
    period = contract_data["contract"]["period"]
    sections = {s["key"]: s for s in contract_data.get("local_sections") or []}
    for section_key, section_rules in rules.items():
        section = sections.get(section_key)
        if section is None:
            errors.append(f"Volet communal « {section_key} » absent du fichier du contrat.")
            continue
        instances = {i.get("key"): i for i in section.get("instances") or []}
        for key, rule in (section_rules or {}).items():
            where = f"{section_key} / {key}"
            instance = instances.get(key)
            if instance is None:
                errors.append(f"{where} : instance absente du fichier du contrat.")
                continue
            text = _instance_text(instance)
            for quote in rule.get("evidence") or []:
                if _normalise(quote) not in text:
                    errors.append(f"{where} : « {quote} » ne figure pas dans le texte du contrat.")
            participants = _planned_participants(rule, instance, where, errors)
            months = rule.get("months") or []
            if months == "calendar":
                calendar = instance.get("calendar") or {}
                months = [int(m) for m in calendar.get("months") or []]
                if not months:
                    errors.append(
                        f"{where} : le contrat ne donne pas de calendrier pour cette instance."
                    )
            values = {
                "name": instance["name"],
                "short_name": rule.get("short_name", ""),
                "description": instance.get("description") or "",
                "seed_fields": instance.get("fields") or {},
                "related_texts": instance.get("related_texts") or [],
                "calendar_label": (instance.get("calendar") or {}).get("label") or "",
                "source": instance.get("source") or "",
                "visibility": rule.get("visibility", "partenaires"),
                "format": rule.get("format", ""),
                "duration_minutes": rule.get("duration_minutes"),
                "period": rule.get("period", Period.NONE),
                "months": months,
                "weekday": rule.get("weekday"),
                "nth": rule.get("nth"),
                "working_day": bool(rule.get("working_day", False)),
                "place": (instance.get("fields") or {}).get("Lieu", "")
                if rule.get("rotating_place")
                else "",
                "rotating_place": bool(rule.get("rotating_place", False)),
                "period_start": date(period["start"], 1, 1),
                "period_end": date(period["end"], 12, 31),
                "agenda_template": rule.get("agenda_template") or [],
                "enjeu_rotation": bool(rule.get("enjeu_rotation", False)),
                "organiser_label": rule.get("organiser_label")
                or (instance.get("fields") or {}).get(
                    "Coordination et animation de la réunion, (envoi des invitations, CR etc.)", ""
                ),
                "position": rule.get("position", 0),
            }
            if values["format"] and values["format"] not in Format.values:
                errors.append(f"{where} : format « {values['format']} » inconnu.")
            rule_obj = Rule(
                period=values["period"],
                period_start=values["period_start"],
                period_end=values["period_end"],
                months=values["months"],
                weekday=values["weekday"],
                nth=values["nth"],
                working_day=values["working_day"],
                duration_minutes=values["duration_minutes"],
            )
            errors.extend(f"{where} : {e}" for e in rule_obj.errors())
            planned.append(
                {
                    "key": f"{section_key}-{key}",
                    "section_key": section_key,
                    "insee": str(section.get("insee") or ""),
                    "values": values,
                    "organiser_match": rule.get("organiser", ""),
                    "participants": participants,
                    "feeds_into": f"{section_key}-{rule['feeds_into']}"
                    if rule.get("feeds_into")
                    else "",
                }
            )
    keys = {p["key"] for p in planned}
    for p in planned:
        if p["feeds_into"] and p["feeds_into"] not in keys:
            errors.append(f"{p['key']} : l'instance « {p['feeds_into']} » n'existe pas.")
    if errors:
        raise InstancesFileError(errors)
    return planned


# fields the contract gives; a coordinator's edit of any of them is kept on reload
SEEDED_FIELDS = (
    "name", "short_name", "description", "seed_fields", "related_texts", "calendar_label",
    "source", "visibility", "format", "duration_minutes", "period", "months", "weekday",
    "nth", "working_day", "place", "rotating_place", "period_start", "period_end",
    "agenda_template", "enjeu_rotation", "organiser_label", "position",
)  # fmt: skip


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def load(contract_file: Path | str = CONTRACT_FILE, rules_file: Path | str = RULES_FILE):
    contract_data = parse_contract(Path(contract_file).read_text(encoding="utf-8"))
    planned = plan(contract_data, _read_yaml(Path(rules_file), "des règles"))
    report = InstancesReport()
    sections = {s.key: s for s in LocalSection.objects.select_related("commune")}
    missing = sorted({p["section_key"] for p in planned} - set(sections))
    if missing:
        raise InstancesFileError(
            [
                f"Volet communal « {k} » introuvable : chargez d'abord le contrat avec "
                "« manage.py load_contract »."
                for k in missing
            ]
        )
    with transaction.atomic():
        by_key = {}
        for p in planned:
            section = sections[p["section_key"]]
            by_key[p["key"]] = _upsert(p, section, report.series)
            _set_participants(by_key[p["key"]], p["participants"], report.series)
        for p in planned:
            series = by_key[p["key"]]
            target = by_key.get(p["feeds_into"])
            if series.feeds_into_id != (target.pk if target else None) and not series.is_deleted:
                series.feeds_into = target
                save_with_history(series, None, LOADER_REASON, update_fields=["feeds_into"])
        for series in by_key.values():
            report.meetings.add(generate(series))
    return report


def _upsert(p, section, report: LoadReport) -> MeetingSeries:
    values = p["values"]
    seed = {name: _json(values[name]) for name in SEEDED_FIELDS}
    label = MeetingSeries._meta.verbose_name
    series = MeetingSeries.all_objects.filter(key=p["key"]).first()
    if series is None:
        series = MeetingSeries(key=p["key"], section=section, commune=section.commune, **values)
        series.seed_values = seed
        series.organiser = _organiser(p["organiser_match"], section)
        save_with_history(series, None, LOADER_REASON)
        report.created[label] += 1
        return series
    if series.is_deleted:
        report.kept_deleted.append(f"{label} « {p['key']} »")
        return series
    last_seed = dict(series.seed_values)
    changed = False
    for name in SEEDED_FIELDS:
        new = seed[name]
        last = last_seed.get(name)
        if new == last:
            continue
        current = _json(getattr(series, name))
        if current in (last, new) or name not in last_seed:
            setattr(series, name, values[name])
            last_seed[name] = new
            changed = True
        else:
            report.kept_user_edits.append(f"{label} « {p['key']} », champ « {name} »")
    if series.section_id != section.pk or series.commune_id != section.commune_id:
        series.section, series.commune = section, section.commune
        changed = True
    if series.organiser_id is None and (org := _organiser(p["organiser_match"], section)):
        series.organiser = org
        changed = True
    if changed:
        series.seed_values = last_seed
        save_with_history(series, None, LOADER_REASON)
        report.updated[label] += 1
    else:
        report.unchanged += 1
    return series


def _set_participants(series: MeetingSeries, keys: list[str], report: LoadReport) -> None:
    """The participants the contract names, unless a coordinator changed the list since
    the last load (their list is then kept, and reported). Organisations the directory
    does not hold yet are added by a later run, after `load_directory`."""
    if series.is_deleted:
        return
    found = dict(Organisation.objects.filter(key__in=keys).values_list("key", "pk"))
    missing = [k for k in keys if k not in found]
    if missing:
        report.notes.append(
            f"Instance « {series.key} » : organisations absentes de l'annuaire, à charger "
            f"avec « manage.py load_directory » : {', '.join(missing)}."
        )
    new = sorted(found)
    seed = dict(series.seed_values)
    last = seed.get("participants")
    current = (
        sorted(k for k in series.participants.values_list("key", flat=True) if k)
        if last is not None
        else None
    )
    if new == last:
        return
    if last is not None and current != last:
        report.kept_user_edits.append(
            f"{MeetingSeries._meta.verbose_name} « {series.key} », champ « participants »"
        )
        return
    series.participants.set(found.values())
    report.updated["Participants d'instance"] += 1
    seed["participants"] = new
    MeetingSeries.all_objects.filter(pk=series.pk).update(seed_values=seed)
    series.seed_values = seed


def _organiser(match: str, section):
    """The organisation running the instance, when the directory knows it (e.g. the
    Politique de la Ville service of the commune)."""
    if not match:
        return None
    return (
        Organisation.objects.filter(territory=section.commune, name__icontains=match)
        .order_by("pk")
        .first()
    )
