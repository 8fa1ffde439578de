"""Load the organisations that the contract names for a commune, in place.

Idempotent: each row is matched by its `key` (Seeded). A value changed in the file
updates the row unless it was edited in the application since the last load (then the
edit is kept and reported); a fiche deleted in the application stays deleted.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from cdvs.contract.models import Enjeu
from cdvs.core.history import save_with_history
from cdvs.territories.models import Kind, Territory

from .models import Organisation, OrganisationKind

DEFAULT_FILE = Path(__file__).parent / "data" / "armentieres.yaml"
COMMUNE_INSEE = "59017"
REASON = "Chargement des organisations du contrat"


class DirectoryFileError(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_user_edits: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    missing_enjeux: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        out = [
            f"Organisations créées : {self.created}",
            f"Organisations mises à jour : {self.updated}",
            f"Organisations inchangées : {self.unchanged}",
        ]
        out += [f"Modifiée dans l'application, non écrasée : {n}" for n in self.kept_user_edits]
        out += [f"Supprimée dans l'application, laissée supprimée : {n}" for n in self.kept_deleted]
        if self.missing_enjeux:
            out.append(
                "Enjeux absents (chargez d'abord le contrat : manage.py load_contract) : "
                + ", ".join(map(str, sorted(self.missing_enjeux)))
            )
        return out


def _read(path) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    rows = data.get("organisations") or []
    errors, keys = [], set()
    for i, row in enumerate(rows, start=1):
        where = f"Organisation n° {i}"
        if not isinstance(row, dict) or not row.get("key") or not row.get("name"):
            errors.append(f"{where} : « key » et « name » sont obligatoires.")
            continue
        if row["key"] in keys:
            errors.append(f"{where} : la clé « {row['key']} » est en double.")
        keys.add(row["key"])
        if row.get("kind") not in OrganisationKind.values:
            errors.append(f"{where} : type inconnu « {row.get('kind')} ».")
        if not all(isinstance(n, int) and 1 <= n <= 6 for n in row.get("enjeux") or []):
            errors.append(f"{where} : les enjeux sont des numéros de 1 à 6.")
    if errors:
        raise DirectoryFileError(errors)
    return rows


@transaction.atomic
def load(path=DEFAULT_FILE) -> LoadReport:
    rows = _read(path)
    report = LoadReport()
    commune = Territory.objects.filter(kind=Kind.COMMUNE, code=COMMUNE_INSEE).first()
    epci = commune.parent if commune else None
    enjeux = {e.number: e for e in Enjeu.objects.filter(key__in=[f"e{n}" for n in range(1, 7)])}
    existing = {o.key: o for o in Organisation.all_objects.filter(key__in=[r["key"] for r in rows])}
    for row in rows:
        territory = epci if row["kind"] == OrganisationKind.EPCI_SERVICE else commune
        seed = {"name": row["name"], "kind": row["kind"], "enjeux": sorted(row.get("enjeux") or [])}
        org = existing.get(row["key"])
        if org is None:
            org = Organisation(
                key=row["key"], name=row["name"], kind=row["kind"], territory=territory
            )
            org.seed_values = seed
            save_with_history(org, None, REASON)
            report.created += 1
            changed_fields = ["enjeux"]
            if territory is not None:
                org.territories.add(territory)
        else:
            if org.is_deleted:
                report.kept_deleted.append(org.name)
                continue
            changed_fields = []
            for name in ("name", "kind"):
                if org.seed_values.get(name) == seed[name]:
                    continue
                if getattr(org, name) != org.seed_values.get(name, getattr(org, name)):
                    report.kept_user_edits.append(f"{org.name} ({name})")
                    continue
                setattr(org, name, seed[name])
                changed_fields.append(name)
            if org.seed_values.get("enjeux") != seed["enjeux"]:
                changed_fields.append("enjeux")
            if changed_fields:
                org.seed_values = seed
                save_with_history(org, None, REASON)
                report.updated += 1
            else:
                report.unchanged += 1
        if "enjeux" in changed_fields:
            wanted = [enjeux[n] for n in seed["enjeux"] if n in enjeux]
            report.missing_enjeux |= {n for n in seed["enjeux"] if n not in enjeux}
            org.enjeux.add(*wanted)
            org.refresh_index()
    return report
