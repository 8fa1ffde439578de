"""Every write to territories goes through here: the reference loader, the import of
the official QPV perimeters, the perimeters uploaded or drawn by coordinators and the
PAC created by the contract loader. Each call is one transaction; history is kept by
simple-history (who, when, what)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction

from cdvs.accounts.permissions import require
from cdvs.core.history import save_with_history

from . import geo
from .models import Kind, Territory

DATA_DIR = Path(__file__).resolve().parent / "data"

SOURCE_ADMIN_EXPRESS = "IGN ADMIN EXPRESS 2018, simplifié"
SOURCE_EPCI_UNION = "Union des contours des communes (IGN ADMIN EXPRESS 2018, simplifié)"
SOURCE_ANCT_PREFIX = "ANCT, périmètres des QPV 2024"
SOURCE_UPLOAD = "Fichier GeoJSON déposé"
SOURCE_DRAWN = "Tracé sur la carte"
# perimeters a reload of the reference files may replace
REFERENCE_SOURCES = {"", SOURCE_ADMIN_EXPRESS, SOURCE_EPCI_UNION}
MANUAL_SOURCES = {SOURCE_UPLOAD, SOURCE_DRAWN}
PERIMETER_SOURCES = {"upload": SOURCE_UPLOAD, "draw": SOURCE_DRAWN}


@dataclass(frozen=True)
class EpciReference:
    siren: str
    name: str
    communes_csv: Path
    outlines_geojson: Path | None
    qpv_csv: Path


KNOWN_EPCI = {
    "200093201": EpciReference(
        siren="200093201",
        name="Métropole Européenne de Lille",
        communes_csv=DATA_DIR / "communes-mel-liste.csv",
        outlines_geojson=DATA_DIR / "communes-mel.geojson",
        qpv_csv=DATA_DIR / "qpv-2024-liste-mel.csv",
    )
}
NATIONAL_QPV_CSV = DATA_DIR / "qpv-2024-liste-france.csv"


class TerritoryDataError(ValueError):
    """Reference data that cannot be loaded (French message)."""


@dataclass
class Counter:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def total_changes(self) -> int:
        return self.created + self.updated


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(default_factory=dict)
    kept_perimeters: list[str] = field(default_factory=list)
    skipped_deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.total_changes() for c in self.counts.values())


def _set_geometry(territory: Territory, geom, source: str) -> None:
    territory.geometry = geo.to_geojson_text(geom)
    territory.bbox = geo.bbox_of(geom)
    territory.geometry_source = source


def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise TerritoryDataError(f"Fichier illisible : {path} ({exc.strerror}).") from None


# -- load_territories ------------------------------------------------------------


def load_territories(reference: EpciReference) -> LoadReport:
    """Create or update the EPCI, its communes and its QPV from the reference files;
    all or nothing. A perimeter that came from import_qpv or from a coordinator is
    never replaced."""
    communes_rows = _read_csv(reference.communes_csv)
    if not communes_rows:
        raise TerritoryDataError(f"Aucune commune dans {reference.communes_csv.name}.")
    for number, row in enumerate(communes_rows, start=2):
        if not (row.get("insee_com") or "").strip() or not (row.get("nom") or "").strip():
            raise TerritoryDataError(
                f"{reference.communes_csv.name}, ligne {number} : code INSEE ou nom manquant."
            )
    insee_codes = {row["insee_com"].strip() for row in communes_rows}
    outlines = _read_outlines(reference.outlines_geojson) if reference.outlines_geojson else {}
    qpv_rows = [r for r in _read_csv(reference.qpv_csv) if r.get("insee_com") in insee_codes]
    qpv: dict[str, dict] = {}
    for row in qpv_rows:
        entry = qpv.setdefault(row["code_qp"], {"name": row["lib_qp"], "communes": []})
        if row["insee_com"] not in entry["communes"]:
            entry["communes"].append(row["insee_com"])

    report = LoadReport(counts={"epci": Counter(), "commune": Counter(), "qpv": Counter()})
    with transaction.atomic():
        existing = {
            (t.kind, t.code): t
            for t in Territory.all_objects.filter(kind__in=[Kind.EPCI, Kind.COMMUNE, Kind.QPV])
        }
        union = None
        if outlines and insee_codes <= outlines.keys():
            union = shapely.union_all([outlines[code] for code in sorted(insee_codes)])
        epci = _upsert(
            existing,
            report,
            Kind.EPCI,
            reference.siren,
            {"name": reference.name, "parent": None},
            (union, SOURCE_EPCI_UNION),
        )
        communes = {}
        for row in communes_rows:
            code = row["insee_com"].strip()
            population = (row.get("population_municipale") or "").strip()
            values = {
                "name": row["nom"].strip(),
                "parent": epci,
                "population": int(population) if population.isdigit() else None,
            }
            communes[code] = _upsert(
                existing,
                report,
                Kind.COMMUNE,
                code,
                values,
                (outlines.get(code), SOURCE_ADMIN_EXPRESS),
            )
        for code, entry in sorted(qpv.items()):
            members = [communes[c] for c in entry["communes"] if communes.get(c)]
            parent = members[0] if len(members) == 1 else epci
            _upsert(
                existing,
                report,
                Kind.QPV,
                code,
                {"name": entry["name"], "parent": parent},
                (None, ""),
                communes=members,
            )
    return report


def _read_outlines(path: Path) -> dict:
    try:
        document = geo.load_json(path.read_bytes())
    except OSError as exc:
        raise TerritoryDataError(f"Fichier illisible : {path} ({exc.strerror}).") from None
    outlines = {}
    for feature in geo.features_of(document):
        code = str((feature.get("properties") or {}).get("code", ""))
        geom = geo.check_perimeter(
            geo.parse_geometry(feature.get("geometry"), f"Commune {code}"), f"Commune {code}"
        )
        outlines[code] = geom
    return outlines


def _upsert(existing, report, kind, code, values, geometry, communes=None):
    """Create or update one territory; counts what happened. `geometry` is
    (shapely geometry or None, source)."""
    counter = report.counts[kind]
    territory = existing.get((kind, code))
    geom, source = geometry
    if territory is not None and territory.is_deleted:
        report.skipped_deleted.append(f"{territory.name} ({code})")
        return None
    created = territory is None
    if created:
        territory = Territory(kind=kind, code=code)
    changed = created
    for name, value in values.items():
        if getattr(territory, name) != value:
            setattr(territory, name, value)
            changed = True
    if geom is not None:
        if territory.geometry_source in REFERENCE_SOURCES:
            text = geo.to_geojson_text(geom)
            if territory.geometry != text or territory.geometry_source != source:
                _set_geometry(territory, geom, source)
                changed = True
        else:
            report.kept_perimeters.append(f"{territory.name} ({territory.geometry_source})")
    if changed:
        save_with_history(territory, None, "Chargement des territoires de référence")
    if communes is not None:
        current = set(territory.communes.values_list("id", flat=True)) if not created else set()
        wanted = {c.id for c in communes}
        if current != wanted:
            territory.communes.set(communes)
            if not changed:
                # the M2M change is a change of the territory: keep it in its history
                save_with_history(territory, None, "Communes couvertes mises à jour")
            changed = True
    if created:
        counter.created += 1
    elif changed:
        counter.updated += 1
    else:
        counter.unchanged += 1
    return territory


def reference_for(siren: str, name=None, communes=None, outlines=None, qpv=None) -> EpciReference:
    known = KNOWN_EPCI.get(siren)
    if known and not any((name, communes, outlines, qpv)):
        return known
    if known is None and not (name and communes):
        raise TerritoryDataError(
            f"EPCI {siren} inconnu : donnez son nom (--nom) et la liste de ses communes "
            "(--communes, CSV avec les colonnes insee_com, nom, population_municipale)."
        )
    return EpciReference(
        siren=siren,
        name=name or known.name,
        communes_csv=Path(communes) if communes else known.communes_csv,
        outlines_geojson=Path(outlines)
        if outlines
        else (known.outlines_geojson if known else None),
        qpv_csv=Path(qpv) if qpv else (known.qpv_csv if known else NATIONAL_QPV_CSV),
    )


# -- import_qpv ------------------------------------------------------------------


@dataclass
class QpvImportReport:
    crs: str = geo.WGS84
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the database, not in the file
    kept_manual: list[str] = field(default_factory=list)
    ignored: int = 0  # features of QPV not in the database (other EPCI)


def import_qpv_perimeters(
    data: bytes | str, source_name: str, replace_manual: bool = False
) -> QpvImportReport:
    """Update the perimeters of the QPV known in the database from the ANCT file
    (WGS84 or Lambert-93). Everything is checked before anything is written."""
    document = geo.load_json(data)
    if document.get("type") != "FeatureCollection":
        raise geo.GeometryError("Le fichier doit être une FeatureCollection GeoJSON.")
    features = geo.features_of(document)
    crs = geo.crs_of(document)
    report = QpvImportReport()
    known = {t.code: t for t in Territory.objects.of_kind(Kind.QPV)}
    wanted: dict[str, object] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise geo.GeometryError(f"Objet n° {number} : objet GeoJSON illisible.")
        props = feature.get("properties") or {}
        code = str(props.get("code_qp") or "").strip()
        if not code:
            raise geo.GeometryError(f"Objet n° {number} : propriété « code_qp » absente.")
        if code not in known:
            report.ignored += 1
            continue
        label = f"QPV {code} ({props.get('lib_qp') or known[code].name})"
        wanted[code] = (label, geo.parse_geometry(feature.get("geometry"), label))
    if crs is None:
        coords = [shapely.get_coordinates(g) for _label, g in wanted.values()]
        sample = np.concatenate(coords) if coords else np.zeros((0, 2))
        crs = geo.guess_crs(sample[np.isfinite(sample).all(axis=1)])
    report.crs = crs
    codes = list(wanted)
    geoms = geo.to_wgs84([wanted[c][1] for c in codes], crs)
    checked = {
        code: geo.check_perimeter(g, wanted[code][0]) for code, g in zip(codes, geoms, strict=True)
    }
    source = f"{SOURCE_ANCT_PREFIX} ({source_name})"
    with transaction.atomic():
        for code, territory in sorted(known.items()):
            geom = checked.get(code)
            if geom is None:
                report.missing.append(code)
                continue
            if territory.geometry_source in MANUAL_SOURCES and not replace_manual:
                report.kept_manual.append(code)
                continue
            text = geo.to_geojson_text(geom)
            if territory.geometry == text:
                report.unchanged.append(code)
                continue
            _set_geometry(territory, geom, source)
            save_with_history(territory, None, "Import des périmètres officiels des QPV")
            report.updated.append(code)
    return report


# -- perimeters set by coordinators -----------------------------------------------


def set_perimeter(territory: Territory, geojson_text: str | bytes, user, source: str) -> Territory:
    """Replace a territory's perimeter by an uploaded file or a drawing.

    Refuses (PermissionDenied) a user whose scope does not cover the territory, and
    (GeometryError, a ValueError with a French message) any geometry that is not one
    valid polygon in WGS84; nothing is changed then."""
    require(user, "territory.edit_perimeter", territory)
    label = PERIMETER_SOURCES.get(source, source)
    if label not in MANUAL_SOURCES:
        raise ValueError(f"Source de périmètre inconnue : {source}")
    geom = geo.perimeter_from_geojson(geojson_text)
    with transaction.atomic():
        locked = Territory.objects.select_for_update().get(pk=territory.pk)
        _set_geometry(locked, geom, label)
        save_with_history(locked, user, label)
    territory.refresh_from_db()
    return territory


def ensure_pac(key: str, name: str, commune_insee: str) -> Territory:
    """The périmètre d'attention complémentaire `key` of a commune, created when
    missing (used by the contract loader). Its perimeter is set later by the
    coordinators (upload or drawing)."""
    key = (key or "").strip()
    if not key:
        raise ValueError("Un PAC doit avoir une clé.")
    try:
        commune = Territory.objects.get(kind=Kind.COMMUNE, code=commune_insee)
    except Territory.DoesNotExist:
        raise ValueError(
            f"Commune {commune_insee} inconnue : lancez d'abord « manage.py load_territories »."
        ) from None
    with transaction.atomic():
        pac = Territory.all_objects.filter(kind=Kind.PAC, code=key).first()
        if pac is None:
            pac = Territory(kind=Kind.PAC, code=key, name=name, parent=commune)
            save_with_history(pac, None, "Créé par le chargement du contrat")
        elif pac.name != name or pac.parent_id != commune.id:
            pac.name, pac.parent = name, commune
            save_with_history(pac, None, "Mis à jour par le chargement du contrat")
        if list(pac.communes.values_list("id", flat=True)) != [commune.id]:
            pac.communes.set([commune])
    return pac


def feature_collection(territories) -> dict:
    """GeoJSON FeatureCollection of the territories that have a perimeter."""
    features = []
    for t in territories:
        if not t.geometry:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(t.geometry),
                "properties": {
                    "kind": t.kind,
                    "code": t.code,
                    "name": t.name,
                    "url": t.get_absolute_url(),
                    "source": t.geometry_source,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
