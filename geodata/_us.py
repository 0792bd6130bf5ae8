"""US ZIP codes from the ``zipcodes`` package, as sorted arrays.

ZIP codes are kept as integers in a sorted array (binary search, like the GB
postcodes); the city and state of each are in a small JSON side file. The
"3-digit area" (the first three digits, a sectional centre facility) is the
public, coarse form of a ZIP code.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ._distance import haversine_km

__all__ = ["USIndex", "build_us"]

#: A 3-digit area with fewer located ZIP codes than this is shown as the
#: nearest larger area, so the public form never equals one ZIP's centroid.
MIN_PUBLIC_ZIPS = 3


def build_us(records: list[dict]) -> tuple[dict[str, np.ndarray], dict]:
    """Build the ZIP arrays and side data from ``zipcodes`` records."""
    records = sorted(records, key=lambda r: r["zip_code"])
    codes = np.array([int(r["zip_code"]) for r in records], dtype=np.int32)
    coords = np.array([[float(r["lat"]), float(r["long"])] for r in records])
    # Military (APO/FPO) and some unique ZIP codes are published as 0, 0.
    coords[(coords[:, 0] == 0) & (coords[:, 1] == 0)] = np.nan
    info = [[r["city"], r["state"], r["zip_code_type"]] for r in records]

    area = codes // 100
    area_codes, inverse = np.unique(area, return_inverse=True)
    located = ~np.isnan(coords[:, 0])
    count = np.bincount(inverse[located], minlength=len(area_codes))
    area_coords = np.full((len(area_codes), 2), np.nan)
    for axis in (0, 1):
        sums = np.bincount(
            inverse[located], weights=coords[located, axis], minlength=len(area_codes)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            area_coords[:, axis] = np.where(count > 0, sums / count, np.nan)
    distinct = Counter(
        (int(a), round(lat, 4), round(lon, 4))
        for a, (lat, lon) in zip(inverse[located], coords[located], strict=True)
    )
    n_distinct = np.bincount([a for a, _, _ in distinct], minlength=len(area_codes))
    ordinary = np.flatnonzero(n_distinct >= MIN_PUBLIC_ZIPS)
    public = np.arange(len(area_codes), dtype=np.int32)
    for i in np.flatnonzero(n_distinct < MIN_PUBLIC_ZIPS):
        if np.isnan(area_coords[i, 0]):
            public[i] = -1
            continue
        d = haversine_km(
            area_coords[i, 0], area_coords[i, 1], area_coords[ordinary, 0], area_coords[ordinary, 1]
        )
        public[i] = ordinary[int(np.argmin(d))]
    per_area = [Counter() for _ in range(len(area_codes))]
    for a, (_, state, _) in zip(inverse.tolist(), info, strict=True):
        per_area[a][state] += 1
    states = [counter.most_common(1)[0][0] for counter in per_area]
    arrays = {
        "zip_codes": codes,
        "zip_coords": coords,
        "zip3_codes": area_codes.astype(np.int32),
        "zip3_coords": area_coords,
        "zip3_public": public,
    }
    return arrays, {"zips": info, "zip3_states": states}


class USIndex:
    """Queries over the ZIP code arrays."""

    def __init__(self, arrays: dict[str, np.ndarray], side: dict) -> None:
        self.codes = arrays["zip_codes"]
        self.coords = arrays["zip_coords"]
        self._kdtree = None
        self.area_codes = arrays["zip3_codes"]
        self.area_coords = arrays["zip3_coords"]
        self.area_public = arrays["zip3_public"]
        self.info = side["zips"]
        self.area_states = side["zip3_states"]

    def find(self, zip5: int) -> int:
        """Return the row of a ZIP code, or -1."""
        # Same dtype as the codes, or numpy would convert the whole array per call.
        i = int(self.codes.searchsorted(self.codes.dtype.type(zip5)))
        if i < len(self.codes) and int(self.codes[i]) == zip5:
            return i
        return -1

    def located(self, row: int) -> bool:
        """Return whether a ZIP code has coordinates."""
        return not math.isnan(self.coords[row, 0])

    def label(self, row: int) -> str:
        """Return ``"90210, Beverly Hills, CA"``."""
        city, state, _ = self.info[row]
        return f"{int(self.codes[row]):05d}, {city}, {state}"

    def prefix_rows(self, digits: str) -> range:
        """Return the rows of ZIP codes starting with *digits*."""
        lo = int(digits.ljust(5, "0"))
        hi = int(digits.ljust(5, "9"))
        return range(int(self.codes.searchsorted(lo)), int(self.codes.searchsorted(hi, "right")))

    def nearest(self, lat: float, lon: float) -> tuple[int, float]:
        """Return (row, km) of the located ZIP code nearest a point."""
        tree, rows = self._tree()
        # Nearest by straight-line distance through the Earth is nearest on its surface.
        _, i = tree.query(_unit_vector(lat, lon))
        row = int(rows[i])
        return row, float(haversine_km(lat, lon, self.coords[row, 0], self.coords[row, 1]))

    def _tree(self):
        """A k-d tree of the located ZIP codes, built on first use (a few ms)."""
        if self._kdtree is None:
            from scipy.spatial import cKDTree

            rows = np.flatnonzero(~np.isnan(self.coords[:, 0]))
            points = _unit_vector(self.coords[rows, 0], self.coords[rows, 1])
            self._kdtree = (cKDTree(points), rows)
        return self._kdtree

    def public_area(self, row: int) -> tuple[str, float, float] | None:
        """Return (label, lat, lon) of the public 3-digit area of a ZIP row."""
        return self.public_area_of(int(self.codes[row]) // 100)

    def public_area_of(self, area: int) -> tuple[str, float, float] | None:
        """Return (label, lat, lon) of the public form of a 3-digit area (902 for 902xx)."""
        i = int(self.area_codes.searchsorted(area))
        if i == len(self.area_codes) or int(self.area_codes[i]) != area:
            return None
        j = int(self.area_public[i])
        if j < 0:
            return None
        label = f"{int(self.area_codes[j]):03d}xx, {self.area_states[j]}"
        return label, float(self.area_coords[j, 0]), float(self.area_coords[j, 1])


def _unit_vector(lat, lon) -> np.ndarray:
    """Return points on the unit sphere (x, y, z) for degrees of latitude and longitude."""
    lat, lon = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)],
                    axis=-1)
