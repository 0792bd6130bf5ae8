"""Rank and allocate athletics coaching supporters.

A pure library: it takes plain values (frozen dataclasses) and returns plain
values. Build a :class:`SupportIndex` from the eligible supporters (and the
support roles with their ladder rules, :class:`Role`), then
:meth:`SupportIndex.rank` a coach's :class:`Query`, or :func:`allocate` a whole
cohort at once.

Examples
--------
>>> from matching import Candidate, Query, SupportIndex
>>> index = SupportIndex.build([
...     Candidate(1, 53.80, -1.55, roles={"mentor"}, level=3, qualification="Level 3"),
...     Candidate(2, 53.95, -1.08, roles={"mentor"}, level=3, travel_km=5),
... ])
>>> result = index.rank(Query(53.81, -1.56, radius_km=20, roles={"mentor"}, level=1))
>>> result.ids, result.diagnostics.removed["outside_radius"]
((1,), 1)
>>> result.matches[0].summary
'1 km away · Level 3, two levels above you · 1 place free'
"""

from ._allocate import OBJECTIVES, allocate, greedy
from ._arrays import IndexArrays
from ._errors import (
    InvalidCandidate,
    InvalidInput,
    InvalidLock,
    InvalidQuery,
    InvalidWeights,
    MatchingError,
)
from ._fallbacks import explain
from ._geo import EARTH_RADIUS_KM, haversine_km
from ._index import AVAILABILITY_FULL_AT, SupportIndex
from ._ranking import ORDERS
from ._results import (
    RULES,
    Allocation,
    Assignment,
    Diagnostics,
    Fallbacks,
    Match,
    RankResult,
    Unassigned,
)
from ._roles import DEFAULT_ROLES, LADDER_RULES, LadderRule, Role
from ._scoring import SUPERVISION_NEARBY_KM
from ._types import (
    MAX_TEXT_CHARS,
    MODES,
    Candidate,
    CohortCoach,
    Labels,
    Query,
)
from ._weights import MAX_AVAILABILITY, PART_NAMES, Weights

__all__ = [
    "AVAILABILITY_FULL_AT",
    "DEFAULT_ROLES",
    "EARTH_RADIUS_KM",
    "LADDER_RULES",
    "MAX_AVAILABILITY",
    "MAX_TEXT_CHARS",
    "MODES",
    "OBJECTIVES",
    "ORDERS",
    "PART_NAMES",
    "RULES",
    "SUPERVISION_NEARBY_KM",
    "Allocation",
    "Assignment",
    "Candidate",
    "CohortCoach",
    "Diagnostics",
    "Fallbacks",
    "IndexArrays",
    "InvalidCandidate",
    "InvalidInput",
    "InvalidLock",
    "InvalidQuery",
    "InvalidWeights",
    "Labels",
    "LadderRule",
    "Match",
    "MatchingError",
    "Query",
    "RankResult",
    "Role",
    "SupportIndex",
    "Unassigned",
    "Weights",
    "allocate",
    "explain",
    "greedy",
    "haversine_km",
]
