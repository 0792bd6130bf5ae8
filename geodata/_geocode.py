"""The public operations: text or coordinates in, :class:`Location` out."""

from __future__ import annotations

import math
import re

from ._config import settings
from ._errors import AmbiguousPlace, InvalidQuery, NotCoveredOffline, PlaceNotFound
from ._gb import EXACT, OUTWARD, SECTOR
from ._index import STORE
from ._location import Location, Place
from ._places import UNKNOWN_POPULATION, gb_outward_label, nearest_public_outward
from ._postcodes import (
    FULL_POSTCODE,
    NOT_IN_CODE_POINT,
    OUTWARD_RE,
    Query,
    format_postcode_key,
    outward_key,
    parse_query,
    postcode_key,
    postcode_prefix_range,
    sector_key,
)

__all__ = [
    "from_coordinates",
    "geocode",
    "geocode_online",
    "nearest_outward_code",
    "nearest_postcodes",
    "nearest_zip",
    "places",
    "suggest",
]

_COUNTRIES = {"GB": "GB", "UK": "GB", "US": "US", "USA": "US", "JE": "JE", "GG": "GG", "IM": "IM"}
_POSTCODE_COUNTRY = {"BT": "GB", "IM": "IM", "JE": "JE", "GY": "GG"}
_GUERNSEY_DISTRICTS = {f"GY{i}" for i in range(1, 9)}
#: How far from any GB postcode a point may be and still be called "near" one.
GB_REACH_KM = 30.0
#: How far from a US ZIP code centroid a point may be and still be called "near" it.
US_REACH_KM = 50.0
_SUGGEST_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]{0,2}(?: [0-9][A-Z]{0,2})?")
_SUGGEST_ZIP = re.compile(r"[0-9]{1,5}(?:-[0-9]{0,4})?")


def _country(country: str | None) -> str | None:
    if country is None:
        return None
    code = _COUNTRIES.get(str(country).strip().upper())
    if code is None:
        raise InvalidQuery(f"country must be one of GB, US, JE, GG or IM, not {country!r}.")
    return code


def _point(lat, lon) -> tuple[float, float]:
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
    >>> geodata.geocode("ls6 3qs").label  # doctest: +SKIP
    'LS6 3QS'
    >>> geodata.geocode("90210").label  # doctest: +SKIP
    '90210, Beverly Hills, CA'
    """
    code = _country(country) if country is not None else None
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
            return online_geocode(query.text, country=code, locate_outward=_nearest_public)
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
    >>> import geodata
    >>> geodata.geocode_online("Headingley, Leeds")  # doctest: +SKIP
    Location(lat=53.82..., lon=-1.57..., precision='online', label='Headingley, Leeds, ...', ...)
    """
    from ._online import online_geocode

    code = _country(country)
    tidy = " ".join(str(text).split())
    if not tidy:
        raise InvalidQuery("Enter a postcode, ZIP code or town name.")
    try:
        return online_geocode(tidy, country=code, locate_outward=_nearest_public)
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
        lat, lon = gb.sector_coords[row].tolist()
        return Location(lat, lon, "sector", sector, query.outward, "GB")
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
        lat, lon = gb.outward_coords[row].tolist()
        return Location(lat, lon, "outward_code", query.outward, query.outward, "GB")
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
        lo, hi = postcode_prefix_range(letters)
        gb = STORE.gb()
        codes = [gb_outward_label(gb, r) for r in gb.key_range(gb.outward_keys, lo, hi)]
        codes = [c for c in codes if _area(c) == letters]
        if codes:
            example = sorted(codes, key=_outward_sort_key)[0]
            message += f" {letters} is a postcode area: add the district, like {example}."
    return message


def _area(code: str) -> str:
    return re.match(r"[A-Z]+", code)[0]


def _outward_sort_key(code: str) -> tuple:
    """Sort districts as people do: LS1, LS2, ..., LS10, not LS1, LS10, LS2."""
    letters = _area(code)
    rest = code[len(letters) :]
    digits = re.match(r"[0-9]+", rest)[0]
    return (letters, int(digits), rest[len(digits) :])


def suggest(text: str, limit: int = 10, *, country: str | None = None) -> list[Location]:
    """Return locations whose postcode, district, ZIP code or name starts with *text*.

    For autocomplete: partial input is expected, so this never raises for
    malformed text, it just finds less. Exact matches come first; ambiguous
    place names are ranked by population, then country preference.

    Parameters
    ----------
    text : str
        What has been typed so far.
    limit : int
        The most to return.
    country : {"GB", "US", "JE", "GG", "IM"}, optional
        Only suggest places in this country.

    Returns
    -------
    list of Location

    Examples
    --------
    >>> import geodata
    >>> [loc.label for loc in geodata.suggest("LS6 3Q", limit=2)]  # doctest: +SKIP
    ['LS6 3QA', 'LS6 3QB']
    >>> geodata.suggest("Newport")[0].label  # doctest: +SKIP
    'Newport, Wales'
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    code = _country(country)
    tidy = " ".join(text.split())
    if not tidy or limit <= 0:
        return []
    upper = tidy.upper()
    if _SUGGEST_ZIP.fullmatch(tidy):
        return _suggest_zips(tidy[:5], limit) if code in (None, "US") else []
    if _SUGGEST_POSTCODE.fullmatch(upper):
        return _suggest_postcodes(upper, limit) if code in (None, "GB") else []
    found = _suggest_places(tidy, limit, code)
    if upper.isalpha() and len(upper) <= 2 and code in (None, "GB"):
        found += _suggest_area(upper, limit - len(found))
    return found[:limit]


def _suggest_zips(digits: str, limit: int) -> list[Location]:
    us = STORE.us()
    out = []
    for row in us.prefix_rows(digits):
        if us.located(row):
            lat, lon = us.coords[row].tolist()
            out.append(Location(lat, lon, "zip", us.label(row), None, "US"))
            if len(out) >= limit:
                break
    return out


def _suggest_area(letters: str, limit: int) -> list[Location]:
    if limit <= 0:
        return []
    gb = STORE.gb()
    lo, hi = postcode_prefix_range(letters)
    rows = [
        r
        for r in gb.key_range(gb.outward_keys, lo, hi)
        if _area(gb_outward_label(gb, r)) == letters
    ]
    rows.sort(key=lambda r: _outward_sort_key(gb_outward_label(gb, r)))
    return [
        _outward_location(gb, r) for r in rows if gb.find_outward(int(gb.outward_keys[r])) >= 0
    ][:limit]


def _outward_location(gb, row: int) -> Location:
    label = gb_outward_label(gb, row)
    lat, lon = gb.outward_coords[row].tolist()
    return Location(lat, lon, "outward_code", label, label, "GB")


def _sector_location(gb, row: int) -> Location:
    raw = int(gb.sector_keys[row]).to_bytes(8, "big").decode("ascii")
    outward = raw[:4].rstrip()
    lat, lon = gb.sector_coords[row].tolist()
    return Location(lat, lon, "sector", f"{outward} {raw[4]}", outward, "GB")


def _suggest_postcodes(upper: str, limit: int) -> list[Location]:
    gb = STORE.gb()
    found: list[Location] = []
    seen: set[str] = set()

    def add(loc: Location) -> bool:
        if loc.label not in seen:
            seen.add(loc.label)
            found.append(loc)
        return len(found) >= limit

    parts = upper.split(" ")
    prefixes: list[tuple[str, str]] = []
    if len(parts) == 2:
        prefixes.append((parts[0], parts[1]))
    else:
        compact = parts[0]
        lo, hi = postcode_prefix_range(compact)
        outwards = [
            r
            for r in gb.key_range(gb.outward_keys, lo, hi)
            if not math.isnan(gb.outward_coords[r, 0])
        ]
        outwards.sort(key=lambda r: _outward_sort_key(gb_outward_label(gb, r)))
        for r in outwards:
            if add(_outward_location(gb, r)):
                return found
        if len(outwards) == 1 and gb_outward_label(gb, outwards[0]) == compact:
            prefixes.append((compact, ""))
        for cut in range(2, len(compact)):
            if OUTWARD_RE.fullmatch(compact[:cut]) and re.fullmatch(r"[0-9][A-Z]?", compact[cut:]):
                prefixes.append((compact[:cut], compact[cut:]))
    for outward, inward in prefixes:
        if not OUTWARD_RE.fullmatch(outward):
            continue
        if len(inward) <= 1:
            lo, hi = postcode_prefix_range(f"{outward:<4}{inward}")
            for r in gb.key_range(gb.sector_keys, lo, hi):
                if not math.isnan(gb.sector_coords[r, 0]) and add(_sector_location(gb, r)):
                    return found
        if not inward:
            continue
        lo, hi = postcode_prefix_range(f"{outward:<4}{inward}")
        for r in gb.key_range(gb.keys, lo, hi):
            if gb.level[r] == EXACT:
                lat, lon = gb.coords[r].tolist()
                loc = Location(
                    lat, lon, "postcode", format_postcode_key(int(gb.keys[r])), outward, "GB"
                )
                if add(loc):
                    return found
    return found


def _suggest_places(text: str, limit: int, country: str | None) -> list[Location]:
    index = STORE.places()
    rows = index.prefix(
        text, country=country, preference=settings().country_preference, limit=limit
    )
    return [index.place(r).to_location() for r in rows]


def _nearest_public(lat: float, lon: float) -> str | None:
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
    >>> geodata.nearest_outward_code(53.8176, -1.5822)  # doctest: +SKIP
    'LS6'
    >>> geodata.nearest_outward_code(40.7484, -73.9967) is None  # doctest: +SKIP
    True
    """
    lat, lon = _point(lat, lon)
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
    >>> [p.label for p in geodata.nearest_postcodes(53.8174, -1.5805, k=1)]  # doctest: +SKIP
    ['LS6 3BU']
    """
    lat, lon = _point(lat, lon)
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
    >>> geodata.nearest_zip(34.0901, -118.4065).label  # doctest: +SKIP
    '90210, Beverly Hills, CA'
    """
    lat, lon = _point(lat, lon)
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
    >>> geodata.from_coordinates(53.8176, -1.5822).label  # doctest: +SKIP
    'near LS6'
    """
    lat, lon = _point(lat, lon)
    outward = nearest_public_outward(STORE.gb(), lat, lon, GB_REACH_KM)
    if outward is not None:
        return Location(lat, lon, "coordinates", f"near {outward}", outward, "GB")
    us = STORE.us()
    row, km = us.nearest(lat, lon)
    if km <= US_REACH_KM:
        city, state, _ = us.info[row]
        return Location(lat, lon, "coordinates", f"near {city}, {state}", None, "US")
    return Location(lat, lon, "coordinates", f"{lat:.4f}, {lon:.4f}", None, None)


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
    >>> geodata.places("GB", min_population=1_000_000)[0].name  # doctest: +SKIP
    'London'
    """
    code = _country(country)
    if code is None:
        raise InvalidQuery("places() needs a country, e.g. 'GB' or 'US'.")
    return STORE.places().in_country(code, min_population)
