"""Ranking: hard rules as vectorised masks, score parts, top-k and fallbacks.

A query runs in three steps:

1. Profiles. The location-independent rules (role, event group, online only,
   ladder) and score parts (event-group fit, ladder fit) depend only on a
   supporter's roles and level, and event groups. They are evaluated once per
   distinct value (a few dozen, a few hundred), and rows look theirs up; what
   each rule removed is counted over precomputed joint counts.
2. Rows. In person: a BallTree radius query finds the supporters inside the
   search radius, and the mutual radius is checked on that subset with chord
   arithmetic. Online: online supporters are stored in blocks sharing roles,
   level, event groups and availability; blocks are scored best bound first
   and a block whose bound cannot reach the k-th score found is skipped.
3. Top k. ``np.partition`` finds the k-th best score; only rows at or above it
   are sorted (score desc, distance asc, id asc), and only the returned rows
   get reasons. Text similarity, the one costly part, is computed only for rows
   that could still reach the top k with it (it adds at most its weight).

Every score is computed row by row with the same operations in the same
order, whichever path a row takes, so pruning never changes a result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from ._errors import InvalidInput
from ._geo import EARTH_RADIUS_KM, chord_from_km, km_from_chord, unit_vectors
from ._reasons import ReasonWriter, explain
from ._results import RULES, Diagnostics, Fallbacks, Match, RankResult
from ._rules import ALL_ROLES, ROLE_BIT, ladder_fit, role_mask, roles_of_mask
from ._text import QueryText
from ._types import SUPPORT_ROLES, Query
from ._weights import PART_NAMES, Weights

if TYPE_CHECKING:
    from ._index import SupportIndex

__all__ = ["SUPERVISION_NEARBY_KM", "Pool", "Profiles", "evaluate", "profiles", "rank"]

#: An assistant coach's supervisor counts as nearby within this distance.
SUPERVISION_NEARBY_KM = 10.0

#: Ladder fit given to every supporter when the coach's level is unknown.
UNKNOWN_LEVEL_FIT = 0.5

# BallTree decides membership with its own float arithmetic; ask it for a hair
# more than the radius and let the chord test decide exactly.
_RADIUS_SLACK = 1e-9
# Online blocks scored per step while looking for the top k, and how many
# online rows are simply all scored.
_CHUNK_BLOCKS = 256
_SCORE_ALL_ROWS = 6000
_PROFILE_CACHE_SIZE = 512
# Needs coverage uses lookup tables for up to this many query needs.
_MAX_LOOKUP_NEEDS = 12
_BYTE_VALUES = np.arange(256)
_GRACE_KM = 0.001
_NICE_RADII_KM = (5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000,
                  1500, 2000, 3000, 5000, 10000, 20016)


@dataclass(slots=True)
class Profiles:
    """Location-independent rules and score parts of one query.

    Tables are indexed by a row's (roles, level) id and event-group-set code.
    """

    wanted: int
    mode: str
    rl_ok: np.ndarray              # per (roles, level): role and ladder rules pass
    group_ok: np.ndarray | None    # per event-group set, when event groups are a rule
    rl_score: np.ndarray           # weighted ladder fit
    group_score: np.ndarray        # weighted event-group fit
    group_fit: np.ndarray
    ladder_fit: np.ndarray
    matched: np.ndarray            # per (roles, level): role bits passing the ladder rule
    needs: NeedsTable
    removed: dict[str, int]        # the four location-independent rules
    n_passed: int
    n_passed_online: int

    def passes(self, index: SupportIndex, rows: np.ndarray) -> np.ndarray:
        """Return which rows pass every location-independent rule."""
        ok = self.rl_ok[index._rl_id[rows]]
        if self.group_ok is not None:
            ok &= self.group_ok[index._group_code[rows]]
        if self.mode == "online":
            ok &= index._online[rows]
        return ok


@dataclass(slots=True)
class Pool:
    """Scored rows of one query, with what is needed to rank and explain them."""

    rows: np.ndarray          # positions in the index
    rl: np.ndarray            # (roles, level) id of each row
    group: np.ndarray         # event-group-set code of each row
    chord: np.ndarray         # unit-sphere chord to the coach; NaN until needed
    in_person: np.ndarray     # inside the mutual radius (else matched online)
    proximity: np.ndarray
    needs: np.ndarray
    supervision: np.ndarray
    text: np.ndarray
    text_known: np.ndarray    # text similarity computed (else 0, a lower bound)
    score: np.ndarray         # exact where text_known, else a lower bound
    available: np.ndarray
    query_xyz: tuple[float, float, float]
    text_query: QueryText | None
    text_weight: float

    def distance_km(self, index: SupportIndex, positions: np.ndarray) -> np.ndarray:
        """Return distances for pool positions, computing missing chords once."""
        chord = self.chord[positions]
        missing = np.isnan(chord)
        if missing.any():
            todo = positions[missing]
            self.chord[todo] = _chord(index, self.rows[todo], self.query_xyz)
            chord = self.chord[positions]
        return km_from_chord(chord)

    def complete_text(self, index: SupportIndex, positions: np.ndarray | None = None) -> None:
        """Compute text similarity (and so the exact score) for pool positions."""
        if self.text_query is None:
            return
        if positions is None:
            positions = np.arange(len(self.rows))
        positions = positions[~self.text_known[positions]]
        if not len(positions):
            return
        sims = index._text.similarities(self.text_query, self.rows[positions])
        self.text[positions] = sims
        # The text term is added last, so a lower bound plus the weight bounds it.
        self.score[positions] = self.score[positions] + self.text_weight * sims
        self.text_known[positions] = True


@dataclass(slots=True)
class Tally:
    """Counts of one query's location rules and survivors."""

    outside_radius: int
    travel_distance: int
    passed: int
    available: int


# ----------------------------------------------------------------------------- public
def rank(index: SupportIndex, query: Query, weights: Weights, *, limit: int | None,
         fallback_below: int, fallback_limit: int) -> RankResult:
    """Rank supporters for a query (see :meth:`SupportIndex.rank`)."""
    if not isinstance(query, Query):
        raise TypeError("query must be a Query")
    if not isinstance(weights, Weights):
        raise TypeError("weights must be a Weights")
    k = query.limit if limit is None else limit
    for name, value, lowest in (("limit", k, 1), ("fallback_below", fallback_below, 0),
                                ("fallback_limit", fallback_limit, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise InvalidInput(name, f"must be a whole number of at least {lowest}")

    prof = profiles(index, query, weights)
    text_query = text_vector(index, query, weights)
    pool, tally = evaluate(index, query, weights, prof, text_query, k=k)
    chosen = select(index, pool, k)
    writer = ReasonWriter(query, index.labels, index.related_groups)
    matches = build_matches(index, weights, prof, pool, chosen, writer)

    n_available = tally.available
    removed = dict(prof.removed, outside_radius=tally.outside_radius,
                   travel_distance=tally.travel_distance)
    diagnostics = Diagnostics(
        considered=len(index),
        removed=MappingProxyType({rule: int(removed[rule]) for rule in RULES}),
        passed=tally.passed,
        available=n_available,
        waitlist=tally.passed - n_available,
    )
    fallbacks = explanation = None
    if n_available < min(fallback_below, k):
        fallbacks = _fallbacks(index, query, weights, prof, pool, writer, fallback_limit)
        explanation = explain(query, diagnostics, fallbacks, index.labels)
    return RankResult(matches=matches, diagnostics=diagnostics, fallbacks=fallbacks,
                      explanation=explanation, weights_version=weights.version)


def profiles(index: SupportIndex, query: Query, weights: Weights) -> Profiles:
    """Evaluate the location-independent rules and parts for the query.

    Many coaches ask alike (same roles, level, event groups, mode), so the
    result is cached on the index by exactly what it depends on.
    """
    key = (query.roles, query.level, query.event_groups, query.require_event_group,
           query.mode, tuple(query.needs.items()), weights.event_group, weights.ladder,
           weights.related_group)
    cached = index._profile_cache.get(key)
    if cached is None:
        cached = _profiles(index, query, weights)
        if len(index._profile_cache) >= _PROFILE_CACHE_SIZE:
            index._profile_cache.clear()  # simple and bounded; refills with what is asked
        index._profile_cache[key] = cached
    return cached


def _profiles(index: SupportIndex, query: Query, weights: Weights) -> Profiles:
    wanted = role_mask(query.roles) or ALL_ROLES

    # Per distinct (roles, level): role rule, ladder rule and fit, matched roles.
    rl_role = index._rl_role
    role_ok = (rl_role & wanted) != 0
    # An unknown coach level: every rung allowed, a neutral fit for all.
    unknown = query.level is None
    gap = index._rl_level - (0 if unknown else query.level)
    ladder_ok = np.zeros(len(rl_role), bool)
    lad_fit = np.zeros(len(rl_role))
    matched = np.zeros(len(rl_role), np.uint8)
    for role in SUPPORT_ROLES:  # canonical order keeps the max identical everywhere
        bit = ROLE_BIT[role]
        if not wanted & bit:
            continue
        allowed, fit = ladder_fit(role, gap)
        if unknown:
            allowed, fit = np.ones_like(allowed), np.full_like(fit, UNKNOWN_LEVEL_FIT)
        ok = allowed & ((rl_role & bit) != 0)
        ladder_ok |= ok
        matched |= np.where(ok, bit, 0).astype(np.uint8)
        lad_fit = np.maximum(lad_fit, np.where(ok, fit, 0.0))
    group_fit = _group_fit(index, query, weights)
    # Requiring an event group means nothing when the coach named none.
    group_ok = group_fit > 0 if query.require_event_group and query.event_groups else None

    # Count what each rule removes, in rule order, over joint counts.
    if group_ok is None:
        count = index._rl_online_count.ravel()          # (roles+level, online) pairs
        rl = np.repeat(np.arange(len(rl_role)), 2)
        online = np.tile([False, True], len(rl_role))
        groups_pass = np.ones(len(count), bool)
    else:
        count, rl, online = index._p_count, index._p_rl, index._p_online
        groups_pass = group_ok[index._p_group]
    removed = {"role": 0, "event_group": 0, "online_only": 0, "ladder": 0}
    alive = role_ok[rl]
    removed["role"] = int(count[~alive].sum())
    removed["event_group"] = int(count[alive & ~groups_pass].sum())
    alive &= groups_pass
    if query.mode == "online":
        removed["online_only"] = int(count[alive & ~online].sum())
        alive &= online
    removed["ladder"] = int(count[alive & ~ladder_ok[rl]].sum())
    alive &= ladder_ok[rl]
    return Profiles(
        wanted=wanted,
        mode=query.mode,
        rl_ok=role_ok & ladder_ok,
        group_ok=group_ok,
        rl_score=weights.ladder * lad_fit,
        group_score=weights.event_group * group_fit,
        group_fit=group_fit,
        ladder_fit=lad_fit,
        matched=matched,
        needs=NeedsTable(index._need_bit, query),
        removed=removed,
        n_passed=int(count[alive].sum()),
        n_passed_online=int(count[alive & online].sum()),
    )


def text_vector(index: SupportIndex, query: Query, weights: Weights) -> QueryText | None:
    """Return the query's TF-IDF vector, or None when text cannot count."""
    if weights.text == 0 or not query.goals_text.strip() or not len(index):
        return None
    return index._text.query_vector(query.goals_text)


def evaluate(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
             text_query, *, k: int | None = None) -> tuple[Pool, Tally]:
    """Apply the location rules and score the passing supporters.

    With ``k`` given, online supporters that cannot reach the top k are counted
    but not scored; with ``k=None`` every passing supporter is scored (cohort
    allocation needs them all). Text similarity is left to be completed on
    demand (see :meth:`Pool.complete_text`).
    """
    xyz = _query_xyz(query)
    empty_i = np.empty(0, np.int64)
    ball, ball_chord, ball_in_person = empty_i, np.empty(0), np.empty(0, bool)
    outside = travel = 0
    if query.mode != "online" and len(index):
        ball = _ball(index, query, query.radius_km)
        ball = ball[prof.passes(index, ball)]
        ball_chord = _chord(index, ball, xyz)
        in_radius = ball_chord <= float(chord_from_km(query.radius_km))
        in_travel = ball_chord <= index._travel_chord[ball]
        ball_in_person = in_radius & in_travel
        if query.mode == "either":
            # Online supporters pass wherever they are; they are not counted as
            # removed by the radius or their travel distance.
            rescued = index._online[ball]
            keep = ball_in_person | rescued
            inside = int(np.count_nonzero(in_radius & ~rescued))
            travel = int(np.count_nonzero(in_radius & ~in_travel & ~rescued))
            outside = prof.n_passed - prof.n_passed_online - inside
        else:
            keep = ball_in_person
            inside = int(np.count_nonzero(in_radius))
            travel = inside - int(np.count_nonzero(ball_in_person))
            outside = prof.n_passed - inside
        ball, ball_chord, ball_in_person = ball[keep], ball_chord[keep], ball_in_person[keep]
    pool = score_rows(index, query, weights, prof, ball, ball_chord, ball_in_person, text_query,
                      xyz=xyz, mode=query.mode)
    passed = len(pool.rows)
    available = int(np.count_nonzero(pool.available))
    if query.mode != "in_person" and len(index):
        pool, n_online, n_online_available = _online(
            index, query, weights, prof, text_query, xyz, pool, k)
        passed += n_online
        available += n_online_available
    return pool, Tally(outside, travel, passed, available)


def _online(index: SupportIndex, query: Query, weights: Weights, prof: Profiles, text_query,
            xyz: tuple[float, float, float], pool: Pool, k: int | None) -> tuple[Pool, int, int]:
    """Add the online supporters outside the ball that could reach the top k to a pool.

    Returns the pool, and how many online supporters outside the ball pass (and
    how many of those are available).
    """
    blocks = np.flatnonzero(prof.rl_ok[index._block_rl])
    if prof.group_ok is not None:
        blocks = blocks[prof.group_ok[index._block_group[blocks]]]
    sizes = index._block_size[blocks]
    is_available = index._block_available[blocks]

    # Online supporters inside the ball were scored there, with their distance.
    in_ball = pool.rows[index._online[pool.rows]]
    in_ball_available = int(np.count_nonzero(index._capacity[in_ball] > 0))
    n_available = int(sizes[is_available].sum()) - in_ball_available
    n_waiting = int(sizes[~is_available].sum()) - (len(in_ball) - in_ball_available)
    all_available = int(np.count_nonzero(pool.available)) + n_available
    seen = None
    if len(in_ball):
        seen = np.zeros(len(index), bool)
        seen[in_ball] = True

    if k is None or int(sizes.sum()) <= _SCORE_ALL_ROWS:
        # Everything (allocation needs every pair), or few enough that bounds
        # would cost more than scoring.
        rows = _block_rows(index, blocks, seen)
        return _concat(pool, _score_online(index, query, weights, prof, rows, text_query, xyz)), \
            n_available + n_waiting, n_available

    # An assistant coach's own club is scored row by row (the supervision boost
    # depends on the club), which keeps the block bounds tight for everyone else.
    club = index._club_codes.get(query.club) if query.club is not None else None
    if query.level == 0 and club is not None:
        lo, hi = index._online_club_bounds[club], index._online_club_bounds[club + 1]
        club_rows = index._online_by_club[lo:hi]
        club_rows = club_rows[prof.passes(index, club_rows)]
        if seen is not None:
            club_rows = club_rows[~seen[club_rows]]
        if len(club_rows):
            seen = np.zeros(len(index), bool) if seen is None else seen
            seen[club_rows] = True
            pool = _concat(pool, _score_online(index, query, weights, prof, club_rows,
                                               text_query, xyz))

    bound = _block_bounds(index, weights, prof, blocks, text_query, query)
    pools = [pool]
    if all_available >= k:
        # Enough available supporters: the waitlist is never shown.
        wanted, need = True, k
    else:
        # Every available supporter is shown; the waitlist fills the rest.
        rows = _block_rows(index, blocks[is_available], seen)
        pools.append(_score_online(index, query, weights, prof, rows, text_query, xyz))
        wanted, need = False, k - all_available
    blocks, bound = blocks[is_available == wanted], bound[is_available == wanted]
    best = np.concatenate([_best_scores(index, p, p.available == wanted, need) for p in pools])
    # Best-bound blocks first, a chunk at a time. The k-th best score found so
    # far never exceeds the true k-th score, so a block whose bound is below it
    # cannot place a row in the top k (nor tie with it) and is skipped.
    while len(blocks):
        if len(best) >= need:
            best = np.partition(best, len(best) - need)[len(best) - need:]
            keep = bound >= best.min()
            blocks, bound = blocks[keep], bound[keep]
            if not len(blocks):
                break
        m = min(_CHUNK_BLOCKS, len(blocks))
        top = np.argpartition(-bound, m - 1)[:m] if m < len(blocks) else np.arange(m)
        chunk = _score_online(index, query, weights, prof, _block_rows(index, blocks[top], seen),
                              text_query, xyz)
        pools.append(chunk)
        best = np.concatenate([best, _best_scores(index, chunk, chunk.available == wanted, need)])
        blocks, bound = np.delete(blocks, top), np.delete(bound, top)
    return _concat(*pools), n_available + n_waiting, n_available


def _best_scores(index: SupportIndex, pool: Pool, mask: np.ndarray, k: int) -> np.ndarray:
    """Return the k best scores among masked rows, exact (text computed for them).

    Rows without text have lower-bound scores, so these may not be the true k
    best, but each is an exact score of a distinct row: their k-th is at most
    the true k-th best score.
    """
    positions = np.flatnonzero(mask)
    if k <= 0 or not len(positions):
        return np.empty(0)
    if len(positions) > k:
        positions = positions[np.argpartition(-pool.score[positions], k - 1)[:k]]
    pool.complete_text(index, positions)
    return pool.score[positions]


def _score_online(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
                  rows: np.ndarray, text_query, xyz: tuple[float, float, float]) -> Pool:
    """Score rows matched online (no distance needed until shown)."""
    return score_rows(index, query, weights, prof, rows, None, None, text_query, xyz=xyz,
                      mode=query.mode)


def _block_bounds(index: SupportIndex, weights: Weights, prof: Profiles, blocks: np.ndarray,
                  text_query, query: Query) -> np.ndarray:
    """Return an upper bound of the score of any supporter in each online block.

    Rows in a block share roles, level, event groups and availability; they
    differ in needs (bounded by the block's union of needs), responsiveness
    (bounded by the block's best) and text (bounded by the block's largest
    weight of each query term). Proximity is neutral online, and same-club
    supervision is scored separately.
    """
    static_max = index._static_score(weights)[1][blocks]
    group = prof.group_score[index._block_group[blocks]]
    ladder = prof.rl_score[index._block_rl[blocks]]
    needs = prof.needs.coverage(index._block_needs[:, blocks])
    bound = (static_max + (group + ladder) + weights.needs * needs
             + weights.proximity * weights.online_proximity)
    if text_query is not None:
        text = index._text.block_bounds(text_query, len(index._block_start))[blocks]
        bound = bound + weights.text * text
    # The rows add the same terms in another order; allow for rounding.
    return bound * (1.0 + 1e-12) + 1e-12


def _block_rows(index: SupportIndex, blocks: np.ndarray, seen: np.ndarray | None) -> np.ndarray:
    """Return the rows of online blocks, leaving out those already seen."""
    sizes = index._block_size[blocks]
    total = int(sizes.sum())
    if not total:
        return np.empty(0, np.int64)
    # Vectorised concatenation of ranges [start, start + size).
    offsets = np.repeat(index._block_start[blocks] - (np.cumsum(sizes) - sizes), sizes)
    rows = index._online_rows[np.arange(total) + offsets]
    return rows if seen is None else rows[~seen[rows]]


def _concat(*pools: Pool) -> Pool:
    """Return pools of the same query as one."""
    pools = [p for p in pools if len(p.rows)] or list(pools[:1])
    if len(pools) == 1:
        return pools[0]
    joined = {name: np.concatenate([getattr(p, name) for p in pools])
              for name in ("rows", "rl", "group", "chord", "in_person", "proximity", "needs",
                           "supervision", "text", "text_known", "score", "available")}
    first = pools[0]
    return Pool(**joined, query_xyz=first.query_xyz, text_query=first.text_query,
                text_weight=first.text_weight)


def score_rows(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
               rows: np.ndarray, chord: np.ndarray | None, in_person: np.ndarray | None,
               text_query, *, xyz: tuple[float, float, float], mode: str) -> Pool:
    """Score given rows (text similarity pending); ``in_person`` marks in-person matches.

    ``chord=None`` and ``in_person=None`` mean rows matched online whose
    distance is not known yet. Every part is computed row by row with the same
    operations in the same order, so a supporter's score does not depend on
    which others are scored (terms that are zero for every row are skipped:
    adding zero changes nothing).
    """
    rows = rows.astype(np.int64, copy=False)
    n = len(rows)
    rl = index._rl_id[rows]
    group = index._group_code[rows]
    chord = np.full(n, np.nan) if chord is None else chord.astype(np.float64, copy=True)
    in_person = np.zeros(n, bool) if in_person is None else in_person

    # Proximity decays with distance in person and is neutral online. Someone
    # who could meet in person and also offers online keeps the better of the
    # two, so moving closer never lowers a score.
    neutral = weights.online_proximity
    proximity = np.full(n, neutral)
    distance = None
    if mode != "online" and in_person.any():
        half = weights.proximity_half_km
        distance = km_from_chord(chord)  # known: rows matched in person come with chords
        real = half / (half + distance)
        if mode == "either":
            real = np.where(index._online[rows], np.maximum(real, neutral), real)
        proximity = np.where(in_person, real, neutral)

    needs = prof.needs.coverage(index._needs_bits, rows)
    score = index._static_score(weights)[0][rows] + (prof.group_score[group] + prof.rl_score[rl])
    score += weights.needs * needs
    score += weights.proximity * proximity

    supervision = np.zeros(n)
    if query.level == 0 and n:
        # Assistant coaches work under supervision: prefer someone above them
        # from their own club, then someone nearby.
        above = index._rl_level[rl] > query.level
        club = index._club_codes.get(query.club, -2) if query.club is not None else -2
        supervision = np.where(above & (index._club_code[rows] == club), 1.0, 0.0)
        if distance is not None:
            nearby = above & in_person & (distance <= SUPERVISION_NEARBY_KM)
            supervision = np.where((supervision == 0.0) & nearby, 0.5, supervision)
        score += weights.supervision * supervision
    return Pool(rows=rows, rl=rl, group=group, chord=chord, in_person=in_person,
                proximity=proximity, needs=needs, supervision=supervision, text=np.zeros(n),
                text_known=np.full(n, text_query is None), score=score,
                available=index._capacity[rows] > 0, query_xyz=xyz,
                text_query=text_query, text_weight=weights.text)


def select(index: SupportIndex, pool: Pool, k: int) -> np.ndarray:
    """Return the pool positions of the top k: available ones first, then waitlist."""
    available = np.flatnonzero(pool.available)
    chosen = _top(index, pool, available, k)
    if len(chosen) < k:
        waitlist = np.flatnonzero(~pool.available)
        chosen = np.concatenate([chosen, _top(index, pool, waitlist, k - len(chosen))])
    return chosen


def build_matches(index: SupportIndex, weights: Weights, prof: Profiles, pool: Pool,
                  positions: np.ndarray, writer: ReasonWriter) -> tuple[Match, ...]:
    """Return a :class:`Match`, with parts and reasons, for each pool position."""
    if len(positions) == 0:
        return ()
    pool.complete_text(index, positions)
    distance = pool.distance_km(index, positions).tolist()
    rows = pool.rows[positions]
    rl = pool.rl[positions]
    values = np.vstack([
        pool.proximity[positions],
        prof.group_fit[pool.group[positions]],
        pool.needs[positions],
        prof.ladder_fit[rl],
        index._availability[rows],
        index._responsiveness(weights, rows),
        pool.text[positions],
        pool.supervision[positions],
    ])
    multipliers = np.array([getattr(weights, name) for name in PART_NAMES])
    contributions = (values * multipliers[:, None]).T.tolist()
    terms = [()] * len(rows)
    if pool.text_query is not None:
        terms = index._text.shared_terms(pool.text_query, rows)
    matched = prof.matched[rl].tolist()
    scores = pool.score[positions].tolist()
    available = pool.available[positions].tolist()
    in_person = pool.in_person[positions].tolist()
    supervision = values[7].tolist()
    days = index._days[rows].tolist()
    matches = []
    for j, row in enumerate(rows.tolist()):
        candidate = index._candidates[row]
        mask = matched[j] or (role_mask(candidate.roles) & prof.wanted)
        matches.append(Match(
            id=candidate.id,
            score=scores[j],
            distance_km=distance[j],
            available=available[j],
            waitlist=not available[j],
            mode="in_person" if in_person[j] else "online",
            roles=roles_of_mask(mask),
            parts=MappingProxyType(dict(zip(PART_NAMES, contributions[j], strict=True))),
            reasons=writer.reasons(
                candidate, distance_km=distance[j], in_person=in_person[j],
                available=available[j], supervision=supervision[j],
                days_since_active=days[j], text_terms=terms[j]),
        ))
    return tuple(matches)


# --------------------------------------------------------------------------- helpers
def _query_xyz(query: Query) -> tuple[float, float, float]:
    x, y, z = unit_vectors(np.array([query.lat]), np.array([query.lon]))
    return float(x[0]), float(y[0]), float(z[0])


def _chord(index: SupportIndex, rows: np.ndarray, xyz: tuple[float, float, float]) -> np.ndarray:
    dx = index._x[rows] - xyz[0]
    dy = index._y[rows] - xyz[1]
    dz = index._z[rows] - xyz[2]
    return np.sqrt(dx * dx + dy * dy + dz * dz)


def _ball(index: SupportIndex, query: Query, radius_km: float) -> np.ndarray:
    """Return the rows within (a hair more than) a radius of the coach."""
    point = np.radians(np.array([[query.lat, query.lon]]))
    radius = radius_km / EARTH_RADIUS_KM * (1.0 + _RADIUS_SLACK) + 1e-12
    return index._tree.query_radius(point, r=radius)[0].astype(np.int64, copy=False)


def _group_fit(index: SupportIndex, query: Query, weights: Weights) -> np.ndarray:
    """Return the event-group fit of each distinct event-group set."""
    members = index._group_members
    total = np.zeros(members.shape[0])
    if not query.event_groups:
        return total
    none = np.zeros(members.shape[0], bool)
    groups = sorted(query.event_groups)
    for group in groups:  # sorted, so the sum is the same in every index
        pos = index._group_pos.get(group)
        exact = members[:, pos] if pos is not None else none
        related_cols = [index._group_pos[r] for r in sorted(index.related_groups.get(group, ()))
                        if r in index._group_pos]
        related = members[:, related_cols].any(axis=1) if related_cols else none
        total = total + np.where(exact, 1.0, np.where(related, weights.related_group, 0.0))
    return total / len(groups)


class NeedsTable:
    """Needs coverage of one query, as lookup tables.

    Each row's covered needs become a small subset code through one lookup
    table per byte of need bits, and the code indexes the precomputed coverage
    of that subset. Subset sums add priorities in need-key order, as the plain
    definition does, so a score never depends on how an index happened to lay
    its need bits out.
    """

    def __init__(self, need_bit: Mapping[str, tuple[int, int]], query: Query) -> None:
        self.total = math.fsum(query.needs.values())
        self.known = [(need_bit[k], p) for k, p in query.needs.items()
                      if k in need_bit and p > 0]  # need-key order
        self.tables: dict[int, np.ndarray] = {}
        self.values = np.zeros(1)
        if self.total == 0 or len(self.known) > _MAX_LOOKUP_NEEDS:
            return
        values = np.zeros(1)
        for j, ((byte, mask), priority) in enumerate(self.known):
            table = self.tables.setdefault(byte, np.zeros(256, np.int32))
            table[(_BYTE_VALUES & mask) != 0] |= 1 << j
            values = np.concatenate([values, values + priority])  # subset sums, key order
        self.values = values / self.total

    def coverage(self, bits: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Return the coverage of need-bit columns (all, or the given ones)."""
        n = bits.shape[1] if rows is None else len(rows)
        if self.total == 0 or not self.known or not n:
            return np.zeros(n)
        if not self.tables:  # too many needs for a subset table
            covered = np.zeros(n)
            for (byte, mask), priority in self.known:
                column = bits[byte] if rows is None else bits[byte, rows]
                covered = covered + priority * ((column & mask) != 0)
            return covered / self.total
        subset = None
        for byte, table in self.tables.items():
            code = table[bits[byte] if rows is None else bits[byte, rows]]
            subset = code if subset is None else subset | code
        return self.values[subset]


def _top(index: SupportIndex, pool: Pool, positions: np.ndarray, k: int) -> np.ndarray:
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
        pool.complete_text(index, unknown)
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
            tied_km = pool.distance_km(index, tied)
            cut = np.partition(tied_km, room - 1)[room - 1]
            tied = tied[tied_km <= cut]
        positions = np.concatenate([positions, tied])
        scores = pool.score[positions]
    distance = pool.distance_km(index, positions)
    order = np.lexsort((index._ids[pool.rows[positions]], distance, -scores))
    return positions[order[:k]]


def _fallbacks(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
               pool: Pool, writer: ReasonWriter, k: int) -> Fallbacks:
    """Find the nearest supporters beyond the radius, and the best online ones."""
    beyond: tuple[Match, ...] = ()
    wider = None
    within = 0
    if query.mode != "online" and len(index) and k > 0:
        rows, distance, searched = _beyond_radius(index, query, prof, k)
        if len(rows):
            # A round radius taking in the k nearest (a metre's grace: "within 40 km"
            # reads better than "within 50 km" for someone 40.0004 km away).
            farthest = distance[min(k, len(rows)) - 1] - _GRACE_KM
            wider = float(next(r for r in _NICE_RADII_KM
                               if r >= farthest or r == _NICE_RADII_KM[-1]))
            if wider > searched:
                _, distance, _ = _beyond_radius(index, query, prof, None, up_to=wider)
            in_person_now = int(np.count_nonzero(pool.in_person & pool.available))
            within = in_person_now + int(np.count_nonzero(distance <= wider + _GRACE_KM))
            top = rows[:k]
            extra = score_rows(index, query, weights, prof, top,
                               _chord(index, top, pool.query_xyz), np.ones(len(top), bool),
                               pool.text_query, xyz=pool.query_xyz, mode="in_person")
            beyond = build_matches(index, weights, prof, extra, np.arange(len(top)), writer)

    online: tuple[Match, ...] = ()
    online_count = 0
    if query.mode == "in_person" and len(index):
        online_query = replace(query, mode="online")
        online_prof = profiles(index, online_query, weights)
        online_pool, online_tally = evaluate(index, online_query, weights, online_prof,
                                             pool.text_query, k=k)
        online_count = online_tally.available
        best = _top(index, online_pool, np.flatnonzero(online_pool.available), k)
        online_writer = ReasonWriter(online_query, index.labels, index.related_groups)
        online = build_matches(index, weights, online_prof, online_pool, best, online_writer)
    return Fallbacks(beyond_radius=beyond, wider_radius_km=wider, within_wider_radius=within,
                     online=online, online_count=online_count)


def _beyond_radius(index: SupportIndex, query: Query, prof: Profiles, k: int | None, *,
                   up_to: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Return available rows passing every rule but the search radius, nearest first.

    The search widens (doubling) until ``k`` are found or nobody travels further,
    so everything nearer than the last radius searched has been seen.
    """
    xyz = _query_xyz(query)
    limit_km = min(index._max_travel_km, _NICE_RADII_KM[-1])
    radius = query.radius_km * 2 if up_to is None else up_to
    chord_r = float(chord_from_km(query.radius_km))
    while True:
        reach = min(radius, limit_km) if up_to is None else radius
        ball = _ball(index, query, reach)
        keep = prof.passes(index, ball) & (index._capacity[ball] > 0)
        if query.mode == "either":
            keep &= ~index._online[ball]  # online ones are results already
        ball = ball[keep]
        chord = _chord(index, ball, xyz)
        keep = ((chord > chord_r) & (chord <= index._travel_chord[ball])
                & (chord <= float(chord_from_km(reach))))
        ball, chord = ball[keep], chord[keep]
        if up_to is not None or (k is not None and len(ball) >= k) or reach >= limit_km:
            break
        radius *= 2
    distance = km_from_chord(chord)
    order = np.lexsort((index._ids[ball], distance))
    return ball[order], distance[order], reach
