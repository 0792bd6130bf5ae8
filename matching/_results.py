"""Plain output values: ranked matches, diagnostics, fallbacks and allocations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "RULES",
    "Allocation",
    "Assignment",
    "Diagnostics",
    "Fallbacks",
    "Match",
    "RankResult",
    "Unassigned",
]

#: Hard rules in the order they are applied and counted. Rules that do not
#: depend on where anyone is come first, so ``outside_radius`` counts the
#: supporters who would otherwise fit. ``name`` removes those a search by name
#: or club did not name (:attr:`Query.only_ids`).
RULES = ("country", "role", "event_group", "online_only", "ladder", "name", "outside_radius",
         "travel_distance")


@dataclass(frozen=True, slots=True)
class Match:
    """One supporter in a ranking, with why they are there.

    Attributes
    ----------
    id : int
        The supporter's id.
    score : float
        Sum of the score parts; higher is a better fit.
    distance_km : float
        Great-circle distance between coach and supporter.
    available : bool
        Whether they have a place free.
    waitlist : bool
        ``not available``: shown only as a clearly marked waitlist result.
    mode : {"in_person", "online"}
        How the support would happen: in person (inside the mutual radius) or
        online (distance does not matter).
    roles : tuple of str
        Wanted roles they hold and pass the ladder rule for.
    parts : Mapping of str to float
        Contribution of each score part (weight times normalised value).
    reasons : tuple of str
        Plain-English reasons, e.g. ``("9 km away", "Jumps", "2 places free")``.
    """

    id: int
    score: float
    distance_km: float
    available: bool
    waitlist: bool
    mode: str
    roles: tuple[str, ...]
    parts: Mapping[str, float]
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """Return the reasons as one line, e.g. ``"9 km away · Jumps · Level 3"``."""
        return " · ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """How many supporters each hard rule removed, in rule order.

    Attributes
    ----------
    considered : int
        Supporters in the index.
    removed : Mapping of str to int
        For each name in :data:`RULES`, in that order, how many supporters that
        rule removed among those the earlier rules kept.
    passed : int
        Supporters passing every rule (available or not).
    available, waitlist : int
        ``passed`` split into those with places free and those who are full.
    in_person, online : int
        ``passed`` split into in-person matches (inside the mutual radius) and
        online-only matches: the two sections of an "either" search.
    in_person_available, online_available : int
        Those of each section with places free.
    """

    considered: int
    removed: Mapping[str, int]
    passed: int
    available: int
    waitlist: int
    in_person: int = 0
    online: int = 0
    in_person_available: int = 0
    online_available: int = 0


@dataclass(frozen=True, slots=True)
class Fallbacks:
    """Help offered when few or no supporters pass the rules.

    Attributes
    ----------
    beyond_radius : tuple of Match
        Nearest available supporters who pass every rule except the search
        radius, nearest first: those who travel that far (a wider search
        would find them) and, when nobody is free in person, nearer ones who
        do not (their reasons say "travels up to 5 km": the coach may go to
        them). Where nobody travels that far, simply the nearest.
    wider_radius_km : float or None
        The smallest round radius that finds someone in person: it takes in the
        nearest supporter beyond the radius who travels that far. None when
        nobody does.
    within_wider_radius : int
        Available in-person supporters within ``wider_radius_km`` (including
        current results).
    online : tuple of Match
        Best available online supporters passing every other rule (offered
        only when the coach asked for in-person support; an "either" search
        has its online section in :attr:`RankResult.online`).
    online_count : int
        How many available online supporters pass every other rule.
    """

    beyond_radius: tuple[Match, ...] = ()
    wider_radius_km: float | None = None
    within_wider_radius: int = 0
    online: tuple[Match, ...] = ()
    online_count: int = 0


@dataclass(frozen=True, slots=True)
class RankResult:
    """Ranked matches for one query.

    Attributes
    ----------
    matches : tuple of Match
        The main list: in-person matches for an "in_person" or "either"
        search, online matches for an "online" one. Available supporters by
        score (or nearest first), then full ones as waitlist results.
    online : tuple of Match
        The online section of an "either" search: supporters matched online
        only, by fit, available first. They never compete with the in-person
        list on distance or places free. Empty for other modes.
    diagnostics : Diagnostics
        What each hard rule removed.
    fallbacks : Fallbacks or None
        Set when fewer available matches than the fallback threshold passed.
    explanation : str or None
        One sentence for a page with few or no results, e.g.
        ``"No jumps mentors within 10 km; 3 within 25 km; 5 online."``
    weights_version : int
        Version of the weights that produced the ranking.
    """

    matches: tuple[Match, ...]
    diagnostics: Diagnostics
    fallbacks: Fallbacks | None = None
    explanation: str | None = None
    weights_version: int = 1
    online: tuple[Match, ...] = ()

    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    @property
    def ids(self) -> tuple[int, ...]:
        """Return the ids of the matches, in rank order."""
        return tuple(m.id for m in self.matches)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A coach allocated to a supporter, with the match that explains it."""

    coach_id: int
    match: Match
    locked: bool = False

    @property
    def supporter_id(self) -> int:
        """Return the supporter's id."""
        return self.match.id

    @property
    def score(self) -> float:
        """Return the score of the pair."""
        return self.match.score

    @property
    def reasons(self) -> tuple[str, ...]:
        """Return the reasons of the pair."""
        return self.match.reasons


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A coach left without a supporter, and why."""

    coach_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Allocation:
    """The allocation of a cohort.

    Attributes
    ----------
    assignments : tuple of Assignment
        One per allocated coach, by coach id.
    unassigned : tuple of Unassigned
        One per coach left without a supporter, by coach id.
    total_score : float
        Sum of the scores of all assignments (locked ones included).
    objective : {"coverage", "score"}
        What was maximised (see :func:`allocate`).
    method : {"optimal", "greedy"}
        How the allocation was found.
    """

    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    total_score: float
    objective: str
    method: str

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """Return ``(coach_id, supporter_id)`` for every assignment."""
        return tuple((a.coach_id, a.supporter_id) for a in self.assignments)

    def supporter_of(self, coach_id: int) -> int | None:
        """Return the supporter allocated to a coach, or ``None``."""
        for a in self.assignments:
            if a.coach_id == coach_id:
                return a.supporter_id
        return None
