"""Plain input values: supporters, queries, cohort coaches and labels.

They validate themselves on construction, so a bad value is reported once,
naming its field, and never reaches the vectorised code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from numbers import Integral, Real
from types import MappingProxyType

from ._errors import InvalidCandidate, InvalidInput, InvalidQuery

__all__ = [
    "MAX_TEXT_CHARS",
    "MODES",
    "Candidate",
    "CohortCoach",
    "Labels",
    "Query",
]

#: How a coach accepts support.
MODES = ("in_person", "online", "either")

#: Longest bio or goals text accepted (characters); longer text is a mistake or abuse.
MAX_TEXT_CHARS = 20_000

# Half the Earth's circumference: no two points are further apart than this.
_MAX_RADIUS_KM = 20_016.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A supporter who can be matched: where they are, what they offer, how busy.

    Parameters
    ----------
    id : int
        The supporter's id in the application.
    lat, lon : float
        Position in degrees (WGS84).
    roles : frozenset of str
        Support roles held (at least one), keys of the roles the index is
        built with (:data:`DEFAULT_ROLES` unless told otherwise).
    event_groups : frozenset of str
        Event-group keys they support, e.g. ``{"jumps"}``.
    needs : frozenset of str
        Development-plan need keys they can help with (their expertise).
    level : int
        Rank on the common qualification scale (0 is assistant level).
    qualification : str
        Human label for the rank, shown in reasons, e.g. ``"Level 3"``.
    club : str or None
        Club key, used to offer supervision to assistant coaches of that club.
    travel_km : float
        How far they travel for in-person support.
    offers_online : bool
        Whether they support coaches online.
    capacity_left : int
        Places free; zero or less means full (shown only as waitlist).
    response_rate : float or None
        Share of requests answered, 0 to 1; ``None`` when unknown.
    last_active : date, datetime, int or None
        Last activity as a date, or as whole days since; ``None`` when unknown.
    bio : str
        Free text about their expertise, compared with a coach's goals.
    country : str or None
        The country whose coaches they support, e.g. ``"GB"`` or ``"US"``;
        a query can keep to its own country (see :attr:`Query.countries`).
    framework : str or None
        Key of the qualification framework ``level`` belongs to, e.g.
        ``"uk"``. Ladder rules compare levels only within one framework.

    Examples
    --------
    >>> c = Candidate(7, 53.8, -1.55, roles={"mentor"}, event_groups={"jumps"})
    >>> sorted(c.roles), c.capacity_left
    (['mentor'], 1)
    """

    id: int
    lat: float
    lon: float
    roles: frozenset[str]
    event_groups: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    level: int = 0
    qualification: str = ""
    club: str | None = None
    travel_km: float = 25.0
    offers_online: bool = False
    capacity_left: int = 1
    response_rate: float | None = None
    last_active: date | datetime | int | None = None
    bio: str = ""
    country: str | None = None
    framework: str | None = None

    def __post_init__(self) -> None:
        if _in_normal_form(self):  # what an index build passes: nothing to change
            return

        def fail(name: str, message: str) -> InvalidCandidate:
            return InvalidCandidate(name, message, candidate_id=self.id)

        _set(self, "id", _whole(self.id, "id", fail))
        _set(self, "lat", _latitude(self.lat, fail))
        _set(self, "lon", _longitude(self.lon, fail))
        _set(self, "roles", _roles(self.roles, fail, allow_empty=False))
        _set(self, "event_groups", _keys(self.event_groups, "event_groups", fail))
        _set(self, "needs", _keys(self.needs, "needs", fail))
        level = _whole(self.level, "level", fail)
        if level < 0:
            raise fail("level", "must be 0 or more")
        _set(self, "level", level)
        if not isinstance(self.qualification, str):
            raise fail("qualification", "must be text")
        _set(self, "club", _club(self.club, fail))
        travel = _number(self.travel_km, "travel_km", fail)
        if travel < 0:
            raise fail("travel_km", "must be 0 or more")
        _set(self, "travel_km", travel)
        if not isinstance(self.offers_online, bool):
            raise fail("offers_online", "must be true or false")
        _set(self, "capacity_left", _whole(self.capacity_left, "capacity_left", fail))
        if self.response_rate is not None:
            rate = _number(self.response_rate, "response_rate", fail)
            if not 0.0 <= rate <= 1.0:
                raise fail("response_rate", "must be between 0 and 1")
            _set(self, "response_rate", rate)
        last = self.last_active
        if last is not None and not isinstance(last, date):
            days = _whole(last, "last_active", fail)
            if days < 0:
                raise fail("last_active", "days since last activity must be 0 or more")
            _set(self, "last_active", days)
        _set(self, "bio", _text(self.bio, "bio", fail))
        _set(self, "country", _code(self.country, "country", fail))
        _set(self, "framework", _code(self.framework, "framework", fail))


@dataclass(frozen=True, slots=True)
class Query:
    """What a coach is looking for, and where.

    Parameters
    ----------
    lat, lon : float
        The coach's position in degrees.
    radius_km : float
        Search radius for in-person support (> 0).
    roles : frozenset of str
        Roles wanted; empty means any role. The index ranking the query must
        know them.
    event_groups : frozenset of str
        The coach's event groups.
    needs : Mapping of str to float
        Development-plan needs and their priority weights (>= 0).
    level : int or None
        The coach's rank on the common scale (0 is assistant level), or None
        when unknown: then no ladder rule applies and ladder fit is neutral.
    club : str or None
        The coach's club key.
    mode : {"in_person", "online", "either"}
        How support is accepted.
    goals_text : str
        The plan's goals, compared with supporters' bios.
    limit : int
        How many matches to return (>= 1).
    require_event_group : bool
        When true, supporters with neither one of the coach's event groups nor a
        related one are removed rather than only scored lower.
    countries : frozenset of str
        Countries whose supporters may be offered, in person or online; empty
        means any country.
    framework : str or None
        Key of the qualification framework ``level`` belongs to. Ladder rules
        apply only to supporters of the same framework (or of none given).
    only_ids : frozenset of int or None
        When given, only these supporters may be offered (a search by name).

    Examples
    --------
    >>> q = Query(53.8, -1.55, radius_km=10, roles={"mentor"}, needs={"periodisation": 2})
    >>> q.mode, dict(q.needs)
    ('in_person', {'periodisation': 2.0})
    """

    lat: float
    lon: float
    radius_km: float = 25.0
    roles: frozenset[str] = frozenset()
    event_groups: frozenset[str] = frozenset()
    needs: Mapping[str, float] = field(default_factory=dict)
    level: int | None = 0
    club: str | None = None
    mode: str = "in_person"
    goals_text: str = ""
    limit: int = 20
    require_event_group: bool = False
    countries: frozenset[str] = frozenset()
    framework: str | None = None
    only_ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        def fail(name: str, message: str) -> InvalidQuery:
            return InvalidQuery(name, message)

        _set(self, "lat", _latitude(self.lat, fail))
        _set(self, "lon", _longitude(self.lon, fail))
        radius = _number(self.radius_km, "radius_km", fail)
        if not 0.0 < radius <= _MAX_RADIUS_KM:
            raise fail("radius_km", f"must be greater than 0 and at most {_MAX_RADIUS_KM:g}")
        _set(self, "radius_km", radius)
        _set(self, "roles", _roles(self.roles, fail, allow_empty=True))
        _set(self, "event_groups", _keys(self.event_groups, "event_groups", fail))
        _set(self, "needs", _needs(self.needs, fail))
        if self.level is not None:  # None: the coach did not say; no ladder rule applies
            level = _whole(self.level, "level", fail)
            if level < 0:
                raise fail("level", "must be 0 or more")
            _set(self, "level", level)
        _set(self, "club", _club(self.club, fail))
        if self.mode not in MODES:
            raise fail("mode", f"must be one of {', '.join(MODES)}")
        _set(self, "goals_text", _text(self.goals_text, "goals_text", fail))
        limit = _whole(self.limit, "limit", fail)
        if limit < 1:
            raise fail("limit", "must be at least 1")
        _set(self, "limit", limit)
        if not isinstance(self.require_event_group, bool):
            raise fail("require_event_group", "must be true or false")
        _set(self, "countries", _keys(self.countries, "countries", fail))
        _set(self, "framework", _code(self.framework, "framework", fail))
        if self.only_ids is not None:
            if isinstance(self.only_ids, (str, bytes)) or not isinstance(self.only_ids, Iterable):
                raise fail("only_ids", "must be a set of supporter ids or None")
            _set(self, "only_ids", frozenset(_whole(i, "only_ids", fail) for i in self.only_ids))


@dataclass(frozen=True, slots=True)
class CohortCoach:
    """One coach of a cohort to allocate: an id plus what they are looking for.

    Examples
    --------
    >>> CohortCoach(1, Query(51.5, -0.1, roles={"coach_developer"})).id
    1
    """

    id: int
    query: Query

    def __post_init__(self) -> None:
        def fail(name: str, message: str) -> InvalidInput:
            return InvalidInput(name, message)

        _set(self, "id", _whole(self.id, "id", fail))
        if not isinstance(self.query, Query):
            raise InvalidInput("query", "must be a Query")


_DEFAULT_ROLE_LABELS = {
    "coach_developer": "coach developer",
    "co_coach": "co-coach",
    "mentor": "mentor",
    "technical_advisor": "technical advisor",
}


@dataclass(frozen=True, slots=True)
class Labels:
    """Human labels for keys used in reasons and explanations.

    The taxonomy lives in the application's database; it hands the labels over
    when it builds an index. A key without a label is shown in a readable form
    of the key itself (``"race_walking"`` becomes ``"Race walking"`` for an
    event group and ``"race walking"`` for a need).

    Examples
    --------
    >>> labels = Labels(event_groups={"jumps": "Jumps"}, needs={"tech_model": "technical model"})
    >>> labels.event_group("jumps"), labels.event_group("race_walking"), labels.need("tech_model")
    ('Jumps', 'Race walking', 'technical model')
    >>> labels.role("co_coach"), labels.role_plural("co_coach")
    ('co-coach', 'co-coaches')
    """

    event_groups: Mapping[str, str] = field(default_factory=dict)
    needs: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("event_groups", "needs", "roles"):
            value = getattr(self, name)
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise InvalidInput(f"labels.{name}", "must map keys to text labels")
            merged = dict(_DEFAULT_ROLE_LABELS) if name == "roles" else {}
            merged.update(value)
            _set(self, name, MappingProxyType(merged))

    def event_group(self, key: str) -> str:
        """Return the label of an event group, e.g. ``"Jumps"``."""
        label = self.event_groups.get(key)
        return label if label else _readable(key).capitalize()

    def need(self, key: str) -> str:
        """Return the label of a need, e.g. ``"periodisation"``."""
        label = self.needs.get(key)
        return label if label else _readable(key)

    def role(self, key: str) -> str:
        """Return the label of a role, e.g. ``"coach developer"``."""
        label = self.roles.get(key)
        return label if label else _readable(key)

    def role_plural(self, key: str) -> str:
        """Return the plural label of a role, e.g. ``"co-coaches"``."""
        return _plural(self.role(key))


def _readable(key: str) -> str:
    return " ".join(key.replace("_", " ").replace("-", " ").split())


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _in_normal_form(c: Candidate) -> bool:
    """Whether every field of ``c`` is valid and already as ``__post_init__`` would set it.

    One expression instead of a check and a call for each field: a third of
    the time of building an index of 100,000 supporters went to the general
    checks. Anything else (an int latitude, an empty club, a set of roles)
    takes the general path, which normalises it or says what is wrong.
    """
    last, rate = c.last_active, c.response_rate
    return (type(c.id) is int and type(c.lat) is float and -90.0 <= c.lat <= 90.0
            and type(c.lon) is float and -180.0 <= c.lon <= 180.0
            and type(c.roles) is frozenset and len(c.roles) > 0 and c.roles in _CHECKED_KEYS
            and type(c.event_groups) is frozenset and c.event_groups in _CHECKED_KEYS
            and type(c.needs) is frozenset and c.needs in _CHECKED_KEYS
            and type(c.level) is int and c.level >= 0 and type(c.qualification) is str
            and (c.club is None or (type(c.club) is str and c.club != ""))
            and type(c.travel_km) is float and 0.0 <= c.travel_km < math.inf
            and type(c.offers_online) is bool and type(c.capacity_left) is int
            and (rate is None or (type(rate) is float and 0.0 <= rate <= 1.0))
            and (last is None or (type(last) is int and last >= 0) or isinstance(last, date))
            and type(c.bio) is str and len(c.bio) <= MAX_TEXT_CHARS
            and (c.country is None or (type(c.country) is str and c.country != ""))
            and (c.framework is None or (type(c.framework) is str and c.framework != "")))


def _set(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise their own fields once, at construction.
    object.__setattr__(obj, name, value)


def _number(value: object, name: str, fail) -> float:
    # Plain floats and ints first: the abstract-class check costs a microsecond,
    # and an index of 100,000 supporters makes a million of them.
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise fail(name, "must be a finite number")
        return value
    if kind is int:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise fail(name, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise fail(name, "must be a finite number")
    return value


def _whole(value: object, name: str, fail) -> int:
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise fail(name, "must be a whole number")
    return int(value)


def _latitude(value: object, fail) -> float:
    lat = _number(value, "lat", fail)
    if not -90.0 <= lat <= 90.0:
        raise fail("lat", "must be between -90 and 90")
    return lat


def _longitude(value: object, fail) -> float:
    lon = _number(value, "lon", fail)
    if not -180.0 <= lon <= 180.0:
        raise fail("lon", "must be between -180 and 180")
    return lon


def _keys(value: object, name: str, fail) -> frozenset[str]:
    if type(value) is frozenset:
        # Supporters share a few hundred sets of keys: each is checked once.
        if value in _CHECKED_KEYS:
            return value
        if all(type(k) is str and k for k in value):
            if len(_CHECKED_KEYS) < 10_000:
                _CHECKED_KEYS[value] = None
            return value
    # A bare string is iterable but would become a set of letters.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise fail(name, "must be a set of keys")
    keys = frozenset(value)
    if not all(isinstance(k, str) and k for k in keys):
        raise fail(name, "keys must be non-empty text")
    return keys


_CHECKED_KEYS: dict[frozenset, None] = {}


def _roles(value: object, fail, *, allow_empty: bool) -> frozenset[str]:
    # Which roles exist is the index's to say (SupportIndex.build(roles=...)).
    roles = _keys(value, "roles", fail)
    if not roles and not allow_empty:
        raise fail("roles", "must hold at least one support role")
    return roles


def _needs(value: object, fail) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise fail("needs", "must map need keys to priority weights")
    needs = {}
    for key in sorted(value, key=str):
        if not isinstance(key, str) or not key:
            raise fail("needs", "keys must be non-empty text")
        priority = _number(value[key], "needs", fail)
        if priority < 0:
            raise fail("needs", f"priority of {key!r} must be 0 or more")
        needs[key] = priority
    return MappingProxyType(needs)


def _club(value: object, fail) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail("club", "must be text or None")
    return value


def _code(value: object, name: str, fail) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail(name, "must be text or None")
    return value


def _text(value: object, name: str, fail) -> str:
    if not isinstance(value, str):
        raise fail(name, "must be text")
    if len(value) > MAX_TEXT_CHARS:
        raise fail(name, f"must be at most {MAX_TEXT_CHARS:,} characters")
    return value
