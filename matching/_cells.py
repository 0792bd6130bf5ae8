"""Radius queries over rows kept in Z-order: no tree to build or to keep up to date.

Every row has a cell code: its latitude and longitude, each cut into 65,536
steps, with their bits interleaved (a Morton code). Rows sorted by that code
put nearby supporters next to each other, and every square of cells at any
coarser level is one contiguous run of rows. A radius query covers the
circle's bounding box with at most 8 x 8 such squares, finds each run with a
binary search and tests the rows in them by chord.

Building is the sort the index does anyway, so changing a few supporters
costs no tree rebuild (a BallTree over 100,000 rows takes about 0.1 s), and a
query needs no input validation by a library (0.1 to 0.3 ms per call).
"""

from __future__ import annotations

import numpy as np

from ._geo import EARTH_RADIUS_KM, chord_from_km

__all__ = ["cell_codes", "rows_in_radius", "spatial_order"]

_STEPS = 65535.0      # a coordinate's steps: 16 bits each
_SQUARES = 8          # at most this many squares a side per query box
_PAD_DEG = 1e-7       # about a centimetre, for the bounds' rounding


def cell_codes(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Return each point's cell code (uint64): its Z-order position."""
    return _interleave(_step_lon(np.asarray(lon_deg, np.float64)),
                       _step_lat(np.asarray(lat_deg, np.float64)))


def spatial_order(codes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Return the permutation putting rows in cell-code order, ties by id.

    Nearby rows then sit close in memory, which makes the gathers after a
    radius query several times faster on large indexes; the id decides ties,
    so the order depends on the rows alone, not on the order they came in.
    """
    return np.lexsort((ids, codes))


def rows_in_radius(codes: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                   lat: float, lon: float, xyz: tuple[float, float, float],
                   radius_km: float, *, slack: float = 0.0) -> np.ndarray:
    """Return the rows (ascending) within ``radius_km`` of a point.

    ``codes`` must be ascending (the rows' order); ``x``, ``y`` and ``z`` are
    the rows' unit vectors and ``xyz`` the point's. A row is in when its chord
    is at most the radius's chord times ``1 + slack``.
    """
    n = len(codes)
    if not n:
        return np.empty(0, np.int64)
    limit = float(chord_from_km(radius_km)) * (1.0 + slack)
    angle = np.degrees(radius_km / EARTH_RADIUS_KM) * (1.0 + slack) + _PAD_DEG
    boxes = _boxes(lat, lon, angle)
    if boxes is None:  # a radius over a pole, or a quarter of the globe
        candidates = np.arange(n, dtype=np.int64)
    else:
        starts, ends = _runs(boxes)
        first = np.searchsorted(codes, starts, side="left")
        last = np.searchsorted(codes, ends, side="left")
        sizes = last - first
        keep = sizes > 0
        first, sizes = first[keep], sizes[keep]
        total = int(sizes.sum())
        if not total:
            return np.empty(0, np.int64)
        # The runs' rows, one flat array: each run's offset added to a count.
        candidates = (np.arange(total, dtype=np.int64)
                      + np.repeat(first - (np.cumsum(sizes) - sizes), sizes))
    dx = x[candidates] - xyz[0]
    dy = y[candidates] - xyz[1]
    dz = z[candidates] - xyz[2]
    return candidates[np.sqrt(dx * dx + dy * dy + dz * dz) <= limit]


def _boxes(lat: float, lon: float, angle: float) -> list[tuple[float, float, float, float]] | None:
    """Return the latitude-longitude boxes that hold a spherical cap, or None for all rows.

    The cap of ``angle`` degrees spans ``lat +- angle``; its longitudes span
    ``asin(sin(angle) / cos(lat))`` either side, split in two across 180 degrees.
    """
    south, north = lat - angle, lat + angle
    if south <= -90.0 or north >= 90.0 or angle >= 45.0:
        return None
    spread = np.sin(np.radians(angle)) / np.cos(np.radians(lat))
    if spread >= 1.0:
        return None
    half = float(np.degrees(np.arcsin(spread))) + _PAD_DEG
    west, east = lon - half, lon + half
    if west < -180.0:
        return [(south, north, west + 360.0, 180.0), (south, north, -180.0, east)]
    if east > 180.0:
        return [(south, north, west, 180.0), (south, north, -180.0, east - 360.0)]
    return [(south, north, west, east)]


def _runs(boxes) -> tuple[np.ndarray, np.ndarray]:
    """Return the code runs [start, end) covering the boxes, merged where they touch."""
    squares = [_squares(box) for box in boxes]
    starts = np.concatenate([start for start, _ in squares])
    ends = np.concatenate([start + width for start, width in squares])
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    # Squares next to each other in Z-order are one run.
    joined = np.concatenate([[False], starts[1:] == ends[:-1]])
    first = np.flatnonzero(~joined)
    last = np.concatenate([first[1:], [len(starts)]]) - 1
    return starts[first], ends[last]


def _squares(box) -> tuple[np.ndarray, np.uint64]:
    """Return the first codes of the squares covering a box, and the squares' width in codes.

    The squares are of the finest level at which the box spans at most
    ``_SQUARES`` of them a side.
    """
    south, north, west, east = box
    y0, y1 = (int(v) for v in _step_lat(np.array([south, north])))
    x0, x1 = (int(v) for v in _step_lon(np.array([west, east])))
    shift = 0
    while max((x1 >> shift) - (x0 >> shift), (y1 >> shift) - (y0 >> shift)) >= _SQUARES:
        shift += 1
    sx = np.arange(x0 >> shift, (x1 >> shift) + 1, dtype=np.uint64)
    sy = np.arange(y0 >> shift, (y1 >> shift) + 1, dtype=np.uint64)
    level = np.uint64(2 * shift)
    return (_interleave(np.tile(sx, len(sy)), np.repeat(sy, len(sx))) << level,
            np.uint64(1) << level)


def _step_lat(lat: np.ndarray) -> np.ndarray:
    return np.clip((lat + 90.0) / 180.0 * _STEPS, 0, _STEPS).astype(np.uint64)


def _step_lon(lon: np.ndarray) -> np.ndarray:
    return np.clip((lon + 180.0) / 360.0 * _STEPS, 0, _STEPS).astype(np.uint64)


def _interleave(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return Morton codes: x's bits at even places, y's at odd places."""
    return _spread_bits(x) | (_spread_bits(y) << np.uint64(1))


def _spread_bits(v: np.ndarray) -> np.ndarray:
    # Put a zero bit after each of the low 16 bits.
    v = v.astype(np.uint64) & np.uint64(0xFFFF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
    return v
