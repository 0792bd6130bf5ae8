"""Rank and allocate athletics coaching supporters.

A pure library: it takes plain values (frozen dataclasses) and returns plain
values. Build a :class:`SupportIndex` from the eligible supporters, then
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
from ._errors import (
    InvalidCandidate,
    InvalidInput,
    InvalidLock,
    InvalidQuery,
    InvalidWeights,
    MatchingError,
)
from ._geo import EARTH_RADIUS_KM, haversine_km
from ._index import AVAILABILITY_FULL_AT, SupportIndex
from ._reasons import explain
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
from ._rules import LADDER
from ._scoring import ORDERS, SUPERVISION_NEARBY_KM
from ._types import (
    MAX_TEXT_CHARS,
    MODES,
    SUPPORT_ROLES,
    Candidate,
    CohortCoach,
    Labels,
    Query,
)
from ._weights import MAX_AVAILABILITY, PART_NAMES, Weights

__all__ = [
    "AVAILABILITY_FULL_AT",
    "EARTH_RADIUS_KM",
    "LADDER",
    "MAX_AVAILABILITY",
    "MAX_TEXT_CHARS",
    "MODES",
    "OBJECTIVES",
    "ORDERS",
    "PART_NAMES",
    "RULES",
    "SUPERVISION_NEARBY_KM",
    "SUPPORT_ROLES",
    "Allocation",
    "Assignment",
    "Candidate",
    "CohortCoach",
    "Diagnostics",
    "Fallbacks",
    "InvalidCandidate",
    "InvalidInput",
    "InvalidLock",
    "InvalidQuery",
    "InvalidWeights",
    "Labels",
    "Match",
    "MatchingError",
    "Query",
    "RankResult",
    "SupportIndex",
    "Unassigned",
    "Weights",
    "allocate",
    "explain",
    "greedy",
    "haversine_km",
]
