"""The town each GB postcode district is named by: ``BD1`` is Bradford, ``NE4`` Newcastle.

Pages name a district one way everywhere, from ``data/district_towns.csv``.
No installed package lists Royal Mail's post towns, so that file is built
once, offline, from what the package already reads (Code-Point Open district
centres and the GeoNames towns), and kept in the repository so that the
names never change under anyone between releases::

    python -m geodata._district_towns      # rewrites data/district_towns.csv

Each district takes the town with the strongest pull on its centre: the
population over the square of the distance (plus half a kilometre, so a
village on the centre does not outweigh the city around it), among towns
within 12 km (by the same pull beyond, if none is). A suburb therefore
does not name a district of its city (NE4 is Newcastle upon Tyne, not
Gosforth), while a town keeps the districts around its own centre (BD1 is
Bradford, not Leeds). Two rules follow Royal Mail: "London" names only districts of
London's own postal areas (Croydon, Bromley, Kingston keep their names), and
a few towns go by their post-town names ("Hull", not "Kingston upon Hull").

Measured against 190 districts' Royal Mail post towns, about nine in ten
agree; the rest name a real town inside or beside the district (LS27
Morley, whose post town is Leeds; NE8 Newcastle upon Tyne for Gateshead).
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from ._distance import haversine_km

__all__ = ["build_district_towns", "district_town"]

_FILE = "district_towns.csv"
_REACH_KM = 12.0
_CORE_KM = 0.5
_LONDON_AREAS = frozenset({"E", "EC", "N", "NW", "SE", "SW", "W", "WC"})
# GeoNames population 0 means unknown: count it as cities500's floor.
_FLOOR = 500
# Royal Mail's post-town name where GeoNames uses another.
_POST_TOWN_NAMES = {
    "Kingston upon Hull": "Hull",
    "Royal Tunbridge Wells": "Tunbridge Wells",
    "Royal Leamington Spa": "Leamington Spa",
    "Enfield Town": "Enfield",
    "Saint Andrews": "St Andrews",
}
_NATIONS = frozenset({"England", "Scotland", "Wales", "Northern Ireland"})
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")


def district_town(code: str | None) -> str | None:
    """Return the town a GB postcode district is known by, or None.

    Parameters
    ----------
    code : str or None
        An outward code (``"BD1"``, ``"ne4"``); a full postcode or sector is
        named by its district. Anything else (a US ZIP area, ``None``) has
        no district town.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import geodata
    >>> geodata.district_town("BD1"), geodata.district_town("ne4")
    ('Bradford', 'Newcastle upon Tyne')
    >>> geodata.district_town("LS6 3QS"), geodata.district_town("902xx")
    ('Leeds', None)
    """
    if not code:
        return None
    outward = code.strip().upper().split(" ")[0]
    if not _OUTWARD.fullmatch(outward):
        return None
    return _towns().get(outward)


@cache
def _towns() -> dict[str, str]:
    text = resources.files(__package__).joinpath("data", _FILE).read_text("utf-8")
    return {row["district"]: row["town"] for row in csv.DictReader(io.StringIO(text))}


def build_district_towns(districts, lats, lons, towns) -> dict[str, str]:
    """Name each district by the town with the strongest pull on its centre.

    Parameters
    ----------
    districts : sequence of str
        Outward codes.
    lats, lons : array_like
        Each district's centre (WGS84 degrees).
    towns : sequence of (name, lat, lon, population)
        Candidate towns; population 0 means unknown.

    Returns
    -------
    dict
        Outward code to town name.

    Examples
    --------
    >>> towns = [("Bigcity", 0.0, 0.0, 500_000), ("Suburb", 0.0, 0.05, 20_000)]
    >>> build_district_towns(["AB1", "AB2", "AB3"], [0.0, 0.0, 0.0],
    ...                      [0.03, 0.05, 0.9], towns)
    {'AB1': 'Bigcity', 'AB2': 'Suburb', 'AB3': 'Bigcity'}
    """
    names = np.array([t[0] for t in towns], dtype=object)
    tlat = np.array([t[1] for t in towns], dtype=float)
    tlon = np.array([t[2] for t in towns], dtype=float)
    weight = np.maximum(np.array([t[3] for t in towns], dtype=float), _FLOOR)
    london = names == "London"
    out = {}
    for code, lat, lon in zip(districts, lats, lons, strict=True):
        km = haversine_km(lat, lon, tlat, tlon)
        pull = weight / (km + _CORE_KM) ** 2
        # Beyond reach a town only counts when nothing is within it.
        pull = np.where(km <= _REACH_KM, pull, pull * 1e-9)
        if re.match(r"[A-Z]+", code)[0] not in _LONDON_AREAS:
            pull = np.where(london, 0.0, pull)
        name = str(names[int(np.argmax(pull))])
        out[code] = _POST_TOWN_NAMES.get(name, name)
    return out


def _from_installed_data() -> dict[str, str]:
    """Build the table from Code-Point Open districts and GeoNames towns."""
    from ._index import STORE
    from ._places import COUNTRY, LAT, LON, NAME, POP, REGION
    from ._postcodes import format_outward_key

    gb, places = STORE.gb(), STORE.places()
    towns = [
        (r[NAME], r[LAT], r[LON], r[POP])
        for r in places.records
        if r[COUNTRY] == "GB" and r[REGION] in _NATIONS  # GeoNames towns, not suburbs
    ]
    located = np.flatnonzero(~np.isnan(gb.outward_coords[:, 0]))
    codes = [format_outward_key(int(gb.outward_keys[r])) for r in located]
    coords = gb.outward_coords[located]
    return build_district_towns(codes, coords[:, 0], coords[:, 1], towns)


def main() -> None:
    """Rewrite ``data/district_towns.csv`` from the installed data."""
    from ._geocode import outward_sort_key

    table = _from_installed_data()
    path = Path(__file__).with_name("data") / _FILE
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["district", "town"])
        for code in sorted(table, key=outward_sort_key):
            writer.writerow([code, table[code]])
    print(f"{path}: {len(table)} districts")


if __name__ == "__main__":
    main()
