"""Reverse lookup: from a point to the postcodes, district or ZIP code near it."""

from __future__ import annotations

import math

from ._errors import InvalidQuery
from ._index import STORE
from ._location import Location
from ._places import nearest_public_outward
from ._postcodes import format_postcode_key

__all__ = [
    "GB_REACH_KM",
    "US_REACH_KM",
    "from_coordinates",
    "nearest_outward_code",
    "nearest_postcodes",
    "nearest_public_district",
    "nearest_zip",
]

#: How far from any GB postcode a point may be and still be called "near" one.
GB_REACH_KM = 30.0
#: How far from a US ZIP code centroid a point may be and still be called "near" it.
US_REACH_KM = 50.0


def _checked_point(lat, lon) -> tuple[float, float]:
    """Return *lat*, *lon* as floats, or raise InvalidQuery if they are no point on Earth."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as err:
        raise InvalidQuery(f"({lat!r}, {lon!r}) are not coordinates.") from err
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidQuery(
            f"({lat}, {lon}) is not a point on Earth: latitude runs from -90 to 90 "
            f"and longitude from -180 to 180."
        )
    return lat, lon


def nearest_public_district(lat: float, lon: float) -> str | None:
    """Return the public GB district nearest a point, or None outside Great Britain."""
    return nearest_public_outward(STORE.gb(), lat, lon, GB_REACH_KM)


def nearest_outward_code(lat: float, lon: float, *, max_km: float = GB_REACH_KM) -> str | None:
    """Return the GB outward code (district) nearest a point, for "near LS6".

    The district is that of the nearest postcode, not of the nearest district
    centre, so the answer is right near boundaries. Single-organisation and
    tiny-island districts are reported as the nearest ordinary district.

    Parameters
    ----------
    lat, lon : float
        WGS84 degrees.
    max_km : float
        Beyond this distance from every GB postcode the point is not in Great
        Britain and the answer is None.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import geodata
    >>> geodata.nearest_outward_code(53.8176, -1.5822)  # Headingley Stadium
    'LS6'
    >>> geodata.nearest_outward_code(40.7484, -73.9967) is None  # New York
    True
    """
    lat, lon = _checked_point(lat, lon)
    return nearest_public_outward(STORE.gb(), lat, lon, max_km)


def nearest_postcodes(
    lat: float, lon: float, k: int = 10, *, max_km: float = GB_REACH_KM
) -> list[Location]:
    """Return the real, located GB postcodes nearest a point, nearest first.

    Parameters
    ----------
    lat, lon : float
        WGS84 degrees.
    k : int
        How many to return at most.
    max_km : float
        Ignore postcodes further away than this; far from Great Britain the
        list is empty.

    Returns
    -------
    list of Location
        Precision ``"postcode"``.

    Examples
    --------
    >>> import geodata
    >>> [p.label for p in geodata.nearest_postcodes(53.8174, -1.5805, k=1)]
    ['LS6 3BU']
    >>> geodata.nearest_postcodes(40.7484, -73.9967)
    []
    """
    lat, lon = _checked_point(lat, lon)
    if not isinstance(k, int) or k < 0:
        raise InvalidQuery(f"k must be a whole number of postcodes, not {k!r}.")
    gb = STORE.gb()
    rows, _ = gb.nearest(lat, lon, k, max_km)
    out = []
    for r in rows.tolist():
        label = format_postcode_key(int(gb.keys[r]))
        plat, plon = gb.coords[r].tolist()
        out.append(Location(plat, plon, "postcode", label, label.split()[0], "GB"))
    return out


def nearest_zip(lat: float, lon: float, *, max_km: float = US_REACH_KM) -> Location | None:
    """Return the US ZIP code whose centroid is nearest a point.

    Parameters
    ----------
    lat, lon : float
        WGS84 degrees.
    max_km : float
        Beyond this the point is not near any ZIP code and the answer is None.

    Returns
    -------
    Location or None
        Precision ``"zip"``.

    Examples
    --------
    >>> import geodata
    >>> geodata.nearest_zip(34.0901, -118.4065).label
    '90210, Beverly Hills, CA'
    >>> geodata.nearest_zip(53.8176, -1.5822) is None  # Leeds
    True
    """
    lat, lon = _checked_point(lat, lon)
    us = STORE.us()
    row, km = us.nearest(lat, lon)
    if km > max_km:
        return None
    zlat, zlon = us.coords[row].tolist()
    return Location(zlat, zlon, "zip", us.label(row), None, "US")


def from_coordinates(lat: float, lon: float) -> Location:
    """Return a :class:`Location` for a point the user gave ("use my location").

    The point is kept; the label says roughly where it is without naming it:
    ``"near LS6"`` in Great Britain, ``"near Beverly Hills, CA"`` in the US.

    Examples
    --------
    >>> import geodata
    >>> geodata.from_coordinates(53.8176, -1.5822)
    Location(lat=53.8176, lon=-1.5822, precision='coordinates', label='near LS6', ...)
    >>> geodata.from_coordinates(34.0901, -118.4065).label
    'near Beverly Hills, CA'
    """
    lat, lon = _checked_point(lat, lon)
    outward = nearest_public_district(lat, lon)
    if outward is not None:
        return Location(lat, lon, "coordinates", f"near {outward}", outward, "GB")
    us = STORE.us()
    row, km = us.nearest(lat, lon)
    if km <= US_REACH_KM:
        city, state, _ = us.info[row]
        return Location(lat, lon, "coordinates", f"near {city}, {state}", None, "US")
    return Location(lat, lon, "coordinates", f"{lat:.4f}, {lon:.4f}", None, None)
