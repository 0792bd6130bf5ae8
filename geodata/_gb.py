"""Great Britain's postcodes: a compact, memory-mappable index.

Every Code-Point Open postcode becomes one int64 key (see
:func:`geodata._postcodes.postcode_key`) in a sorted array, so a lookup is a
binary search (``searchsorted``) with no dict to build at start-up; the
arrays are saved as ``.npy`` files and memory-mapped, so loading is
instantaneous and several worker processes share one copy of the pages.

Sectors (``LS6 3``) and districts (``LS6``) have their own sorted key arrays
with centroids: the mean of their postcodes' eastings and northings,
converted like the postcodes. Each also records whether its centroid may be
shown publicly (see :data:`MIN_PUBLIC_LOCATIONS`).

For "what is near this point" the located postcodes are also bucketed on a
regular latitude/longitude grid (about 1 km cells), stored as the cell ids in
sorted order plus the permutation that sorts them: a window of cells is a
handful of contiguous slices, found with ``searchsorted`` again.
"""

from __future__ import annotations

import math

import numpy as np

from ._distance import haversine_km

__all__ = ["GBIndex", "build_gb_arrays"]

# Levels of a postcode's stored coordinates.
EXACT, SECTOR, OUTWARD, NONE = 0, 1, 2, 3

SECTOR_MASK = ~np.int64(0xFFFFFF)  # keep outward code and sector digit
OUTWARD_MASK = ~np.int64(0xFFFFFFFF)  # keep outward code

# The grid covers Great Britain with a margin; Code-Point spans 49.8-60.9 N
# and 8.7 W-1.8 E.
GRID_LAT0, GRID_LON0 = 49.0, -9.0
GRID_DLAT, GRID_DLON = 0.01, 0.015
GRID_ROWS, GRID_COLS = 1250, 767
_KM_PER_DEG = math.pi * 6371.0088 / 180.0

#: A district or sector with fewer distinct postcode locations than this is a
#: single-organisation or tiny-island code, whose centroid would nearly pin an
#: address. Such a district's public form is the nearest ordinary district;
#: such a sector's is its district's public form.
MIN_PUBLIC_LOCATIONS = 5


def _transformer():
    from pyproj import Transformer

    # always_xy: pyproj otherwise follows EPSG:4326's latitude-first axis order.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def grid_to_wgs84(eastings: np.ndarray, northings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert British National Grid metres to WGS84 (lat, lon) degrees, vectorised."""
    lon, lat = _transformer().transform(
        np.asarray(eastings, dtype=np.float64), np.asarray(northings, dtype=np.float64)
    )
    return np.asarray(lat), np.asarray(lon)


def keys_from_postcodes(postcodes: np.ndarray) -> np.ndarray:
    """Return int64 keys for an ``S8`` array of single-spaced postcodes."""
    raw = np.ascontiguousarray(postcodes, dtype="S8").view(np.uint8).reshape(-1, 8)
    length = (raw != 0).sum(axis=1)
    if not np.all(raw[np.arange(len(raw)), length - 4] == ord(" ")):
        raise ValueError("postcodes must be written 'OUTWARD INWARD' with one space")
    out = np.zeros_like(raw)
    out[:, :4] = ord(" ")
    outward_len = length - 4
    for j in range(4):
        rows = j < outward_len
        out[rows, j] = raw[rows, j]
    out[:, 4:7] = np.take_along_axis(raw, length[:, None] - 3 + np.arange(3), axis=1)
    return out.view(">i8").ravel().astype(np.int64)


def grid_cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return the grid cell id of each point (points must lie inside the grid)."""
    row = np.floor((lat - GRID_LAT0) / GRID_DLAT).astype(np.int64)
    col = np.floor((lon - GRID_LON0) / GRID_DLON).astype(np.int64)
    if row.size and (
        row.min() < 0 or row.max() >= GRID_ROWS or col.min() < 0 or col.max() >= GRID_COLS
    ):
        raise ValueError("a postcode lies outside the grid covering Great Britain")
    return (row * GRID_COLS + col).astype(np.int32)


def _group_centroids(group_keys, inverse, located, e, n):
    count = np.bincount(inverse[located], minlength=len(group_keys))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_e = (
            np.bincount(inverse[located], weights=e[located], minlength=len(group_keys)) / count
        )
        mean_n = (
            np.bincount(inverse[located], weights=n[located], minlength=len(group_keys)) / count
        )
    lat, lon = np.full(len(group_keys), np.nan), np.full(len(group_keys), np.nan)
    has = count > 0
    lat[has], lon[has] = grid_to_wgs84(mean_e[has], mean_n[has])
    return np.column_stack([lat, lon]), count


def build_gb_arrays(table: np.ndarray) -> dict[str, np.ndarray]:
    """Build the GB index arrays from Code-Point Open rows.

    Parameters
    ----------
    table : numpy structured array
        As returned by :func:`geodata._sources.read_code_point`.

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays :class:`GBIndex` is made of.
    """
    keys = keys_from_postcodes(table["postcode"])
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    if np.any(keys[1:] == keys[:-1]):
        raise ValueError("duplicate postcodes in Code-Point Open")
    e = table["e"][order].astype(np.float64)
    n = table["n"][order].astype(np.float64)
    # Quality 90 means Ordnance Survey has no coordinates for the postcode.
    located = (table["quality"][order] != 90) & (e > 0) & (n > 0)

    coords = np.full((len(keys), 2), np.nan)
    coords[located, 0], coords[located, 1] = grid_to_wgs84(e[located], n[located])

    sector_keys, sector_inv = np.unique(keys & SECTOR_MASK, return_inverse=True)
    sector_coords, _ = _group_centroids(sector_keys, sector_inv, located, e, n)
    # A sector without located postcodes counts 0, so it is never public.
    sector_public = (
        _distinct_locations(sector_inv, len(sector_keys), located, e, n) >= MIN_PUBLIC_LOCATIONS
    )
    outward_keys, outward_inv = np.unique(keys & OUTWARD_MASK, return_inverse=True)
    outward_coords, _ = _group_centroids(outward_keys, outward_inv, located, e, n)

    # A postcode without coordinates answers with its sector, else its district.
    level = np.full(len(keys), NONE, dtype=np.uint8)
    level[located] = EXACT
    for lvl, group_coords, inv in (
        (SECTOR, sector_coords, sector_inv),
        (OUTWARD, outward_coords, outward_inv),
    ):
        fill = (level == NONE) & ~np.isnan(group_coords[inv, 0])
        coords[fill] = group_coords[inv[fill]]
        level[fill] = lvl

    public = _public_outwards(
        outward_coords, _distinct_locations(outward_inv, len(outward_keys), located, e, n)
    )

    located_idx = np.flatnonzero(located)
    cells = grid_cells(coords[located_idx, 0], coords[located_idx, 1])
    grid_order = np.argsort(cells, kind="stable")
    return {
        "pc_keys": keys,
        "pc_coords": coords,
        "pc_level": level,
        "sector_keys": sector_keys,
        "sector_coords": sector_coords,
        "sector_public": sector_public,
        "outward_keys": outward_keys,
        "outward_coords": outward_coords,
        "outward_public": public,
        "grid_cells": cells[grid_order],
        "grid_order": located_idx[grid_order].astype(np.int32),
    }


def _distinct_locations(inverse, n_groups, located, e, n) -> np.ndarray:
    """Count the distinct located (easting, northing) points in each group."""
    # Distinct (group, easting, northing) triples, packed into one int64:
    # eastings and northings are under 2**21 metres, groups far fewer than 2**21.
    packed = (
        (inverse[located].astype(np.int64) << 42)
        | (e[located].astype(np.int64) << 21)
        | n[located].astype(np.int64)
    )
    packed.sort()
    first = np.ones(len(packed), dtype=bool)
    first[1:] = packed[1:] != packed[:-1]
    return np.bincount(packed[first] >> 42, minlength=n_groups)


def _public_outwards(outward_coords, distinct) -> np.ndarray:
    """Map each district to itself, or to the nearest district with enough locations."""
    n_out = len(outward_coords)
    ordinary = distinct >= MIN_PUBLIC_LOCATIONS
    public = np.arange(n_out, dtype=np.int32)
    candidates = np.flatnonzero(ordinary)
    for i in np.flatnonzero(~ordinary):
        if np.isnan(outward_coords[i, 0]):
            public[i] = -1
            continue
        d = haversine_km(
            outward_coords[i, 0],
            outward_coords[i, 1],
            outward_coords[candidates, 0],
            outward_coords[candidates, 1],
        )
        public[i] = candidates[int(np.argmin(d))]
    return public


class GBIndex:
    """Queries over the GB postcode arrays (memory-mapped or in memory)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.keys = arrays["pc_keys"]
        self.coords = arrays["pc_coords"]
        self.level = arrays["pc_level"]
        self.sector_keys = arrays["sector_keys"]
        self.sector_coords = arrays["sector_coords"]
        self.sector_public = arrays["sector_public"]
        self.outward_keys = arrays["outward_keys"]
        self.outward_coords = arrays["outward_coords"]
        self.outward_public = arrays["outward_public"]
        self.grid_cells = arrays["grid_cells"]
        self.grid_order = arrays["grid_order"]
        self.size = len(self.keys)

    # -- exact lookups -------------------------------------------------------

    def find_postcode(self, key: int) -> int:
        """Return the row of a postcode key, or -1."""
        i = int(self.keys.searchsorted(key))
        if i < self.size and self.keys[i] == key:
            return i
        return -1

    def find_sector(self, key: int) -> int:
        """Return the row of a sector key, or -1 (also when it has no coordinates)."""
        return self._find(self.sector_keys, self.sector_coords, key)

    def sector_row(self, key: int) -> int:
        """Return the row of a sector key, or -1 (coordinates or not)."""
        i = int(self.sector_keys.searchsorted(key))
        if i < len(self.sector_keys) and self.sector_keys[i] == key:
            return i
        return -1

    def find_outward(self, key: int) -> int:
        """Return the row of a district key, or -1 (also when it has no coordinates)."""
        return self._find(self.outward_keys, self.outward_coords, key)

    def outward_exists(self, key: int) -> bool:
        """Return whether a district is in the data at all."""
        i = int(self.outward_keys.searchsorted(key))
        return i < len(self.outward_keys) and int(self.outward_keys[i]) == key

    @staticmethod
    def _find(keys, coords, key) -> int:
        i = int(keys.searchsorted(key))
        if i < len(keys) and keys[i] == key and not math.isnan(coords[i, 0]):
            return i
        return -1

    def key_range(self, keys: np.ndarray, lo: int, hi: int) -> range:
        """Return the rows of *keys* within ``[lo, hi)``."""
        return range(int(keys.searchsorted(lo)), int(keys.searchsorted(hi)))

    def outward_of_row(self, row: int) -> int:
        """Return the district row of a postcode row."""
        return int(self.outward_keys.searchsorted(int(self.keys[row]) & int(OUTWARD_MASK)))

    def sector_of_row(self, row: int) -> int:
        """Return the sector row of a postcode row."""
        return int(self.sector_keys.searchsorted(int(self.keys[row]) & int(SECTOR_MASK)))

    def public_outward(self, outward_row: int) -> int:
        """Return the row of the district to show publicly for *outward_row*."""
        return int(self.outward_public[outward_row])

    # -- nearest -------------------------------------------------------------

    def nearest(self, lat: float, lon: float, k: int, max_km: float):
        """Return (rows, km) of up to *k* located postcodes within *max_km*, nearest first."""
        empty = (np.empty(0, dtype=np.int64), np.empty(0))
        if k <= 0:
            return empty
        grid_north = GRID_LAT0 + GRID_ROWS * GRID_DLAT
        grid_east = GRID_LON0 + GRID_COLS * GRID_DLON
        # Far outside the grid there is nothing to find.
        clamped_lat = min(max(lat, GRID_LAT0), grid_north)
        clamped_lon = min(max(lon, GRID_LON0), grid_east)
        if haversine_km(lat, lon, clamped_lat, clamped_lon) > max_km:
            return empty
        row = math.floor((lat - GRID_LAT0) / GRID_DLAT)
        col = math.floor((lon - GRID_LON0) / GRID_DLON)
        radius = 1
        while True:
            r0, r1 = max(row - radius, 0), min(row + radius, GRID_ROWS - 1)
            c0, c1 = max(col - radius, 0), min(col + radius, GRID_COLS - 1)
            rows, dist = self._window(lat, lon, r0, r1, c0, c1)
            reach = self._window_reach(lat, lon, r0, r1, c0, c1)
            found = int(np.count_nonzero(dist <= min(reach, max_km)))
            if found >= k or reach >= max_km:
                keep = dist <= max_km
                rows, dist = rows[keep], dist[keep]
                first = np.argsort(dist, kind="stable")[:k]
                return rows[first], dist[first]
            radius *= 2

    def _window(self, lat, lon, r0, r1, c0, c1):
        # Same dtype as the cells, or numpy would convert the whole array per call.
        starts = (np.arange(r0, r1 + 1) * GRID_COLS + c0).astype(self.grid_cells.dtype)
        lo = self.grid_cells.searchsorted(starts, "left")
        hi = self.grid_cells.searchsorted(starts + (c1 - c0), "right")
        parts = [
            self.grid_order[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a
        ]
        if not parts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        rows = np.concatenate(parts).astype(np.int64)
        pts = self.coords[rows]
        return rows, haversine_km(lat, lon, pts[:, 0], pts[:, 1])

    @staticmethod
    def _window_reach(lat, lon, r0, r1, c0, c1) -> float:
        """Return how far from the point the searched window is guaranteed complete."""
        inf = float("inf")
        south = GRID_LAT0 + r0 * GRID_DLAT
        north = GRID_LAT0 + (r1 + 1) * GRID_DLAT
        west = GRID_LON0 + c0 * GRID_DLON
        east = GRID_LON0 + (c1 + 1) * GRID_DLON
        # Degrees of longitude shrink poleward: measure them at the window's
        # poleward edge so the bound stays conservative.
        km_per_lon = _KM_PER_DEG * math.cos(math.radians(max(abs(south), abs(north))))
        reach = [
            inf if r0 == 0 else (lat - south) * _KM_PER_DEG,
            inf if r1 == GRID_ROWS - 1 else (north - lat) * _KM_PER_DEG,
            inf if c0 == 0 else (lon - west) * km_per_lon,
            inf if c1 == GRID_COLS - 1 else (east - lon) * km_per_lon,
        ]
        return max(min(reach), 0.0)
