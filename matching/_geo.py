"""Great-circle distances, vectorised.

Distances are computed from unit vectors: the straight-line (chord) distance
between two points on the unit sphere gives the haversine directly, because
``hav(theta) = (chord / 2) ** 2``. Radius tests then compare chords, which needs
only arithmetic (exactly rounded, so the same pair gives the same answer
whatever else is in the array), and the arcsine is taken only for distances
that are shown or scored.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EARTH_RADIUS_KM",
    "chord_from_km",
    "haversine_km",
    "km_from_chord",
    "unit_vectors",
]

#: Mean Earth radius (IUGG), the radius geodata uses too.
EARTH_RADIUS_KM = 6371.0088


def unit_vectors(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the x, y, z components of points on the unit sphere."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    cos_lat = np.cos(lat)
    return cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)


def chord_from_km(km):
    """Return the unit-sphere chord of a great-circle distance in km."""
    angle = np.minimum(np.asarray(km, dtype=np.float64) / EARTH_RADIUS_KM, np.pi)
    return 2.0 * np.sin(angle / 2.0)


def km_from_chord(chord):
    """Return the great-circle distance in km of a unit-sphere chord."""
    half = np.minimum(np.asarray(chord, dtype=np.float64) / 2.0, 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(half)


def haversine_km(lat1, lon1, lat2, lon2):
    """Return great-circle distances in km between points given in degrees.

    Arguments broadcast against each other like any numpy operation.

    Examples
    --------
    >>> round(float(haversine_km(51.5074, -0.1278, 53.4808, -2.2426)), 1)  # London-Manchester
    262.0
    """
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=np.float64))
                              for a in (lat1, lon1, lat2, lon2))
    hav = (np.sin((lat2 - lat1) / 2.0) ** 2
           + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
