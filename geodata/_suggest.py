"""Type-ahead: the locations whose postcode, district, ZIP code or name starts with the text."""

from __future__ import annotations

import math
import re

from ._config import settings
from ._gb import EXACT
from ._geocode import (
    country_code,
    districts_in_area,
    outward_location,
    outward_sort_key,
    sector_location,
)
from ._index import STORE
from ._location import Location
from ._places import gb_outward_label
from ._postcodes import OUTWARD_RE, format_postcode_key, postcode_prefix_range

__all__ = ["suggest"]

# Partial input, looser than a postcode or ZIP code: what one may look like
# while it is still being typed.
_SUGGEST_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]{0,2}(?: [0-9][A-Z]{0,2})?")
_SUGGEST_ZIP = re.compile(r"[0-9]{1,5}(?:-[0-9]{0,4})?")


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
    >>> [loc.label for loc in geodata.suggest("LS6 3Q", limit=2)]
    ['LS6 3QA', 'LS6 3QB']
    >>> [loc.label for loc in geodata.suggest("LS1", limit=3)]  # LS1, then LS10, LS11...
    ['LS1', 'LS10', 'LS11']
    >>> [loc.label for loc in geodata.suggest("9021", limit=2)]
    ['90210, Beverly Hills, CA', '90211, Beverly Hills, CA']
    >>> [loc.label for loc in geodata.suggest("Newport", limit=2)]
    ['Newport, Wales (NP20)', 'Newport, England (PO30)']
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    code = country_code(country)
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
    # A district without coordinates cannot be offered as a place to search from.
    located = [
        r for r in districts_in_area(gb, letters) if gb.find_outward(int(gb.outward_keys[r])) >= 0
    ]
    return [outward_location(gb, r) for r in located[:limit]]


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
        # No space yet: "LS63" may be the district LS63 or the start of
        # LS6 3..., so offer districts first, then each possible split.
        compact = parts[0]
        lo, hi = postcode_prefix_range(compact)
        outwards = [
            r
            for r in gb.key_range(gb.outward_keys, lo, hi)
            if not math.isnan(gb.outward_coords[r, 0])
        ]
        outwards.sort(key=lambda r: outward_sort_key(gb_outward_label(gb, r)))
        for r in outwards:
            if add(outward_location(gb, r)):
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
                if not math.isnan(gb.sector_coords[r, 0]) and add(sector_location(gb, r)):
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
