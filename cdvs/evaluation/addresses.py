"""QPV share from a list of addresses or coordinates, keeping nothing personal: rows
are read in memory, geocoded by the BAN's batch endpoint, located with
`territories.locate`, counted; only the counts are kept."""

from collections import Counter

from cdvs.core.geocoding import BanClient
from cdvs.core.imports import Column, ImportFileError, guess_mapping, mapped_rows, read_table
from cdvs.territories.locate import locate

BATCH = 1000
COLUMNS = [
    Column("adresse", "Adresse", aliases=("rue", "voie")),
    Column("code_postal", "Code postal", aliases=("cp",)),
    Column("commune", "Commune", aliases=("ville",)),
    Column("latitude", "Latitude", aliases=("lat",)),
    Column("longitude", "Longitude", aliases=("lon", "lng")),
]
NOT_FOUND, ELSEWHERE, COMMUNE, PAC = "non_trouvees", "ailleurs", "reste_commune", "pac"


def read_rows(content: bytes, filename: str) -> tuple[list[dict], bool]:
    """(rows, with_coordinates); ImportFileError in French for a file it cannot use
    (wrong encoding, no address column)."""
    table = read_table(content, filename)
    mapping = guess_mapping(table.headers, COLUMNS)
    coords = mapping.get("latitude") is not None and mapping.get("longitude") is not None
    if not coords and mapping.get("adresse") is None:
        raise ImportFileError(
            "ni colonne « Adresse », ni colonnes « Latitude » et « Longitude » : "
            "rien n'a été compté."
        )
    return [cells for _line, cells in mapped_rows(table, mapping)], coords


def _number(text):
    try:
        return float(text.replace(",", "."))
    except (AttributeError, ValueError):
        return None


def points_of(rows, coords: bool, client=None):
    """One (lat, lon) or None per row, geocoding batch by batch."""
    if coords:
        for row in rows:
            lat, lon = _number(row.get("latitude")), _number(row.get("longitude"))
            ok = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
            yield (lat, lon) if ok else None
        return
    client = client or BanClient()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        results = client.search_csv(batch, ["adresse", "commune"], postcode_column="code_postal")
        for result in results:
            yield (result.lat, result.lon) if result is not None else None


def count(points, commune_id) -> dict:
    """{"qpv": {name: n}, "pac": n, "reste_commune": n, "ailleurs": n, "non_trouvees": n}."""
    found = [p for p in points if p is not None]
    totals = Counter({NOT_FOUND: len(points) - len(found)})
    qpv = Counter()
    for location in locate(found) if found else []:
        if location.qpv:
            qpv[location.qpv[0].name] += 1
        elif location.pac:
            totals[PAC] += 1
        elif location.commune is not None and location.commune.id == commune_id:
            totals[COMMUNE] += 1
        else:
            totals[ELSEWHERE] += 1
    return {
        "qpv": dict(sorted(qpv.items())),
        **{k: totals[k] for k in (PAC, COMMUNE, ELSEWHERE, NOT_FOUND)},
    }
