"""Forward lookup: a postcode, ZIP code or place name, as typed, to a :class:`Location`."""

from __future__ import annotations

import re

from ._config import settings
from ._errors import AmbiguousPlace, InvalidQuery, NotCoveredOffline, PlaceNotFound
from ._gb import EXACT, OUTWARD, SECTOR
from ._index import STORE
from ._location import Location, Place
from ._places import UNKNOWN_POPULATION, gb_outward_label
from ._postcodes import (
    FULL_POSTCODE,
    NOT_IN_CODE_POINT,
    Query,
    outward_key,
    parse_query,
    postcode_key,
    postcode_prefix_range,
    sector_key,
)
from ._reverse import nearest_public_district

__all__ = [
    "country_code",
    "districts_in_area",
    "geocode",
    "geocode_online",
    "outward_location",
    "outward_sort_key",
    "places",
    "sector_location",
]

_COUNTRIES = {"GB": "GB", "UK": "GB", "US": "US", "USA": "US", "JE": "JE", "GG": "GG", "IM": "IM"}
# UK-style postcode areas and the country each is in; every other area is GB.
_POSTCODE_COUNTRY = {"BT": "GB", "IM": "IM", "JE": "JE", "GY": "GG"}
_GUERNSEY_DISTRICTS = {f"GY{i}" for i in range(1, 9)}


def country_code(country: str | None) -> str | None:
    """Return the ISO code a *country* option names, or None; raise InvalidQuery if unknown."""
    if country is None:
        return None
    code = _COUNTRIES.get(str(country).strip().upper())
    if code is None:
        raise InvalidQuery(f"country must be one of GB, US, JE, GG or IM, not {country!r}.")
    return code


def geocode(text: str, *, country: str | None = None) -> Location:
    """Turn what a coach typed into a :class:`Location`, offline first.

    Understands full GB postcodes in any case and spacing (``"ls63qs"``), GB
    postcode sectors (``"LS6 3"``) and districts (``"LS6"``), US ZIP and
    ZIP+4 codes, and town, city or suburb names (optionally narrowed with a
    comma: ``"Newport, Wales"``, ``"Springfield, IL"``). When the offline data
    has no answer and ``configure(online=True)`` was called, an online
    geocoder is asked.

    Parameters
    ----------
    text : str
        The query.
    country : {"GB", "US", "JE", "GG", "IM"}, optional
        Only accept answers in this country ("UK" and "USA" are understood).

    Returns
    -------
    Location

    Raises
    ------
    InvalidQuery
        The text is malformed; the message says how.
    PlaceNotFound
        The text is well formed but matches nothing.
    NotCoveredOffline
        A Northern Ireland postcode or other place the offline data cannot
        locate (a subclass of PlaceNotFound).
    AmbiguousPlace
        A place name with several matches of which none clearly dominates;
        ``.candidates`` lists them, most likely first.
    OnlineLookupError
        The online fallback was used and failed.

    Examples
    --------
    >>> import geodata
    >>> geodata.geocode("ls63qs")
    Location(lat=53.82..., lon=-1.59..., precision='postcode', label='LS6 3QS', ...)
    >>> geodata.geocode("LS6 3").label, geodata.geocode("LS6").label
    ('LS6 3', 'LS6')
    >>> geodata.geocode("90210-1234").label
    '90210, Beverly Hills, CA'
    >>> geodata.geocode("Springfield, IL").label
    'Springfield, IL'
    >>> try:
    ...     geodata.geocode("Springfield")
    ... except geodata.AmbiguousPlace as err:
    ...     [place.label for place in err.candidates[:3]]
    ['Springfield, MO', 'Springfield, MA', 'Springfield, IL']
    """
    code = country_code(country) if country is not None else None
    # The hot path: a full, covered GB postcode answered in a few microseconds.
    if code is None or code == "GB":
        try:
            compact = "".join(text.split()).upper()
        except AttributeError:
            compact = ""
        match = FULL_POSTCODE.fullmatch(compact)
        if match is not None and match[1][:2] not in NOT_IN_CODE_POINT:
            gb = STORE.gb()
            row = gb.find_postcode(postcode_key(match[1], match[2]))
            if row >= 0 and gb.level[row] == EXACT:
                lat, lon = gb.coords[row].tolist()
                return Location(lat, lon, "postcode", f"{match[1]} {match[2]}", match[1], "GB")

    query = parse_query(text)
    try:
        return _offline(query, code)
    except PlaceNotFound as offline:
        if not settings().online:
            raise
        from ._online import online_geocode

        try:
            return online_geocode(query.text, country=code, locate_outward=nearest_public_district)
        except PlaceNotFound as online:
            raise PlaceNotFound(f"{offline} Nothing was found online either.") from online


def geocode_online(text: str, *, country: str | None = None) -> Location | None:
    """Ask the online geocoder directly, skipping the offline data.

    For an app that keeps its own record of online answers. Calling this is
    itself the consent to go online, so it works whether or not
    ``configure(online=True)`` was called; the geocoder, timeout, rate limit
    and cache hook are those configured.

    Parameters
    ----------
    text : str
        The query as typed.
    country : {"GB", "US", "JE", "GG", "IM"}, optional
        Restrict the search to this country.

    Returns
    -------
    Location or None
        Precision ``"online"``; None when the geocoder found nothing.

    Raises
    ------
    OnlineLookupError
        The geocoder failed (timeout, refused, unavailable).

    Examples
    --------
    Any geopy geocoder will do; this one stands in for Nominatim, which
    needs the network.

    >>> import geodata
    >>> from geopy.location import Location as Found
    >>> class Stadiums:
    ...     def geocode(self, text, **options):
    ...         return Found("Headingley Stadium, Leeds, LS6 3BR", (53.8176, -1.5822), {})
    >>> _ = geodata.configure(geocoder=Stadiums(), min_delay_seconds=0)
    >>> found = geodata.geocode_online("Headingley Stadium")
    >>> found.precision, found.label, found.outward_code
    ('online', 'Headingley Stadium, Leeds, LS6 3BR', 'LS6')
    """
    from ._online import online_geocode

    code = country_code(country)
    tidy = " ".join(str(text).split())
    if not tidy:
        raise InvalidQuery("Enter a postcode, ZIP code or town name.")
    try:
        return online_geocode(tidy, country=code, locate_outward=nearest_public_district)
    except PlaceNotFound:
        return None


def _offline(query: Query, country: str | None) -> Location:
    if query.kind in ("postcode", "sector", "outward_code"):
        home = _POSTCODE_COUNTRY.get(query.area, "GB")
        if country is not None and country != home:
            raise PlaceNotFound(f"'{query.text}' is a UK-style postcode, not in {country}.")
        if query.area in NOT_IN_CODE_POINT:
            return _not_in_code_point(query)
        if query.kind == "postcode":
            return _postcode(query)
        if query.kind == "sector":
            return _sector(query)
        return _outward(query)
    if query.kind == "zip":
        if country is not None and country != "US":
            raise PlaceNotFound(f"'{query.text}' is a US ZIP code, not in {country}.")
        return _zip(query)
    return _place(query, country)


def _not_in_code_point(query: Query) -> Location:
    area = query.area
    if area == "BT":
        raise NotCoveredOffline(
            f"'{query.text}' is a Northern Ireland postcode: the offline postcode data "
            f"(OS Code-Point Open) covers Great Britain only."
        )
    if area == "GY" and query.outward not in _GUERNSEY_DISTRICTS:
        raise NotCoveredOffline(
            f"'{query.text}' is outside Guernsey's main districts (GY1 to GY8), which is as "
            f"precise as the offline data can be about Channel Islands postcodes."
        )
    # Only the island itself is known: answer with it, labelled as such.
    cc = _POSTCODE_COUNTRY[area]
    lat, lon, name = STORE.places().territories[cc]
    return Location(lat, lon, "place", name, None, cc)


def _postcode(query: Query) -> Location:
    gb = STORE.gb()
    postcode = f"{query.outward} {query.inward}"
    row = gb.find_postcode(postcode_key(query.outward, query.inward))
    if row < 0:
        if not gb.outward_exists(outward_key(query.outward)):
            raise PlaceNotFound(f"There is no postcode district {query.outward}, so no {postcode}.")
        raise PlaceNotFound(
            f"No postcode {postcode} in the offline data: it may be new, retired or mistyped."
        )
    level = int(gb.level[row])
    lat, lon = gb.coords[row].tolist()
    sector = f"{query.outward} {query.inward[0]}"
    if level == EXACT:
        return Location(lat, lon, "postcode", postcode, query.outward, "GB")
    if level == SECTOR:
        return Location(lat, lon, "sector", sector, query.outward, "GB")
    if level == OUTWARD:
        return Location(lat, lon, "outward_code", query.outward, query.outward, "GB")
    raise NotCoveredOffline(
        f"{postcode} has no coordinates in OS Code-Point Open (a non-geographic postcode)."
    )


def _sector(query: Query) -> Location:
    gb = STORE.gb()
    sector = f"{query.outward} {query.inward}"
    row = gb.find_sector(sector_key(query.outward, query.inward))
    if row >= 0:
        return sector_location(gb, row)
    if not gb.outward_exists(outward_key(query.outward)):
        raise PlaceNotFound(
            f"There is no postcode district {query.outward}, so no sector {sector}."
        )
    key = sector_key(query.outward, query.inward)
    if len(gb.key_range(gb.sector_keys, key, key + 1)):
        raise NotCoveredOffline(
            f"Postcode sector {sector} has no coordinates in OS Code-Point Open."
        )
    raise PlaceNotFound(f"Postcode district {query.outward} has no sector {sector}.")


def _outward(query: Query) -> Location:
    gb = STORE.gb()
    row = gb.find_outward(outward_key(query.outward))
    if row >= 0:
        return outward_location(gb, row)
    if gb.outward_exists(outward_key(query.outward)):
        raise NotCoveredOffline(
            f"Postcode district {query.outward} has no coordinates in OS Code-Point Open."
        )
    hint = ""
    if query.alt_sector:
        out, digit = query.alt_sector.split()
        if gb.find_sector(sector_key(out, digit)) >= 0:
            hint = f": did you mean the sector {query.alt_sector}?"
    raise PlaceNotFound(f"There is no postcode district {query.outward}{hint or '.'}")


def _zip(query: Query) -> Location:
    us = STORE.us()
    row = us.find(int(query.zip5))
    if row < 0:
        raise PlaceNotFound(f"There is no US ZIP code {query.zip5}.")
    if not us.located(row):
        kind = us.info[row][2].lower()
        raise NotCoveredOffline(
            f"ZIP code {query.zip5} ({kind}, {us.info[row][0]}) has no fixed location."
        )
    lat, lon = us.coords[row].tolist()
    return Location(lat, lon, "zip", us.label(row), None, "US")


def _place(query: Query, country: str | None) -> Location:
    index = STORE.places()
    cfg = settings()
    rows = index.match(query.name, country=country, preference=cfg.country_preference)
    if not rows:
        raise PlaceNotFound(_place_not_found(query, country))
    if len(rows) == 1 or _dominates(
        index.population(rows[0]), index.population(rows[1]), cfg.dominance
    ):
        return index.place(rows[0]).to_location()
    candidates = [index.place(r).to_location() for r in rows]
    shown = ", ".join(c.label for c in candidates[:5])
    more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
    raise AmbiguousPlace(
        f"'{query.text}' could be {shown}{more}: choose one, or add a county, state or postcode.",
        candidates,
    )


def _dominates(first: int, second: int, factor: float) -> bool:
    return first >= factor * max(second, UNKNOWN_POPULATION)


def _place_not_found(query: Query, country: str | None) -> str:
    where = f" in {country}" if country else ""
    message = f"No town or city called '{query.name}'{where} in the offline gazetteer."
    letters = query.name.strip().upper()
    if letters.isalpha() and len(letters) <= 2:
        gb = STORE.gb()
        districts = districts_in_area(gb, letters)
        if districts:
            example = gb_outward_label(gb, districts[0])
            message += f" {letters} is a postcode area: add the district, like {example}."
    return message


def places(country: str, *, min_population: int = 0) -> list[Place]:
    """Return the towns and cities of a country, most populous first.

    Parameters
    ----------
    country : {"GB", "US", "JE", "GG", "IM"}
        ("UK" and "USA" are understood.)
    min_population : int
        Leave out smaller places (suburbs with unknown population count as 0).

    Returns
    -------
    list of Place

    Examples
    --------
    >>> import geodata
    >>> [p.name for p in geodata.places("GB", min_population=1_000_000)]
    ['London', 'Birmingham']
    """
    code = country_code(country)
    if code is None:
        raise InvalidQuery("places() needs a country, e.g. 'GB' or 'US'.")
    return STORE.places().in_country(code, min_population)


# GB districts and sectors as Locations, by index row. Type-ahead and
# coarsening use these too, so a district or sector reads the same whichever
# way it was reached.


def outward_location(gb, row: int) -> Location:
    """Return the :class:`Location` of a GB district row (``"LS6"``)."""
    label = gb_outward_label(gb, row)
    lat, lon = gb.outward_coords[row].tolist()
    return Location(lat, lon, "outward_code", label, label, "GB")


def sector_location(gb, row: int) -> Location:
    """Return the :class:`Location` of a GB sector row (``"LS6 3"``)."""
    raw = int(gb.sector_keys[row]).to_bytes(8, "big").decode("ascii")
    outward = raw[:4].rstrip()
    lat, lon = gb.sector_coords[row].tolist()
    return Location(lat, lon, "sector", f"{outward} {raw[4]}", outward, "GB")


def districts_in_area(gb, letters: str) -> list[int]:
    """Return the district rows of a postcode area (``"LS"``), in the order people count them."""
    lo, hi = postcode_prefix_range(letters)
    # The key range for "L" also holds LS, LA...: keep the area's own districts.
    rows = [
        r
        for r in gb.key_range(gb.outward_keys, lo, hi)
        if _area(gb_outward_label(gb, r)) == letters
    ]
    rows.sort(key=lambda r: outward_sort_key(gb_outward_label(gb, r)))
    return rows


def _area(code: str) -> str:
    return re.match(r"[A-Z]+", code)[0]


def outward_sort_key(code: str) -> tuple:
    """Sort districts as people do: LS1, LS2, ..., LS10, not LS1, LS10, LS2."""
    letters = _area(code)
    rest = code[len(letters) :]
    digits = re.match(r"[0-9]+", rest)[0]
    return (letters, int(digits), rest[len(digits) :])
