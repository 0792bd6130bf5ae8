"""The centre of a public area: a GB postcode district or a US 3-digit ZIP area.

Counts kept by area (how many searched from ``LS6``, from ``100``) are drawn
at the area's centre: the centroid of its postcodes or ZIP codes, the same
public point :func:`coarsen` gives a location in it. No boundaries are
needed, and nothing finer than the area is ever given out.
"""

from __future__ import annotations

import functools
import re

from ._errors import InvalidQuery, PlaceNotFound
from ._geocode import country_code, geocode
from ._index import STORE
from ._location import Location
from ._postcodes import OUTWARD_RE

__all__ = ["area_centre"]

_ZIP3 = re.compile(r"[0-9]{3}")
_UK_STYLE = frozenset({"GB", "JE", "GG", "IM"})


def area_centre(country: str, area: str) -> Location:
    """Return the centre of a GB postcode district (``"LS6"``) or US ZIP3 area (``"100"``).

    Answers are kept (a few thousand areas at most exist), so asking for
    every area of a national map again costs a dictionary look-up each.

    Parameters
    ----------
    country : {"GB", "US", "JE", "GG", "IM"}
        The area's country ("UK" and "USA" are understood).
    area : str
        A postcode district (outward code) in any case, or the first three
        digits of a US ZIP code.

    Returns
    -------
    Location
        For a district, precision ``"outward_code"`` labelled with the code
        (Jersey, Guernsey and the Isle of Man: the island, precision
        ``"place"``); for a ZIP3 area, precision ``"zip"`` labelled
        ``"100xx, NY"``. A ZIP3 area with too few ZIP codes to be shown on
        its own is given as the nearest larger one, as :func:`coarsen` does.

    Raises
    ------
    InvalidQuery
        The country is unknown, or the area is not a district or three digits.
    PlaceNotFound
        No such district or ZIP3 area has a location.

    Examples
    --------
    >>> import geodata
    >>> leeds = geodata.area_centre("GB", "ls6")
    >>> leeds.label, leeds.precision, round(leeds.lat, 1), round(leeds.lon, 1)
    ('LS6', 'outward_code', 53.8, -1.6)
    >>> manhattan = geodata.area_centre("US", "100")
    >>> manhattan.label, round(manhattan.lat, 1), round(manhattan.lon, 1)
    ('100xx, NY', 40.8, -74.0)
    >>> try:
    ...     geodata.area_centre("US", "LS6")
    ... except geodata.InvalidQuery as err:
    ...     print(err)
    A US area is the first three digits of a ZIP code, not 'LS6'.
    """
    code = country_code(country)
    if code is None:
        raise InvalidQuery("area_centre() needs a country, e.g. 'GB' or 'US'.")
    if not isinstance(area, str):
        raise InvalidQuery(f"An area is text such as 'LS6' or '100', not {area!r}.")
    return _centre(code, "".join(area.split()).upper())


@functools.lru_cache(maxsize=16_384)
def _centre(code: str, area: str) -> Location:
    if code == "US":
        if not _ZIP3.fullmatch(area):
            raise InvalidQuery(
                f"A US area is the first three digits of a ZIP code, not {area!r}.")
        found = STORE.us().public_area_of(int(area))
        if found is None:
            raise PlaceNotFound(f"No ZIP code starting {area} has a location.")
        label, lat, lon = found
        return Location(lat, lon, "zip", label, None, "US")
    if code in _UK_STYLE:
        if not OUTWARD_RE.fullmatch(area):
            raise InvalidQuery(f"{area!r} is not a postcode district such as 'LS6'.")
        return geocode(area, country=code)
    raise InvalidQuery(f"Areas are kept for GB and the US, not {code}.")
