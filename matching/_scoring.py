"""Ranking: hard rules as vectorised masks, score parts, top-k and fallbacks.

A query runs in three steps:

1. Profiles. The location-independent rules (country, role, event group,
   online only, ladder) and score parts (event-group fit, ladder fit) depend
   only on a supporter's roles, level, country and qualification framework,
   and event groups. They are evaluated once per distinct value (a few dozen,
   a few hundred), and rows look theirs up; what each rule removed is counted
   over precomputed joint counts.
2. Rows. In person: a BallTree radius query finds the supporters inside the
   search radius, and the mutual radius is checked on that subset with chord
   arithmetic. Online: online supporters are stored in blocks sharing roles,
   level, event groups and availability; blocks are scored best bound first
   and a block whose bound cannot reach the k-th score found is skipped.
3. Top k, per section. In-person matches and online matches are ranked apart
   (an online supporter never competes with a local one on distance credit).
   ``np.partition`` finds the k-th best score; only rows at or above it are
   sorted (score desc, distance asc, id asc), and only the returned rows get
   reasons. Text similarity, the one costly part, is computed only for rows
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
from ._reasons import ReasonWriter, explain, format_km
from ._results import RULES, Diagnostics, Fallbacks, Match, RankResult
from ._rules import ALL_ROLES, ROLE_BIT, ladder_fit, role_mask, roles_of_mask
from ._text import QueryText
from ._types import SUPPORT_ROLES, Query
from ._weights import PART_NAMES, Weights

if TYPE_CHECKING:
    from ._index import SupportIndex

__all__ = ["ORDERS", "SUPERVISION_NEARBY_KM", "Pool", "Profiles", "evaluate", "profiles",
           "rank"]

#: How the main list can be ordered: by best fit, or nearest first.
ORDERS = ("fit", "distance")

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

    Tables are indexed by a row's profile id (roles, level, country and
    framework) and event-group-set code.
    """

    wanted: int
    mode: str
    rl_ok: np.ndarray              # per profile: country, role and ladder rules pass
    group_ok: np.ndarray | None    # per event-group set, when event groups are a rule
    rl_score: np.ndarray           # weighted ladder fit
    group_score: np.ndarray        # weighted event-group fit
    group_fit: np.ndarray
    ladder_fit: np.ndarray
    matched: np.ndarray            # per profile: role bits passing the ladder rule
    needs: NeedsTable
    removed: dict[str, int]        # the location-independent rules
    n_passed: int
    n_passed_online: int
    named: np.ndarray | None = None  # per row, when the query names its supporters

    def passes(self, index: SupportIndex, rows: np.ndarray) -> np.ndarray:
        """Return which rows pass every location-independent rule."""
        ok = self.rl_ok[index._rl_id[rows]]
        if self.group_ok is not None:
            ok &= self.group_ok[index._group_code[rows]]
        if self.mode == "online":
            ok &= index._online[rows]
        if self.named is not None:
            ok &= self.named[rows]
        return ok


@dataclass(slots=True)
class Pool:
    """Scored rows of one query, with what is needed to rank and explain them."""

    rows: np.ndarray          # positions in the index
    rl: np.ndarray            # profile id of each row
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
    in_person: int = 0
    in_person_available: int = 0


# ----------------------------------------------------------------------------- public
def rank(index: SupportIndex, query: Query, weights: Weights, *, limit: int | None,
         offset: int = 0, online_limit: int | None = None, online_min: int | None = None,
         order: str = "fit", fallback_below: int, fallback_limit: int) -> RankResult:
    """Rank supporters for a query (see :meth:`SupportIndex.rank`)."""
    if not isinstance(query, Query):
        raise TypeError("query must be a Query")
    if not isinstance(weights, Weights):
        raise TypeError("weights must be a Weights")
    k = query.limit if limit is None else limit
    k_online = k if online_limit is None else online_limit
    for name, value, lowest in (("limit", k, 1), ("offset", offset, 0),
                                ("online_limit", k_online, 0),
                                ("online_min", 0 if online_min is None else online_min, 0),
                                ("fallback_below", fallback_below, 0),
                                ("fallback_limit", fallback_limit, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise InvalidInput(name, f"must be a whole number of at least {lowest}")
    if order not in ORDERS:
        raise InvalidInput("order", f"must be one of {', '.join(ORDERS)}")

    prof = profiles(index, query, weights)
    if query.only_ids is not None:
        prof = _named(index, query, prof)
    text_query = text_vector(index, query, weights)
    main_k = offset + k
    # The online rows are the main list of an online search, and a section of
    # their own beside the in-person list of an "either" search.
    online_k = {"online": main_k, "either": k_online, "in_person": 0}[query.mode]
    pool, tally = evaluate(index, query, weights, prof, text_query, k=online_k, sections=True)
    if query.mode == "online":
        main = select(index, pool, np.arange(len(pool.rows)), main_k)
        online = np.empty(0, np.int64)
    else:
        main = select(index, pool, np.flatnonzero(pool.in_person), main_k, order=order)
        online = (select(index, pool, np.flatnonzero(~pool.in_person), online_k)
                  if query.mode == "either" else np.empty(0, np.int64))
    if online_min is not None:
        # At least online_min, more to fill the page when few are near: only
        # those shown get reasons.
        online = online[:max(online_min, k - len(main[offset:]))]
    writer = ReasonWriter(query, index.labels, index.related_groups)
    matches = build_matches(index, weights, prof, pool, main[offset:], writer)
    online_matches = build_matches(index, weights, prof, pool, online, writer)

    removed = dict(prof.removed, outside_radius=tally.outside_radius,
                   travel_distance=tally.travel_distance)
    diagnostics = Diagnostics(
        considered=len(index),
        removed=MappingProxyType({rule: int(removed[rule]) for rule in RULES}),
        passed=tally.passed,
        available=tally.available,
        waitlist=tally.passed - tally.available,
        in_person=tally.in_person,
        in_person_available=tally.in_person_available,
        online=tally.passed - tally.in_person,
        online_available=tally.available - tally.in_person_available,
    )
    fallbacks = explanation = None
    shown_available = (diagnostics.online_available if query.mode == "online"
                       else diagnostics.in_person_available)
    if shown_available < min(fallback_below, main_k):
        fallbacks = _fallbacks(index, query, weights, prof, pool, writer, fallback_limit,
                               diagnostics)
        explanation = explain(query, diagnostics, fallbacks, index.labels)
    return RankResult(matches=matches, diagnostics=diagnostics, fallbacks=fallbacks,
                      explanation=explanation, weights_version=weights.version,
                      online=online_matches)


def profiles(index: SupportIndex, query: Query, weights: Weights) -> Profiles:
    """Evaluate the location-independent rules and parts for the query.

    Many coaches ask alike (same roles, level, event groups, mode), so the
    result is cached on the index by exactly what it depends on.
    """
    key = (query.roles, query.level, query.framework, query.countries, query.event_groups,
           query.require_event_group, query.mode, tuple(query.needs.items()),
           weights.event_group, weights.ladder, weights.related_group)
    cached = index._profile_cache.get(key)
    if cached is None:
        cached = _profiles(index, query, weights)
        if len(index._profile_cache) >= _PROFILE_CACHE_SIZE:
            index._profile_cache.clear()  # simple and bounded; refills with what is asked
        index._profile_cache[key] = cached
    return cached


def _profiles(index: SupportIndex, query: Query, weights: Weights) -> Profiles:
    wanted = role_mask(query.roles) or ALL_ROLES

    # Per distinct profile (roles, level, country, framework): the country,
    # role and ladder rules, ladder fit, and the roles matched.
    rl_role = index._rl_role
    role_ok = (rl_role & wanted) != 0
    country_ok = np.ones(len(rl_role), bool)
    if query.countries:
        codes = [index._country_codes[c] for c in query.countries if c in index._country_codes]
        country_ok = np.isin(index._rl_country, codes)
    # An unknown coach level, or a supporter's level on another framework's
    # ladder, cannot be compared: every rung is allowed, with a neutral fit.
    unknown = query.level is None
    gap = index._rl_level - (0 if unknown else query.level)
    comparable = np.full(len(rl_role), not unknown)
    if not unknown and query.framework is not None:
        own = index._framework_codes.get(query.framework, -1)
        comparable &= (index._rl_framework == own) | (index._rl_framework == 0)
    ladder_ok = np.zeros(len(rl_role), bool)
    lad_fit = np.zeros(len(rl_role))
    matched = np.zeros(len(rl_role), np.uint8)
    for role in SUPPORT_ROLES:  # canonical order keeps the max identical everywhere
        bit = ROLE_BIT[role]
        if not wanted & bit:
            continue
        allowed, fit = ladder_fit(role, gap)
        allowed = np.where(comparable, allowed, True)
        fit = np.where(comparable, fit, UNKNOWN_LEVEL_FIT)
        ok = allowed & ((rl_role & bit) != 0)
        ladder_ok |= ok
        matched |= np.where(ok, bit, 0).astype(np.uint8)
        lad_fit = np.maximum(lad_fit, np.where(ok, fit, 0.0))
    group_fit = _group_fit(index, query, weights)
    # Requiring an event group means nothing when the coach named none. The
    # rule asks whether a group or a related one is held, never what the
    # related-group weight makes of it: weights do not change rules.
    group_ok = (_group_held(index, query) if query.require_event_group and query.event_groups
                else None)

    # Count what each rule removes, in rule order, over joint counts.
    if group_ok is None:
        count = index._rl_online_count.ravel()          # (profile, online) pairs
        rl = np.repeat(np.arange(len(rl_role)), 2)
        online = np.tile([False, True], len(rl_role))
        groups_pass = np.ones(len(count), bool)
    else:
        count, rl, online = index._p_count, index._p_rl, index._p_online
        groups_pass = group_ok[index._p_group]
    removed = {}
    alive = country_ok[rl]
    removed["country"] = int(count[~alive].sum())
    removed["role"] = int(count[alive & ~role_ok[rl]].sum())
    alive &= role_ok[rl]
    removed["event_group"] = int(count[alive & ~groups_pass].sum())
    alive &= groups_pass
    removed["online_only"] = 0
    if query.mode == "online":
        removed["online_only"] = int(count[alive & ~online].sum())
        alive &= online
    removed["ladder"] = int(count[alive & ~ladder_ok[rl]].sum())
    alive &= ladder_ok[rl]
    removed["name"] = 0
    return Profiles(
        wanted=wanted,
        mode=query.mode,
        rl_ok=country_ok & role_ok & ladder_ok,
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


def _named(index: SupportIndex, query: Query, prof: Profiles) -> Profiles:
    """Return the profiles of a query that names its supporters (``only_ids``).

    The named supporters are few: they are checked row by row, and whoever
    passes the other location-independent rules but was not named counts as
    removed by the "name" rule.
    """
    positions = index._position_of()
    rows = np.fromiter((positions[i] for i in sorted(query.only_ids) if i in positions),
                       np.int64)
    rows = rows[prof.passes(index, rows)]
    named = np.zeros(len(index), bool)
    named[rows] = True
    n_online = int(np.count_nonzero(index._online[rows]))
    return replace(prof, named=named, n_passed=len(rows), n_passed_online=n_online,
                   removed=dict(prof.removed, name=prof.n_passed - len(rows)))


def text_vector(index: SupportIndex, query: Query, weights: Weights) -> QueryText | None:
    """Return the query's TF-IDF vector, or None when text cannot count."""
    if weights.text == 0 or not query.goals_text.strip() or not len(index):
        return None
    return index._text.query_vector(query.goals_text)


def evaluate(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
             text_query, *, k: int | None = None, sections: bool = False) -> tuple[Pool, Tally]:
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
                      xyz=xyz, mode=query.mode, online_credit=not sections)
    passed = len(pool.rows)
    available = int(np.count_nonzero(pool.available))
    in_person = int(np.count_nonzero(pool.in_person))
    in_person_available = int(np.count_nonzero(pool.in_person & pool.available))
    if query.mode != "in_person" and len(index):
        pool, n_online, n_online_available = _online(
            index, query, weights, prof, text_query, xyz, pool, k)
        passed += n_online
        available += n_online_available
    return pool, Tally(outside, travel, passed, available, in_person, in_person_available)


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
    seen = None
    if len(in_ball):
        seen = np.zeros(len(index), bool)
        seen[in_ball] = True

    if prof.named is not None:
        # A search by name: the few named supporters are simply all scored.
        rows = _block_rows(index, blocks, seen)
        rows = rows[prof.named[rows]]
        n_available = int(np.count_nonzero(index._capacity[rows] > 0))
        return _concat(pool, _score_online(index, query, weights, prof, rows, text_query, xyz)), \
            len(rows), n_available

    in_ball_available = int(np.count_nonzero(index._capacity[in_ball] > 0))
    n_available = int(sizes[is_available].sum()) - in_ball_available
    n_waiting = int(sizes[~is_available].sum()) - (len(in_ball) - in_ball_available)
    if k == 0:  # counted, none shown
        return pool, n_available + n_waiting, n_available
    if k is None or int(sizes.sum()) <= _SCORE_ALL_ROWS:
        # Everything (allocation needs every pair), or few enough that bounds
        # would cost more than scoring.
        rows = _block_rows(index, blocks, seen)
        return _concat(pool, _score_online(index, query, weights, prof, rows, text_query, xyz)), \
            n_available + n_waiting, n_available

    # The top k wanted are those of the online matches: rows of the pool
    # matched in person are ranked in a list of their own.
    online_in_pool = ~pool.in_person
    all_available = int(np.count_nonzero(pool.available & online_in_pool)) + n_available

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
    best = np.concatenate([_best_scores(index, p, (p.available == wanted) & ~p.in_person, need)
                           for p in pools])
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
               text_query, *, xyz: tuple[float, float, float], mode: str,
               online_credit: bool = False) -> Pool:
    """Score given rows (text similarity pending); ``in_person`` marks in-person matches.

    ``chord=None`` and ``in_person=None`` mean rows matched online whose
    distance is not known yet. Every part is computed row by row with the same
    operations in the same order, so a supporter's score does not depend on
    which others are scored (terms that are zero for every row are skipped:
    adding zero changes nothing). ``online_credit``: see :func:`evaluate`.
    """
    rows = rows.astype(np.int64, copy=False)
    n = len(rows)
    rl = index._rl_id[rows]
    group = index._group_code[rows]
    chord = np.full(n, np.nan) if chord is None else chord.astype(np.float64, copy=True)
    in_person = np.zeros(n, bool) if in_person is None else in_person

    # Proximity decays with distance in person and is neutral online (the same
    # for every online match, so it never orders them).
    neutral = weights.online_proximity
    proximity = np.full(n, neutral)
    distance = None
    if mode != "online" and in_person.any():
        half = weights.proximity_half_km
        distance = km_from_chord(chord)  # known: rows matched in person come with chords
        real = half / (half + distance)
        if mode == "either" and online_credit:
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


def select(index: SupportIndex, pool: Pool, positions: np.ndarray, k: int, *,
           order: str = "fit") -> np.ndarray:
    """Return the best k of some pool positions: available ones first, then waitlist.

    ``order="fit"`` ranks by score (ties: nearer, then lower id);
    ``order="distance"`` nearest first (ties: better score, then lower id).
    """
    top = _nearest if order == "distance" else _top
    available = positions[pool.available[positions]]
    chosen = top(index, pool, available, k)
    if len(chosen) < k:
        waitlist = positions[~pool.available[positions]]
        chosen = np.concatenate([chosen, top(index, pool, waitlist, k - len(chosen))])
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


def _group_held(index: SupportIndex, query: Query) -> np.ndarray:
    """Return whether each distinct event-group set holds a wanted group or a related one."""
    members = index._group_members
    wanted = set(query.event_groups)
    for group in query.event_groups:
        wanted |= index.related_groups.get(group, frozenset())
    cols = [index._group_pos[g] for g in sorted(wanted) if g in index._group_pos]
    if not cols:
        return np.zeros(members.shape[0], bool)
    return members[:, cols].any(axis=1)


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


def _nearest(index: SupportIndex, pool: Pool, positions: np.ndarray, k: int) -> np.ndarray:
    """Return the nearest k positions: distance asc, then score desc, then id asc."""
    if k <= 0 or len(positions) == 0:
        return np.empty(0, np.int64)
    distance = pool.distance_km(index, positions)
    if len(positions) > k:
        cut = np.partition(distance, k - 1)[k - 1]
        keep = distance <= cut
        positions, distance = positions[keep], distance[keep]
    pool.complete_text(index, positions)
    order = np.lexsort((index._ids[pool.rows[positions]], -pool.score[positions], distance))
    return positions[order[:k]]


def _fallbacks(index: SupportIndex, query: Query, weights: Weights, prof: Profiles,
               pool: Pool, writer: ReasonWriter, k: int, diagnostics: Diagnostics) -> Fallbacks:
    """Offer the nearest in person beyond the radius, a wider radius, then online ones."""
    beyond: tuple[Match, ...] = ()
    wider = None
    within = 0
    if query.mode != "online" and len(index) and k > 0:
        # Those who travel that far would be found by a wider search. When
        # nobody is free in person, nearer ones who do not travel that far fill
        # the list (the coach could go to them), and in a place nobody travels
        # to they are all there is to offer.
        rows, distance, _ = _beyond_radius(index, query, prof, k, travels=True)
        if len(rows) < k and diagnostics.in_person_available == 0:
            up_to = float(distance[-1]) if len(rows) else None
            more, more_km, _ = _beyond_radius(index, query, prof, k, travels=False, up_to=up_to)
            fresh = ~np.isin(more, rows)
            rows = np.concatenate([rows, more[fresh]])
            order = np.lexsort((index._ids[rows], np.concatenate([distance, more_km[fresh]])))
            rows = rows[order[:k]]
        if len(rows):
            chord = _chord(index, rows, pool.query_xyz)
            extra = score_rows(index, query, weights, prof, rows, chord, np.ones(len(rows), bool),
                               pool.text_query, xyz=pool.query_xyz, mode="in_person")
            beyond = build_matches(index, weights, prof, extra, np.arange(len(rows)), writer)
            too_far = (chord > index._travel_chord[rows]).tolist()
            beyond = tuple(_travel_noted(m, index._candidates[row]) if far else m
                           for m, row, far in zip(beyond, rows.tolist(), too_far, strict=True))
            # The smallest round radius that finds someone: the nearest beyond
            # the radius who travels that far (a metre's grace: "within 40 km"
            # reads better than "within 50 km" for someone 40.0004 km away).
            near, near_km, _ = _beyond_radius(index, query, prof, 1, travels=True)
            if len(near):
                wider = float(next(r for r in _NICE_RADII_KM
                                   if r >= near_km[0] - _GRACE_KM or r == _NICE_RADII_KM[-1]))
                _, found, _ = _beyond_radius(index, query, prof, None, travels=True,
                                             up_to=wider + _GRACE_KM)
                within = diagnostics.in_person_available + len(found)

    online: tuple[Match, ...] = ()
    online_count = diagnostics.online_available if query.mode == "either" else 0
    if query.mode == "in_person" and len(index):
        online_query = replace(query, mode="online")
        online_prof = profiles(index, online_query, weights)
        if prof.named is not None:
            online_prof = _named(index, online_query, online_prof)
        online_pool, online_tally = evaluate(index, online_query, weights, online_prof,
                                             pool.text_query, k=k, sections=True)
        online_count = online_tally.available
        best = _top(index, online_pool, np.flatnonzero(online_pool.available), k)
        online_writer = ReasonWriter(online_query, index.labels, index.related_groups)
        online = build_matches(index, weights, online_prof, online_pool, best, online_writer)
    return Fallbacks(beyond_radius=beyond, wider_radius_km=wider, within_wider_radius=within,
                     online=online, online_count=online_count)


def _travel_noted(match: Match, candidate) -> Match:
    """Return a beyond-radius match saying how far the supporter travels."""
    note = f"travels up to {format_km(candidate.travel_km)}"
    return replace(match, reasons=(match.reasons[0], note, *match.reasons[1:]))


def _beyond_radius(index: SupportIndex, query: Query, prof: Profiles, k: int | None, *,
                   travels: bool, up_to: float | None = None
                   ) -> tuple[np.ndarray, np.ndarray, float]:
    """Return available rows passing every rule but the search radius, nearest first.

    With ``travels``, only those whose own travel distance reaches the coach
    (widening the search would find them). The search widens (doubling) until
    ``k`` are found or nobody further could count, so everything nearer than
    the last radius searched has been seen.
    """
    xyz = _query_xyz(query)
    limit_km = _NICE_RADII_KM[-1]
    if travels:
        limit_km = min(index._max_travel_km, limit_km)
    if up_to is not None and up_to <= query.radius_km:
        return np.empty(0, np.int64), np.empty(0), up_to
    radius = query.radius_km * 2 if up_to is None else up_to
    chord_r = float(chord_from_km(query.radius_km))
    while True:
        reach = min(radius, limit_km) if up_to is None else radius
        ball = _ball(index, query, reach)
        # Online ones too: nearer than the rest, they could meet in person there.
        ball = ball[prof.passes(index, ball) & (index._capacity[ball] > 0)]
        chord = _chord(index, ball, xyz)
        keep = (chord > chord_r) & (chord <= float(chord_from_km(reach)))
        if travels:
            keep &= chord <= index._travel_chord[ball]
        ball, chord = ball[keep], chord[keep]
        if up_to is not None or (k is not None and len(ball) >= k) or reach >= limit_km:
            break
        radius *= 2
    distance = km_from_chord(chord)
    order = np.lexsort((index._ids[ball], distance))[:k]
    return ball[order], distance[order], reach
