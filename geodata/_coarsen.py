"""The public form of a private location: its postcode district or sector.

A supporter's exact address never leaves the service: what search shows,
measures from and ranks by is a coarse point that many addresses share. Two
levels are offered. A district (``"LS6"``, a US 3-digit ZIP area) is a few
kilometres across; a sector (``"LS6 3"``, a US ZIP code) about one.

Only the centroids of whole districts, sectors and ZIP codes are given out
(far from all of them, the centre of a grid cell), so however many answers
are combined they cannot place someone more precisely than that area. A
sector or district with so few distinct postcode locations that its centroid
would nearly pin an address (a single-organisation or tiny-island code) is
shown as a larger area instead: a sector as its district, a district as the
nearest ordinary district.
"""

from __future__ import annotations

import math
import re

from ._errors import InvalidQuery
from ._geocode import outward_location, sector_location
from ._index import STORE
from ._location import Location
from ._postcodes import OUTWARD_RE, outward_key, sector_key
from ._reverse import GB_REACH_KM, US_REACH_KM

__all__ = ["coarsen"]

# Where no postcode or ZIP code is near, a point goes to the centre of a grid
# cell this many to the degree: 0.1 degree (about 10 km) for a district,
# 0.02 (about 2 km) for a sector.
_GRID_CELLS_PER_DEGREE = {"district": 10, "sector": 50}
# The label of a 3-digit ZIP area as coarsen gives it: "902xx, CA".
_ZIP_AREA = re.compile(r"[0-9]{3}xx\b")


def coarsen(location: Location, *, to: str = "district") -> Location:
    """Return the public form of a private location: never the exact point.

    With ``to="district"`` (the default) a GB location becomes its outward
    code's centroid (``"LS6"``, precision ``"outward_code"``) and a US one its
    ZIP code's 3-digit area (``"902xx, CA"``, precision ``"zip"``). With
    ``to="sector"`` a GB location becomes its postcode sector's centroid
    (``"LS6 3"``, precision ``"sector"``, about 1 km across) and a US one its
    ZIP code's centroid (``"90210"``, precision ``"zip"``). Towns, cities and
    islands (precision ``"place"``) are already public and come back
    unchanged. Anything near no GB postcode or US ZIP code goes to the centre
    of its grid cell: 0.1 degree for a district, 0.02 for a sector.

    Parameters
    ----------
    location : Location
        The private location, e.g. from :func:`geocode` or
        :func:`from_coordinates`. A postcode or sector (and, to a sector, a
        ZIP code) is coarsened by what its label names; any other point by
        the nearest located GB postcode (within 30 km) or US ZIP code (within
        50 km).
    to : {"district", "sector"}
        How coarse the answer is at the finest.

    Returns
    -------
    Location

    Raises
    ------
    InvalidQuery
        *to* is neither ``"district"`` nor ``"sector"``.

    Notes
    -----
    A sector whose centroid would nearly pin an address, because it has no
    coordinates or fewer than five distinct postcode locations (a
    single-organisation sector such as ``"CF99 1"``), is given as its
    district instead: the same answer as ``to="district"``. So is a location
    already no finer than a district (``"LS6"``, ``"902xx, CA"``), which a
    sector could only pretend to know better.

    Coarsening is idempotent: an answer coarsened again to the same level
    comes back unchanged, a grid cell's centre included.

    Examples
    --------
    >>> import geodata
    >>> home = geodata.geocode("LS6 3QS")
    >>> geodata.coarsen(home).label
    'LS6'
    >>> geodata.coarsen(home, to="sector").label
    'LS6 3'
    >>> geodata.coarsen(geodata.geocode("90210-1234")).label
    '902xx, CA'
    >>> geodata.coarsen(geodata.geocode("90210-1234"), to="sector").label
    '90210'
    >>> geodata.coarsen(geodata.geocode("CF99 1"), to="sector").label  # too few addresses
    'CF10'
    >>> geodata.coarsen(geodata.from_coordinates(0.123, 0.456))  # far from any postcode
    Location(lat=0.15, lon=0.45, precision='coordinates', label='near 0.15, 0.45', ...)
    """
    if not isinstance(to, str) or to not in _GRID_CELLS_PER_DEGREE:
        raise InvalidQuery(f"coarsen's 'to' must be 'district' or 'sector', not {to!r}.")
    if location.precision == "place":
        return location
    if _is_grid_answer(location, _GRID_CELLS_PER_DEGREE[to]):
        # An earlier answer for a point near no postcode or ZIP code. Looked
        # up again, its cell's centre may fall within reach of one; and the
        # guard in _grid_cell would move it, perhaps back to the very point
        # it replaced.
        return location
    if to == "sector":
        return _to_sector(location)
    return _to_district(location)


def _to_district(location: Location) -> Location:
    if location.country in ("GB", None):
        gb = STORE.gb()
        row = -1
        if location.outward_code and location.precision in ("postcode", "sector", "outward_code"):
            row = gb.find_outward(outward_key(location.outward_code))
        if row >= 0:
            row = gb.public_outward(row)
        else:
            near, _ = gb.nearest(location.lat, location.lon, 1, GB_REACH_KM)
            if len(near):
                row = gb.public_outward(gb.outward_of_row(int(near[0])))
        if row >= 0:
            return outward_location(gb, row)
    if location.country in ("US", None):
        us = STORE.us()
        area = None
        if location.precision == "zip" and _ZIP_AREA.match(location.label):
            # Already an area: the ZIP code nearest its centroid may lie in
            # the next area, which would make coarsening it again move it.
            area = us.public_area_of(int(location.label[:3]))
        if area is None:
            zrow, km = us.nearest(location.lat, location.lon)
            area = us.public_area(zrow) if km <= US_REACH_KM else None
        if area is not None:
            label, lat, lon = area
            return Location(lat, lon, "zip", label, None, "US")
    return _grid_cell(location, _GRID_CELLS_PER_DEGREE["district"])


def _to_sector(location: Location) -> Location:
    if location.precision == "outward_code" or (
        location.precision == "zip" and _ZIP_AREA.match(location.label)
    ):
        return _to_district(location)
    if location.country in ("GB", None):
        gb = STORE.gb()
        row = -1
        if location.precision in ("postcode", "sector"):
            # The hot path (every supporter at load time): the label names
            # the sector, so no search near the point is needed.
            outward, _, inward = location.label.partition(" ")
            digit = inward[:1]
            if digit.isdigit() and digit.isascii() and OUTWARD_RE.fullmatch(outward):
                row = gb.sector_row(sector_key(outward, digit))
        if row < 0:
            near, _ = gb.nearest(location.lat, location.lon, 1, GB_REACH_KM)
            if len(near):
                row = gb.sector_of_row(int(near[0]))
        if row >= 0:
            if gb.sector_public[row]:
                return sector_location(gb, row)
            return _to_district(location)
    if location.country in ("US", None):
        us = STORE.us()
        row = -1
        if location.precision == "zip":
            zip5 = location.label[:5]
            if zip5.isdigit() and zip5.isascii():
                row = us.find(int(zip5))
        if row < 0 or not us.located(row):
            row, km = us.nearest(location.lat, location.lon)
            if km > US_REACH_KM:
                row = -1
        if row >= 0:
            lat, lon = us.coords[row].tolist()
            return Location(lat, lon, "zip", f"{int(us.codes[row]):05d}", None, "US")
    return _grid_cell(location, _GRID_CELLS_PER_DEGREE["sector"])


def _grid_cell(location: Location, per_degree: int) -> Location:
    half = 0.5 / per_degree
    lat = round(math.floor(location.lat * per_degree) / per_degree + half, 2)
    lon = round(math.floor(location.lon * per_degree) / per_degree + half, 2)
    if (lat, lon) == (location.lat, location.lon):
        # A point exactly at a cell centre would come back unchanged.
        lat, lon = round(lat - half, 2), round(lon - half, 2)
    return Location(lat, lon, "coordinates", _near(lat, lon), None, location.country)


def _is_grid_answer(location: Location, per_degree: int) -> bool:
    """Return whether *location* is an earlier answer of :func:`_grid_cell` on this grid."""
    # Answers are cell centres or, from the guard, cell corners: whole
    # multiples of half a cell.
    steps = (location.lat * 2 * per_degree, location.lon * 2 * per_degree)
    return (
        location.precision == "coordinates"
        and location.label == _near(location.lat, location.lon)
        and all(abs(step - round(step)) < 1e-6 for step in steps)
    )


def _near(lat: float, lon: float) -> str:
    return f"near {lat:.2f}, {lon:.2f}"
