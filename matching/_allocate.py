"""Cohort allocation: the best assignment of many coaches under capacities."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from ._errors import InvalidInput, InvalidLock
from ._geo import chord_from_km
from ._index import SupportIndex
from ._ranking import build_matches, evaluate, text_vector
from ._reasons import ReasonWriter
from ._results import RULES, Allocation, Assignment, Match, Unassigned
from ._scoring import Pool, chords, query_xyz, score_rows
from ._screening import Screening, screen
from ._types import Candidate, CohortCoach
from ._weights import Weights

__all__ = ["OBJECTIVES", "allocate", "greedy"]

#: What :func:`allocate` maximises: the number of coaches allocated, then the
#: total score ("coverage"); or the total score alone ("score").
OBJECTIVES = ("coverage", "score")

_NO_MATCH = {
    "country": "no supporter in their country",
    "role": "no supporter offers the role wanted",
    "event_group": "no supporter covers the event groups",
    "online_only": "no eligible supporter offers online support",
    "ladder": "no supporter at a suitable level",
    "name": "no supporter of that name",
    "outside_radius": "no eligible supporter within radius",
    "travel_distance": "no eligible supporter travels that far",
}
_ALL_FULL = "all eligible supporters full"
_TAKEN = "eligible supporters' places all went to other coaches"


@dataclass(slots=True)
class _Options:
    """What one coach could be given: eligible supporters with places, and scores."""

    coach: CohortCoach
    screening: Screening
    pool: Pool
    positions: np.ndarray      # pool positions of available eligible supporters
    rows: np.ndarray           # their index rows
    scores: np.ndarray
    reason: str | None         # why there are no options, when there are none


def allocate(
    coaches: Iterable[CohortCoach],
    supporters: SupportIndex | Iterable[Candidate],
    weights: Weights | None = None,
    *,
    locked: Iterable[tuple[int, int]] = (),
    objective: str = "coverage",
) -> Allocation:
    """Allocate a cohort of coaches to supporters, optimally.

    Every pair obeys the same hard rules as :meth:`SupportIndex.rank`, and no
    supporter gets more coaches than ``capacity_left``. Locked pairs are placed
    first (using up places) and the rest is optimised around them. The problem
    is solved exactly as a rectangular assignment of coaches to supporters'
    places (each supporter repeated once per place, each coach with a private
    "unassigned" column), with scipy's sparse Jonker-Volgenant solver; only
    eligible pairs become edges.

    Parameters
    ----------
    coaches : iterable of CohortCoach
        The cohort; ids must be unique.
    supporters : SupportIndex or iterable of Candidate
        Who can be allocated (an index is built when candidates are given).
    weights : Weights, optional
        Score weights (default ``Weights()``).
    locked : iterable of (coach_id, supporter_id)
        Pairs that must be in the allocation, e.g. relationships already under
        way; they need not pass the hard rules (an admin decided), but must fit
        the supporter's places.
    objective : {"coverage", "score"}, default "coverage"
        "coverage" allocates as many coaches as possible and, among those
        allocations, maximises the total score; "score" maximises the total
        score alone (which may leave a coach out to give a better pair).

    Returns
    -------
    Allocation

    Raises
    ------
    InvalidLock
        When a locked pair names an unknown coach or supporter, a coach twice,
        or more coaches than a supporter has places.

    Examples
    --------
    >>> from matching import Candidate, CohortCoach, Query, allocate
    >>> developers = [Candidate(10, 51.50, -0.12, roles={"coach_developer"}, level=4,
    ...                         capacity_left=2),
    ...               Candidate(11, 51.52, -0.10, roles={"coach_developer"}, level=4,
    ...                         capacity_left=2)]
    >>> cohort = [CohortCoach(i, Query(51.51, -0.11, roles={"coach_developer"}, level=3))
    ...           for i in range(1, 5)]
    >>> result = allocate(cohort, developers, locked=[(1, 11)])
    >>> len(result.assignments), result.supporter_of(1), result.unassigned
    (4, 11, ())
    """
    if objective not in OBJECTIVES:
        raise InvalidInput("objective", f"must be one of {', '.join(OBJECTIVES)}")
    index, weights, options, locks, remaining = _prepare(coaches, supporters, weights, locked)

    free = [o for o in options if o.coach.id not in locks]
    edges = []  # (free coach number, index row, score)
    for i, option in enumerate(free):
        has_place = remaining[option.rows] > 0
        edges.append((np.full(int(has_place.sum()), i), option.rows[has_place],
                      option.scores[has_place]))
    chosen = _solve(len(free), edges, remaining, objective) if free else {}

    assigned = {coach_id: pair for coach_id, pair in locks.items()}
    for i, row in chosen.items():
        assigned[free[i].coach.id] = (row, False)
    return _allocation(index, weights, options, assigned, objective, "optimal")


def greedy(
    coaches: Iterable[CohortCoach],
    supporters: SupportIndex | Iterable[Candidate],
    weights: Weights | None = None,
    *,
    locked: Iterable[tuple[int, int]] = (),
) -> Allocation:
    """Allocate a cohort greedily: best-scoring eligible pair first.

    A baseline for :func:`allocate`: the same rules, capacities and locks,
    but each step takes the highest-scoring pair left (ties by coach id, then
    supporter id), which can block better allocations later.

    Examples
    --------
    >>> from matching import Candidate, CohortCoach, Query, greedy
    >>> developer = Candidate(10, 51.5, -0.12, roles={"coach_developer"}, level=4)
    >>> cohort = [CohortCoach(i, Query(51.51, -0.11, level=3)) for i in (1, 2)]
    >>> [u.reason for u in greedy(cohort, [developer]).unassigned]
    ["eligible supporters' places all went to other coaches"]
    """
    index, weights, options, locks, remaining = _prepare(coaches, supporters, weights, locked)
    pairs = []
    for option in options:
        if option.coach.id in locks:
            continue
        for row, score in zip(option.rows.tolist(), option.scores.tolist(), strict=True):
            pairs.append((-score, option.coach.id, int(index.ids[row]), row))
    pairs.sort()
    assigned: dict[int, tuple[int, bool]] = dict(locks)
    for _, coach_id, _, row in pairs:
        if coach_id not in assigned and remaining[row] > 0:
            assigned[coach_id] = (row, False)
            remaining[row] -= 1
    return _allocation(index, weights, options, assigned, "score", "greedy")


# ---------------------------------------------------------------------------- helpers
def _prepare(coaches, supporters, weights, locked):
    """Validate the input and find every coach's eligible, available supporters."""
    weights = Weights() if weights is None else weights
    if not isinstance(weights, Weights):
        raise InvalidInput("weights", "must be a Weights")
    if isinstance(coaches, (str, bytes)) or not isinstance(coaches, Iterable):
        raise InvalidInput("coaches", "must be an iterable of CohortCoach")
    coaches = tuple(coaches)
    seen: set[int] = set()
    for coach in coaches:
        if not isinstance(coach, CohortCoach):
            raise InvalidInput("coaches", f"expected a CohortCoach, got {type(coach).__name__}")
        if coach.id in seen:
            raise InvalidInput("coaches", f"coach {coach.id} appears more than once")
        seen.add(coach.id)
    index = supporters if isinstance(supporters, SupportIndex) else SupportIndex.build(supporters)
    arrays = index.arrays

    options = []
    for coach in sorted(coaches, key=lambda c: c.id):
        screening = screen(arrays, coach.query, weights)
        text_query = text_vector(arrays, coach.query, weights)
        pool, counts = evaluate(arrays, coach.query, weights, screening, text_query)
        positions = np.flatnonzero(pool.available)
        pool.complete_text(arrays, positions)  # exact scores for every eligible pair
        reason = None
        if not len(pool.rows):
            removed = dict(screening.removed, outside_radius=counts.outside_radius,
                           travel_distance=counts.travel_distance)
            last = [rule for rule in RULES if removed[rule]]
            reason = _NO_MATCH[last[-1]] if last else "no supporters to choose from"
        elif not len(positions):
            reason = _ALL_FULL
        options.append(_Options(coach, screening, pool, positions,
                                pool.rows[positions], pool.score[positions], reason))

    remaining = arrays.rows.capacity.copy()
    locks: dict[int, tuple[int, bool]] = {}
    for pair in locked:
        try:
            coach_id, supporter_id = pair
        except (TypeError, ValueError) as err:
            raise InvalidLock("locked", "each lock must be a (coach_id, supporter_id) pair") \
                from err
        if coach_id not in seen:
            raise InvalidLock("locked", f"coach {coach_id} is not in the cohort")
        if supporter_id not in index:
            raise InvalidLock("locked", f"supporter {supporter_id} is not among the supporters")
        if coach_id in locks:
            raise InvalidLock("locked", f"coach {coach_id} is locked more than once")
        row = arrays.row_of()[supporter_id]
        remaining[row] -= 1
        if remaining[row] < 0:
            raise InvalidLock(
                "locked", f"supporter {supporter_id} has {max(int(arrays.rows.capacity[row]), 0)} "
                          "places free, fewer than the coaches locked to them")
        locks[coach_id] = (row, True)
    return index, weights, options, locks, remaining


def _solve(n_coaches: int, edges, remaining: np.ndarray, objective: str) -> dict[int, int]:
    """Return {free coach number: index row} maximising the objective exactly."""
    coach = np.concatenate([e[0] for e in edges]).astype(np.int64)
    row = np.concatenate([e[1] for e in edges]).astype(np.int64)
    value = np.concatenate([e[2] for e in edges]).astype(np.float64)
    if not len(coach):
        return {}

    # One column per usable place: a supporter never needs more places than
    # coaches who could take them.
    supporters, local, degree = np.unique(row, return_inverse=True, return_counts=True)
    slots = np.minimum(remaining[supporters], degree)
    offset = np.concatenate([[0], np.cumsum(slots)])
    n_slots = int(offset[-1])
    slot_row = np.repeat(supporters, slots)

    per_edge = slots[local]
    edge_of = np.repeat(np.arange(len(coach)), per_edge)
    within = np.arange(len(edge_of)) - np.repeat(np.cumsum(per_edge) - per_edge, per_edge)
    cols = offset[local[edge_of]] + within

    # Coverage first: a bonus per allocated coach larger than any total score
    # difference makes "more coaches" always win, and scores break the tie.
    bonus = (float(value.max()) * n_coaches + 1.0) if objective == "coverage" else 0.0
    top = float(value.max()) + bonus + 1.0  # all weights must be > 0 (sparse zeros vanish)
    weights = np.concatenate([top - (value[edge_of] + bonus), np.full(n_coaches, top)])
    rows_ = np.concatenate([coach[edge_of], np.arange(n_coaches)])
    cols_ = np.concatenate([cols, n_slots + np.arange(n_coaches)])
    graph = sparse.csr_array((weights, (rows_, cols_)), shape=(n_coaches, n_slots + n_coaches))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    return {int(i): int(slot_row[c]) for i, c in zip(matched_rows, matched_cols, strict=True)
            if c < n_slots}


def _allocation(index: SupportIndex, weights: Weights, options: list[_Options],
                assigned: dict[int, tuple[int, bool]], objective: str, method: str) -> Allocation:
    assignments = []
    unassigned = []
    for option in options:
        coach_id = option.coach.id
        if coach_id not in assigned:
            unassigned.append(Unassigned(coach_id, option.reason or _TAKEN))
            continue
        row, is_locked = assigned[coach_id]
        assignments.append(Assignment(coach_id, _pair_match(index, weights, option, row),
                                      locked=is_locked))
    total = math.fsum(a.score for a in assignments)
    return Allocation(assignments=tuple(assignments), unassigned=tuple(unassigned),
                      total_score=total, objective=objective, method=method)


def _pair_match(index: SupportIndex, weights: Weights, option: _Options, row: int) -> Match:
    """Return the match of a coach with one supporter, with its score and reasons."""
    query = option.coach.query
    arrays = index.arrays
    # Read by whoever allocates, not by the coach: "their needs", "above them".
    writer = ReasonWriter(query, index.labels, index.related_groups, about_coach=True)
    hit = np.flatnonzero(option.pool.rows == row)
    if len(hit):
        return build_matches(arrays, weights, option.screening, option.pool, hit, writer)[0]
    # A locked pair outside the rules: score it as it stands.
    xyz = query_xyz(query)
    rows = np.array([row], dtype=np.int64)
    chord = chords(arrays, rows, xyz)
    supporter = arrays.candidates[row]
    inside = bool(chord[0] <= chord_from_km(min(query.radius_km, supporter.travel_km)))
    can_be_online = supporter.offers_online and query.mode != "in_person"
    # In person unless it can only work online: then distance counts as it is.
    in_person = np.array([inside or not can_be_online])
    mode = "online" if query.mode == "online" and can_be_online else "either"
    pool = score_rows(arrays, query, weights, option.screening, rows, chord, in_person,
                      option.pool.text_query, xyz=xyz, mode=mode)
    return build_matches(arrays, weights, option.screening, pool, np.arange(1), writer)[0]
