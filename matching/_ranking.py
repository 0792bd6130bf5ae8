"""Ranking one query: location rules, the top k of each section, and the matches shown.

A query runs in three steps:

1. Screening (:mod:`._screening`): the location-independent rules and score
   parts, once per group of alike supporters.
2. Rows. In person: a radius query over Z-order cells (:mod:`._cells`) finds
   the supporters inside the search radius, and the mutual radius is checked
   on that subset with chord arithmetic. Online: the online search
   (:mod:`._online`) scores only the online supporters whose bound could reach
   the top k.
3. Top k, per section. In-person matches and online matches are ranked apart
   (an online supporter never competes with a local one on distance credit).
   ``np.partition`` finds the k-th best score; only rows at or above it are
   sorted (score desc, distance asc, id asc), and only the returned rows get
   reasons. Text similarity is computed only for rows that could still reach
   the top k with it (it adds at most its weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ._arrays import IndexArrays
from ._geo import chord_from_km
from ._online import add_online
from ._reasons import ReasonWriter
from ._results import Match
from ._scoring import Pool, chords, query_xyz, rows_within, score_rows
from ._screening import Screening
from ._text import QueryText
from ._types import Query
from ._weights import PART_NAMES, Weights

__all__ = ["ORDERS", "LocationCounts", "build_matches", "evaluate", "select", "text_vector",
           "top"]

#: How the main list can be ordered: by best fit, or nearest first.
ORDERS = ("fit", "distance")


@dataclass(slots=True)
class LocationCounts:
    """What one query's location rules removed, and how many supporters passed."""

    outside_radius: int
    travel_distance: int
    passed: int
    available: int
    in_person: int = 0
    in_person_available: int = 0


def text_vector(arrays: IndexArrays, query: Query, weights: Weights) -> QueryText | None:
    """Return the query's TF-IDF vector, or None when text cannot count."""
    if weights.text == 0 or not query.goals_text.strip() or not len(arrays):
        return None
    return arrays.text.query_vector(query.goals_text)


def evaluate(arrays: IndexArrays, query: Query, weights: Weights, screening: Screening,
             text_query, *, k: int | None = None, sections: bool = False
             ) -> tuple[Pool, LocationCounts]:
    """Apply the location rules and score the passing supporters.

    With ``k`` given, online supporters that cannot reach the top k of the
    online matches are counted but not scored; with ``k=None`` every passing
    supporter is scored (cohort allocation needs them all). Text similarity
    is left to be completed on demand (see :meth:`Pool.complete_text`).

    With ``sections`` (search), in-person and online matches are ranked apart,
    so an in-person supporter's proximity is their distance alone. Without it
    (allocation, one pool), someone who could meet in person and also offers
    online keeps the better of the two, so moving closer never lowers a score.
    """
    xyz = query_xyz(query)
    empty_i = np.empty(0, np.int64)
    ball, ball_chord, ball_in_person = empty_i, np.empty(0), np.empty(0, bool)
    outside = travel = 0
    if query.mode != "online" and len(arrays):
        ball = rows_within(arrays, query, query.radius_km)
        ball = ball[screening.passes(arrays, ball)]
        ball_chord = chords(arrays, ball, xyz)
        in_radius = ball_chord <= float(chord_from_km(query.radius_km))
        in_travel = ball_chord <= arrays.rows.travel_chord[ball]
        ball_in_person = in_radius & in_travel
        if query.mode == "either":
            # Online supporters pass wherever they are; they are not counted as
            # removed by the radius or their travel distance.
            rescued = arrays.rows.online[ball]
            keep = ball_in_person | rescued
            inside = int(np.count_nonzero(in_radius & ~rescued))
            travel = int(np.count_nonzero(in_radius & ~in_travel & ~rescued))
            outside = screening.n_passed - screening.n_passed_online - inside
        else:
            keep = ball_in_person
            inside = int(np.count_nonzero(in_radius))
            travel = inside - int(np.count_nonzero(ball_in_person))
            outside = screening.n_passed - inside
        ball, ball_chord, ball_in_person = ball[keep], ball_chord[keep], ball_in_person[keep]
    pool = score_rows(arrays, query, weights, screening, ball, ball_chord, ball_in_person,
                      text_query, xyz=xyz, mode=query.mode, online_credit=not sections)
    passed = len(pool.rows)
    available = int(np.count_nonzero(pool.available))
    in_person = int(np.count_nonzero(pool.in_person))
    in_person_available = int(np.count_nonzero(pool.in_person & pool.available))
    if query.mode != "in_person" and len(arrays):
        pool, n_online, n_online_available = add_online(
            arrays, query, weights, screening, text_query, xyz, pool, k)
        passed += n_online
        available += n_online_available
    return pool, LocationCounts(outside, travel, passed, available, in_person,
                                in_person_available)


def select(arrays: IndexArrays, pool: Pool, positions: np.ndarray, k: int, *,
           order: str = "fit") -> np.ndarray:
    """Return the best k of some pool positions: available ones first, then waitlist.

    ``order="fit"`` ranks by score (ties: nearer, then lower id);
    ``order="distance"`` nearest first (ties: better score, then lower id).
    """
    best = _nearest if order == "distance" else top
    available = positions[pool.available[positions]]
    chosen = best(arrays, pool, available, k)
    if len(chosen) < k:
        waitlist = positions[~pool.available[positions]]
        chosen = np.concatenate([chosen, best(arrays, pool, waitlist, k - len(chosen))])
    return chosen


def top(arrays: IndexArrays, pool: Pool, positions: np.ndarray, k: int) -> np.ndarray:
    """Return the best k positions: score desc, then distance asc, then id asc."""
    if k <= 0 or len(positions) == 0:
        return np.empty(0, np.int64)
    if pool.text_query is not None:
        unknown = positions[~pool.text_known[positions]]
        if len(unknown) and len(positions) > k:
            scores = pool.score[positions]
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            # Text adds at most its weight: rows that cannot reach the k-th
            # lower bound even with it can never make the top k.
            unknown = unknown[pool.score[unknown] + pool.text_weight >= kth]
        pool.complete_text(arrays, unknown)
    scores = pool.score[positions]
    if len(positions) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        # Rows tied with the k-th score compete on distance, then id, below;
        # never on where partition happened to put them. Only the nearest of
        # them can get in, which matters when thousands tie (a query with no
        # needs or event groups).
        tied = positions[scores == kth]
        positions = positions[scores > kth]
        room = k - len(positions)
        if len(tied) > room:
            tied_km = pool.distance_km(arrays, tied)
            cut = np.partition(tied_km, room - 1)[room - 1]
            tied = tied[tied_km <= cut]
        positions = np.concatenate([positions, tied])
        scores = pool.score[positions]
    distance = pool.distance_km(arrays, positions)
    order = np.lexsort((arrays.rows.ids[pool.rows[positions]], distance, -scores))
    return positions[order[:k]]


def _nearest(arrays: IndexArrays, pool: Pool, positions: np.ndarray, k: int) -> np.ndarray:
    """Return the nearest k positions: distance asc, then score desc, then id asc."""
    if k <= 0 or len(positions) == 0:
        return np.empty(0, np.int64)
    distance = pool.distance_km(arrays, positions)
    if len(positions) > k:
        cut = np.partition(distance, k - 1)[k - 1]
        keep = distance <= cut
        positions, distance = positions[keep], distance[keep]
    pool.complete_text(arrays, positions)
    order = np.lexsort((arrays.rows.ids[pool.rows[positions]], -pool.score[positions],
                        distance))
    return positions[order[:k]]


def build_matches(arrays: IndexArrays, weights: Weights, screening: Screening, pool: Pool,
                  positions: np.ndarray, writer: ReasonWriter) -> tuple[Match, ...]:
    """Return a :class:`Match`, with parts and reasons, for each pool position."""
    if len(positions) == 0:
        return ()
    pool.complete_text(arrays, positions)
    distance = pool.distance_km(arrays, positions).tolist()
    rows = pool.rows[positions]
    role_level = pool.role_level[positions]
    values = np.vstack([
        pool.proximity[positions],
        screening.event_group_fit[pool.event_groups[positions]],
        pool.needs[positions],
        screening.ladder_fit[role_level],
        arrays.rows.availability[rows],
        arrays.responsiveness(weights, rows),
        pool.text[positions],
        pool.supervision[positions],
    ])
    multipliers = np.array([getattr(weights, name) for name in PART_NAMES])
    contributions = (values * multipliers[:, None]).T.tolist()
    terms = [()] * len(rows)
    if pool.text_query is not None:
        terms = arrays.text.shared_terms(pool.text_query, rows)
    candidates = [arrays.candidates[row] for row in rows.tolist()]
    roles = screening.roles_of(arrays, role_level, [c.roles for c in candidates])
    scores = pool.score[positions].tolist()
    available = pool.available[positions].tolist()
    in_person = pool.in_person[positions].tolist()
    supervision = values[7].tolist()
    days = arrays.rows.days_inactive[rows].tolist()
    matches = []
    for j, candidate in enumerate(candidates):
        matches.append(Match(
            id=candidate.id,
            score=scores[j],
            distance_km=distance[j],
            available=available[j],
            waitlist=not available[j],
            mode="in_person" if in_person[j] else "online",
            roles=roles[j],
            parts=MappingProxyType(dict(zip(PART_NAMES, contributions[j], strict=True))),
            reasons=writer.reasons(
                candidate, distance_km=distance[j], in_person=in_person[j],
                available=available[j], supervision=supervision[j],
                days_since_active=days[j], text_terms=terms[j]),
        ))
    return tuple(matches)
