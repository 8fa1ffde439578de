"""Which territories contain each of many points, fast.

`PerimeterIndex` answers "which of these polygons contain each point" for arrays of
coordinates. It needs no database (the benchmark builds it from shapely geometries):

- a multi-level grid covers the polygons. Level 0 is a dense grid over the extent;
  a cell that a polygon's boundary may cross is split into `split` x `split` children
  at the next level, and so on down to `depth` levels. Every other cell is
  classified once, at build time, as fully inside or fully outside each polygon
  (its centre is tested, and the boundary is known to be farther than the cell's
  half-diagonal), so most points are resolved by numpy indexing alone;
- only points falling in a deepest-level cell that a boundary may cross are tested
  exactly with GEOS (prepared geometries, `intersects_xy`).

A point on a perimeter's edge counts as inside it.

`locate(points)` is the application's entry point: the index is built from the
territories in the database and cached (Django cache, plus a copy in the process),
under a key derived from the territories' count and last update, so every process
sees a change at its next call.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from cdvs.core.cache import cached, data_version

from .models import Territory

CACHE_KEY = "territories:locate-index"
CACHE_TIMEOUT = 24 * 3600


class PerimeterIndex:
    """Point-in-polygon for many points against many (possibly overlapping) polygons."""

    def __init__(
        self,
        geometries,
        *,
        split: int = 4,
        base_cell: float | None = None,
        depth: int | None = None,
        max_level0_cells: int = 2_000_000,
    ):
        geoms = np.asarray(list(geometries), dtype=object)
        self.geoms = geoms
        self.split = split
        n = len(geoms)
        if n == 0:
            self.x0 = self.y0 = 0.0
            self.nx = self.ny = 0
            self.cell_sizes = [1.0]
            self.levels = [np.zeros(0, np.int32)]
            self.block_x0 = [np.zeros(0)]
            self.block_y0 = [np.zeros(0)]
            self._set_entries([np.zeros(2, np.int64)], [], [np.zeros(2, np.int64)], [])
            return
        bounds = shapely.bounds(geoms)
        x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
        x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
        extent = max(x1 - x0, y1 - y0, 1e-9)
        sizes = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        ref = float(np.median(sizes)) or extent
        if base_cell is None:
            base_cell = max(ref / 2, extent / 1024)
            while ((x1 - x0) / base_cell + 1) * ((y1 - y0) / base_cell + 1) > max_level0_cells:
                base_cell *= 2
        if depth is None:
            target = ref / 80
            depth = max(0, min(5, math.ceil(math.log(base_cell / target, split) - 1e-9)))
        self.x0, self.y0 = float(x0), float(y0)
        self.nx = int((x1 - x0) // base_cell) + 1
        self.ny = int((y1 - y0) // base_cell) + 1
        self.cell_sizes = [base_cell / split**level for level in range(depth + 1)]
        self._build(bounds, depth)

    # -- building ---------------------------------------------------------------

    def _build(self, bounds, depth):
        s, ss = self.split, self.split * self.split
        geoms = self.geoms
        shapely.prepare(geoms)
        parts, part_geom = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_geom = part_geom[ring_part]
        c0 = self.cell_sizes[0]
        n_geoms = len(geoms)

        # level 0: every (cell, polygon) pair of the polygons' bounding boxes; cells are
        # named by their integer coordinates (gx, gy) in the grid of their level
        ix0 = np.floor((bounds[:, 0] - self.x0) / c0).astype(np.int64).clip(0, self.nx - 1)
        ix1 = np.floor((bounds[:, 2] - self.x0) / c0).astype(np.int64).clip(0, self.nx - 1)
        iy0 = np.floor((bounds[:, 1] - self.y0) / c0).astype(np.int64).clip(0, self.ny - 1)
        iy1 = np.floor((bounds[:, 3] - self.y0) / c0).astype(np.int64).clip(0, self.ny - 1)
        wx, wy = ix1 - ix0 + 1, iy1 - iy0 + 1
        counts = wx * wy
        g = np.repeat(np.arange(n_geoms), counts)
        local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        gx = ix0[g] + local % wx[g]
        gy = iy0[g] + local // wx[g]
        cell = gy * self.nx + gx
        inherited_cell = np.zeros(0, np.int64)
        inherited_g = np.zeros(0, np.int64)

        self.levels, self.block_x0, self.block_y0 = [], [], []
        inside_ptrs, inside_items = [np.zeros(2, np.int64)], []
        cand_ptrs, cand_items = [np.zeros(2, np.int64)], []
        n_entries = 1  # entry 0: no polygon at all
        n_cells = self.nx * self.ny
        for level in range(depth + 1):
            size = self.cell_sizes[level]
            row = self.nx * s**level  # cells per row of the whole grid at this level
            crossed = self._crossed_cells(rings, ring_geom, size, row, n_geoms)
            near = _member((gy * row + gx) * n_geoms + g, crossed)
            inside = ~near
            mid_x = self.x0 + (gx[inside] + 0.5) * size
            mid_y = self.y0 + (gy[inside] + 0.5) * size
            inside[inside] = shapely.contains_xy(geoms[g[inside]], mid_x, mid_y)
            in_cell = np.concatenate([inherited_cell, cell[inside]])
            in_g = np.concatenate([inherited_g, g[inside]])
            b_cell, b_g, b_gx, b_gy = cell[near], g[near], gx[near], gy[near]

            nodes = np.zeros(n_cells, np.int32)
            last = level == depth
            if last:
                refined = np.zeros(0, np.int64)
            else:
                refined, first = _unique(b_cell, return_index=True)
                nodes[refined] = -(np.arange(len(refined), dtype=np.int32) + 1)
            # cells settled at this level: those with a pair and not refined
            settled_in = ~_member(in_cell, refined)
            final_cells = _unique(
                np.concatenate([in_cell[settled_in], b_cell if last else np.zeros(0, np.int64)])
            )
            entry_ids = n_entries + np.arange(len(final_cells))
            nodes[final_cells] = entry_ids.astype(np.int32)
            n_entries += len(final_cells)
            inside_ptrs.append(_csr_counts(in_cell[settled_in], in_g[settled_in], final_cells))
            inside_items.append(_sorted_items(in_cell[settled_in], in_g[settled_in]))
            if last:
                cand_ptrs.append(_csr_counts(b_cell, b_g, final_cells))
                cand_items.append(_sorted_items(b_cell, b_g))
            else:
                cand_ptrs.append(np.zeros(len(final_cells), np.int64))
            self.levels.append(nodes)
            if last or len(refined) == 0:
                break

            # next level: the children of every refined cell
            parent_gx, parent_gy = b_gx[first], b_gy[first]
            self.block_x0.append(self.x0 + parent_gx * size)
            self.block_y0.append(self.y0 + parent_gy * size)
            block_of_pair = np.searchsorted(refined, b_cell)
            k = np.arange(ss)
            kk = np.tile(k, len(b_g))
            g = np.repeat(b_g, ss)
            blocks = np.repeat(block_of_pair, ss)
            cell = blocks * ss + kk
            gx = np.repeat(b_gx, ss) * s + kk % s
            gy = np.repeat(b_gy, ss) * s + kk // s
            keep = _member(in_cell, refined)
            inh_blocks = np.searchsorted(refined, in_cell[keep])
            inherited_cell = np.repeat(inh_blocks, ss) * ss + np.tile(k, len(inh_blocks))
            inherited_g = np.repeat(in_g[keep], ss)
            n_cells = len(refined) * ss
        self._set_entries(inside_ptrs, inside_items, cand_ptrs, cand_items)

    def _crossed_cells(self, rings, ring_geom, size, row, n_geoms):
        """Sorted keys `(gy * row + gx) * n_geoms + g` of every cell of this level that
        polygon g's boundary may touch: the cells under the bounding box of each of its
        segments, once the segments are cut to at most one cell long (a superset of
        the cells crossed, which is all correctness needs)."""
        dense = shapely.segmentize(rings, size)
        coords, ring = shapely.get_coordinates(dense, return_index=True)
        same = ring[1:] == ring[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        seg_g = ring_geom[ring[:-1][same]]
        eps = 1e-9 * max(1.0, abs(self.x0), abs(self.y0))
        lo = np.minimum(a, b) - eps
        hi = np.maximum(a, b) + eps
        x_lo = np.floor((lo[:, 0] - self.x0) / size).astype(np.int64)
        x_hi = np.floor((hi[:, 0] - self.x0) / size).astype(np.int64)
        y_lo = np.floor((lo[:, 1] - self.y0) / size).astype(np.int64)
        y_hi = np.floor((hi[:, 1] - self.y0) / size).astype(np.int64)
        wx, wy = x_hi - x_lo + 1, y_hi - y_lo + 1
        counts = wx * wy
        idx = np.repeat(np.arange(len(counts)), counts)
        local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cx = x_lo[idx] + local % wx[idx]
        cy = y_lo[idx] + local // wx[idx]
        return _unique((cy * row + cx) * n_geoms + seg_g[idx])

    def _set_entries(self, inside_ptrs, inside_items, cand_ptrs, cand_items):
        self.inside_ptr = np.cumsum(np.concatenate(inside_ptrs)).astype(np.int32)
        self.inside_items = (
            np.concatenate(inside_items).astype(np.int32) if inside_items else np.zeros(0, np.int32)
        )
        self.cand_ptr = np.cumsum(np.concatenate(cand_ptrs)).astype(np.int32)
        self.has_candidates = np.diff(self.cand_ptr) > 0
        self.cand_items = (
            np.concatenate(cand_items).astype(np.int32) if cand_items else np.zeros(0, np.int32)
        )

    # -- pickling: prepared geometries are not pickled, prepare them again ---------

    def __setstate__(self, state):
        self.__dict__.update(state)
        shapely.prepare(self.geoms)

    # -- querying ---------------------------------------------------------------

    def query(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point index, polygon index) of every polygon containing each point
        (in no particular order). `x` is the longitude, `y` the latitude (float arrays)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        n = len(x)
        if not (self.nx and n):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        inv = 1.0 / self.cell_sizes[0]
        u = x - self.x0
        u *= inv
        v = y - self.y0
        v *= inv
        ok = (u >= 0) & (u < self.nx) & (v >= 0) & (v < self.ny)
        if ok.all():
            cell = v.astype(np.int64)
            cell *= self.nx
            cell += u.astype(np.int64)
            node = self.levels[0][cell]
        else:
            node = np.zeros(n, np.int32)
            node[ok] = self.levels[0][v[ok].astype(np.int64) * self.nx + u[ok].astype(np.int64)]
        del u, v, ok
        s = self.split
        for level in range(1, len(self.levels)):
            active = np.flatnonzero(node < 0)
            if active.size == 0:
                break
            block = -1 - node[active]
            inv = 1.0 / self.cell_sizes[level]
            cx = ((x[active] - self.block_x0[level - 1][block]) * inv).astype(np.int32)
            cy = ((y[active] - self.block_y0[level - 1][block]) * inv).astype(np.int32)
            np.clip(cx, 0, s - 1, out=cx)
            np.clip(cy, 0, s - 1, out=cy)
            block *= s * s
            cy *= s
            block += cy
            block += cx
            node[active] = self.levels[level][block]
        points_in, geoms_in = _expand(node, self.inside_ptr, self.inside_items)
        near = np.flatnonzero(self.has_candidates[node])
        points_c, geoms_c = _expand(node[near], self.cand_ptr, self.cand_items)
        if points_c.size:
            points_c = near[points_c]
            hit = shapely.intersects_xy(self.geoms[geoms_c], x[points_c], y[points_c])
            points_c, geoms_c = points_c[hit], geoms_c[hit]
            return np.concatenate([points_in, points_c]), np.concatenate([geoms_in, geoms_c])
        return points_in, geoms_in

    def stats(self) -> dict:
        return {
            "polygones": len(self.geoms),
            "niveaux": len(self.levels),
            "cellules": int(sum(len(level) for level in self.levels)),
            "cellule_finale_deg": self.cell_sizes[len(self.levels) - 1],
        }


def _unique(values, return_index=False):
    """np.unique by sorting (numpy's hash-based unique is slow on large int arrays)."""
    if return_index:
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        first = np.ones(len(ordered), bool)
        first[1:] = ordered[1:] != ordered[:-1]
        return ordered[first], order[first]
    ordered = np.sort(values)
    first = np.ones(len(ordered), bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _member(values, sorted_unique):
    """np.isin(values, sorted_unique) for a sorted array without repeats."""
    if len(sorted_unique) == 0:
        return np.zeros(len(values), bool)
    pos = np.searchsorted(sorted_unique, values).clip(0, len(sorted_unique) - 1)
    return sorted_unique[pos] == values


def _sorted_items(cells, items):
    order = np.lexsort((items, cells))
    return items[order]


def _csr_counts(cells, items, final_cells):
    """Number of items of each final cell (final_cells sorted, every cell present)."""
    if len(final_cells) == 0:
        return np.zeros(0, np.int64)
    idx = np.searchsorted(final_cells, cells)
    return np.bincount(idx, minlength=len(final_cells)).astype(np.int64)


def _expand(node, ptr, items):
    """(point, item) pairs of the CSR lists `ptr`/`items` of each point's entry. Most
    entries hold zero or one item: one pass per rank, no repeat/cumsum over all points."""
    start = ptr[node]
    counts = ptr[node + 1] - start
    points, found = [], []
    rank = 0
    while True:
        has = np.flatnonzero(counts > rank)
        if has.size == 0:
            break
        points.append(has)
        found.append(items[start[has] + rank])
        rank += 1
    if not points:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(points) == 1:
        return points[0], found[0].astype(np.int64)
    return np.concatenate(points), np.concatenate(found).astype(np.int64)


# -- the application's side: territories from the database ----------------------


@dataclass(frozen=True)
class TerritoryRef:
    id: int
    kind: str
    code: str
    name: str

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "code": self.code, "name": self.name}


@dataclass
class Location:
    lat: float
    lon: float
    epci: TerritoryRef | None = None
    commune: TerritoryRef | None = None
    qpv: list[TerritoryRef] = field(default_factory=list)
    pac: list[TerritoryRef] = field(default_factory=list)

    @property
    def in_priority_area(self) -> bool:
        return bool(self.qpv or self.pac)

    def as_dict(self) -> dict:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "epci": self.epci.as_dict() if self.epci else None,
            "commune": self.commune.as_dict() if self.commune else None,
            "qpv": [t.as_dict() for t in self.qpv],
            "pac": [t.as_dict() for t in self.pac],
            "en_qpv_ou_pac": self.in_priority_area,
        }


class TerritoryIndex:
    """A PerimeterIndex over the territories that have a perimeter."""

    def __init__(self, refs: list[TerritoryRef], geometries: list[BaseGeometry], version: str):
        self.refs = refs
        self.version = version
        self.index = PerimeterIndex(geometries)

    def locate_arrays(self, lat: np.ndarray, lon: np.ndarray) -> list[Location]:
        points, geoms = self.index.query(lon, lat)
        results = [Location(lat=float(a), lon=float(o)) for a, o in zip(lat, lon, strict=True)]
        for p, g in zip(points.tolist(), geoms.tolist(), strict=True):
            ref = self.refs[g]
            loc = results[p]
            if ref.kind == "commune":
                if loc.commune is None:
                    loc.commune = ref
            elif ref.kind == "epci":
                if loc.epci is None:
                    loc.epci = ref
            else:
                getattr(loc, ref.kind).append(ref)
        return results


def index_version() -> str:
    """Changes whenever a territory is written (its history), added or removed, or a
    perimeter loaded or cleared."""
    return data_version(Territory, Territory.all_objects.all(), Territory.objects.with_perimeter())


_process_copy: dict[str, TerritoryIndex] = {}


def build_index(version: str = "") -> TerritoryIndex:
    refs, geoms = [], []
    rows = Territory.objects.with_perimeter().order_by("kind", "code")
    for t in rows.values_list("id", "kind", "code", "name", "geometry"):
        geom = shapely.from_geojson(t[4])
        if geom is None or geom.is_empty:
            continue
        refs.append(TerritoryRef(*t[:4]))
        geoms.append(geom)
    return TerritoryIndex(refs, geoms, version)


def get_index() -> TerritoryIndex:
    """The index of the current territories: this process's copy, else the shared
    cache's, else built from the database (then shared)."""
    version = index_version()
    local = _process_copy.get("index")
    if local is not None and local.version == version:
        return local
    index = cached((CACHE_KEY, version), lambda: build_index(version), CACHE_TIMEOUT)
    _process_copy["index"] = index
    return index


def coordinates(points) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) arrays from a sequence of (lat, lon) pairs or an (n, 2) array, or a
    ValueError with a French message naming the first bad point."""
    if isinstance(points, np.ndarray) and points.dtype.kind in "fiu":
        array = points.astype(np.float64, copy=False)
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError("Les points doivent être des couples (latitude, longitude).")
    else:
        if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
            raise ValueError("Les points doivent être une liste de couples (latitude, longitude).")
        rows = []
        for number, point in enumerate(points, start=1):
            if isinstance(point, (str, bytes, dict)) or not hasattr(point, "__len__"):
                raise ValueError(
                    f"Point n° {number} : un couple (latitude, longitude) est attendu."
                )
            if len(point) != 2:
                raise ValueError(
                    f"Point n° {number} : un couple (latitude, longitude) est attendu, "
                    f"{len(point)} valeur(s) reçue(s)."
                )
            for value, what in zip(point, ("latitude", "longitude"), strict=True):
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise ValueError(
                        f"Point n° {number} : la {what} doit être un nombre (reçu : {value!r})."
                    )
            rows.append((float(point[0]), float(point[1])))
        array = np.array(rows, dtype=np.float64).reshape(-1, 2)
    lat, lon = array[:, 0], array[:, 1]
    for values, what, limit in ((lat, "latitude", 90), (lon, "longitude", 180)):
        bad = ~np.isfinite(values) | (np.abs(values) > limit)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"Point n° {i + 1} : la {what} doit être un nombre entre -{limit} et {limit} "
                f"(reçu : {values[i]})."
            )
    return lat, lon


def locate(points) -> list[Location]:
    """For each (lat, lon) point, the EPCI, commune, QPV and PAC that contain it."""
    lat, lon = coordinates(points)
    return get_index().locate_arrays(lat, lon)
