"""The online search: the best online supporters, found by bounds.

Online supporters pass wherever they are, so a query accepting online support
could have to score every one of them. They are stored in blocks sharing
role-level group, event-group set and availability (see :class:`OnlineBlocks`);
rows of a block differ only in needs, responsiveness and bio, each bounded per
block. Blocks (a query shape's first time) or rows (a row's bound has its own
responsiveness; kept sorted for alike queries) are scored best bound first,
and those that cannot beat the k-th best found so far (a lower bound, or an
equal one and farther) are skipped unseen.
"""

from __future__ import annotations

import numpy as np

from ._arrays import IndexArrays
from ._geo import km_from_chord
from ._scoring import Pool, chords, concat, score_rows
from ._screening import Screening
from ._types import Query
from ._weights import Weights

__all__ = ["add_online"]

# Online rows, or blocks of them, scored in the first step while looking for
# the top k (at least four times k rows), and how many online rows are simply
# all scored.
_CHUNK_ROWS = 1024
_CHUNK_BLOCKS = 256
# Query shapes whose sorted online bounds are kept at a time (a few MB each
# at a million supporters).
_BOUNDS_KEPT = 16
_SCORE_ALL_ROWS = 6000


def add_online(arrays: IndexArrays, query: Query, weights: Weights, screening: Screening,
               text_query, xyz: tuple[float, float, float], pool: Pool,
               k: int | None) -> tuple[Pool, int, int]:
    """Add the online supporters outside the ball that could reach the top k to a pool.

    Returns the pool, and how many online supporters outside the ball pass (and
    how many of those are available). ``k=None`` scores all of them.
    """
    blocks = arrays.blocks
    chosen = np.flatnonzero(screening.role_level_ok[blocks.role_level])
    if screening.event_groups_ok is not None:
        chosen = chosen[screening.event_groups_ok[blocks.event_groups[chosen]]]
    sizes = blocks.size[chosen]
    is_available = blocks.available[chosen]

    def score(rows: np.ndarray) -> Pool:  # rows matched online: no distance until shown
        return score_rows(arrays, query, weights, screening, rows, None, None, text_query,
                          xyz=xyz, mode=query.mode)

    # Online supporters inside the ball were scored there, with their distance.
    in_ball = pool.rows[arrays.rows.online[pool.rows]]
    seen = None
    if len(in_ball):
        seen = np.zeros(len(arrays), bool)
        seen[in_ball] = True

    if screening.named is not None:
        # A search by name: the few named supporters are simply all scored.
        rows = _block_rows(arrays, chosen, seen)
        rows = rows[screening.named[rows]]
        n_available = int(np.count_nonzero(arrays.rows.capacity[rows] > 0))
        return concat(pool, score(rows)), len(rows), n_available

    in_ball_available = int(np.count_nonzero(arrays.rows.capacity[in_ball] > 0))
    n_available = int(sizes[is_available].sum()) - in_ball_available
    n_waiting = int(sizes[~is_available].sum()) - (len(in_ball) - in_ball_available)
    if k == 0:  # counted, none shown
        return pool, n_available + n_waiting, n_available
    if k is None or int(sizes.sum()) <= _SCORE_ALL_ROWS:
        # Everything (allocation needs every pair), or few enough that bounds
        # would cost more than scoring.
        rows = _block_rows(arrays, chosen, seen)
        return concat(pool, score(rows)), n_available + n_waiting, n_available

    # The top k wanted are those of the online matches: rows of the pool
    # matched in person are ranked in a list of their own.
    online_in_pool = ~pool.in_person
    all_available = int(np.count_nonzero(pool.available & online_in_pool)) + n_available

    # An assistant coach's own club is scored row by row (the supervision boost
    # depends on the club), which keeps the block bounds tight for everyone else.
    club = arrays.club_code.get(query.club) if query.club is not None else None
    if query.level == 0 and club is not None:
        lo, hi = blocks.club_bounds[club], blocks.club_bounds[club + 1]
        club_rows = blocks.by_club[lo:hi]
        club_rows = club_rows[screening.passes(arrays, club_rows)]
        if seen is not None:
            club_rows = club_rows[~seen[club_rows]]
        if len(club_rows):
            seen = np.zeros(len(arrays), bool) if seen is None else seen
            seen[club_rows] = True
            pool = concat(pool, score(club_rows))

    pools = [pool]
    if all_available >= k:
        # Enough available supporters: the waitlist is never shown.
        wanted, need = True, k
    else:
        # Every available supporter is shown; the waitlist fills the rest.
        pools.append(score(_block_rows(arrays, chosen[is_available], seen)))
        wanted, need = False, k - all_available
    chosen = chosen[is_available == wanted]
    leaders = _Leaders(arrays, need)
    for p in pools:
        leaders.add(p, (p.available == wanted) & ~p.in_person)
    remaining = _left_to_score(arrays, weights, screening, chosen, wanted, text_query, need)
    # Best bounds first, a chunk at a time (chunks double, so rows tied at the
    # top take few steps). The k-th best found so far is never better than the
    # true k-th, so what cannot beat it is skipped unscored: its bound is
    # lower, or equal and it is farther. An "either" search scored every online
    # supporter inside its radius already: none left is nearer than that.
    nearest_left = query.radius_km if query.mode == "either" else 0.0
    while remaining.prune(leaders, xyz, nearest_left):
        rows = remaining.take()
        if seen is not None:
            rows = rows[~seen[rows]]
        chunk = score(rows)
        pools.append(chunk)
        leaders.add(chunk, chunk.available == wanted)
    return concat(*pools), n_available + n_waiting, n_available


class _Leaders:
    """The k best online matches scored so far, exactly: score, distance and id.

    Rows of a pool whose text is pending have lower-bound scores; the rows
    taken as leaders get their text first, so every leader is exact and the
    k-th leader is never better than the true k-th match.
    """

    def __init__(self, arrays: IndexArrays, k: int) -> None:
        self.arrays, self.k = arrays, k
        self.score, self.km, self.ids = np.empty(0), np.empty(0), np.empty(0, np.int64)

    def add(self, pool: Pool, mask: np.ndarray) -> None:
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        if len(positions) > self.k:
            scores = pool.score[positions]
            if pool.text_known[positions].all():
                # Exact scores: every row tying the k-th best, so the nearest
                # of them lead (they prune the most).
                kth = np.partition(scores, len(scores) - self.k)[len(scores) - self.k]
                positions = positions[scores >= kth]
            else:  # text pending: the best k lower bounds, to be completed
                positions = positions[np.argpartition(-scores, self.k - 1)[:self.k]]
        pool.complete_text(self.arrays, positions)
        self.score = np.concatenate([self.score, pool.score[positions]])
        self.km = np.concatenate([self.km, pool.distance_km(self.arrays, positions)])
        self.ids = np.concatenate([self.ids, self.arrays.rows.ids[pool.rows[positions]]])
        best = np.lexsort((self.ids, self.km, -self.score))[:self.k]
        self.score, self.km, self.ids = self.score[best], self.km[best], self.ids[best]

    def kth(self) -> tuple[float, float, int] | None:
        """Return the k-th leader's score, distance and id (None until there are k)."""
        if len(self.score) < self.k:
            return None
        return float(self.score[-1]), float(self.km[-1]), int(self.ids[-1])


class _Remaining:
    """Online rows not scored yet, as items (rows, or blocks of rows) with bounds.

    ``ordered``: the items are in ascending order of bound.
    """

    def __init__(self, arrays: IndexArrays, items: np.ndarray, bound: np.ndarray, *,
                 ordered: bool, chunk: int) -> None:
        self.arrays, self.items, self.bound = arrays, items, bound
        self.ordered, self.chunk = ordered, chunk

    def prune(self, leaders: _Leaders, xyz: tuple[float, float, float],
              nearest_km: float) -> bool:
        """Drop what cannot beat the k-th leader; return whether anything remains.

        Rows left are at least ``nearest_km`` away, but those seen already.
        """
        kth = leaders.kth()
        if kth is None or not len(self.items):
            return bool(len(self.items))
        score, km, ident = kth
        items, bound = self.items, self.bound
        if self.ordered:  # ascending: the tied, then the better, end it
            low = np.searchsorted(bound, score, "left")
            items, bound = items[low:], bound[low:]
            keep = np.ones(len(items), bool)
            tied = np.arange(np.searchsorted(bound, score, "right"))
        else:
            keep = bound > score
            tied = np.flatnonzero(bound == score)
        if len(tied) and km < nearest_km * (1.0 - 1e-9):
            keep[tied] = False  # farther than the k-th leader, or seen already
        elif len(tied):
            # At best they tie the k-th score: only the nearer (then lower id) can win.
            keep[tied] = self._nearer(items[tied], xyz, km, ident)
        self.items, self.bound = items[keep], bound[keep]
        return bool(len(self.items))

    def take(self) -> np.ndarray:
        """Remove the next chunk of best bounds and return its rows; chunks double."""
        items, bound, n = self.items, self.bound, self.chunk
        self.chunk *= 2
        if len(items) <= n:
            self.items, self.bound = items[:0], bound[:0]
            return self._rows(items)
        if self.ordered:
            self.items, self.bound = items[:-n], bound[:-n]
            return self._rows(items[-n:])
        top = np.argpartition(-bound, n - 1)[:n]
        rest = np.ones(len(items), bool)
        rest[top] = False
        self.items, self.bound = items[rest], bound[rest]
        return self._rows(items[top])

    def _rows(self, items: np.ndarray) -> np.ndarray:
        return items

    def _nearer(self, items: np.ndarray, xyz, km: float, ident: int) -> np.ndarray:
        km_of = km_from_chord(chords(self.arrays, items, xyz))
        id_of = self.arrays.rows.ids[items]
        return (km_of < km) | ((km_of == km) & (id_of < ident))


class _BlocksLeft(_Remaining):
    """Online blocks not scored yet: a chunk is every row of its blocks."""

    def _rows(self, items: np.ndarray) -> np.ndarray:
        return _block_rows(self.arrays, items, None)

    def _nearer(self, items: np.ndarray, xyz, km: float, ident: int) -> np.ndarray:
        return np.ones(len(items), bool)  # some row of the block may be


def _left_to_score(arrays: IndexArrays, weights: Weights, screening: Screening,
                   chosen: np.ndarray, wanted: bool, text_query, need: int) -> _Remaining:
    """Return the chosen online blocks' rows, as blocks or rows, with score bounds.

    Rows of a block share roles, level, event groups and availability; they
    differ in needs (bounded by the block's union of needs), responsiveness and
    text (bounded by the block's largest weight of each query term). A bound
    adds the same terms in the same order as :func:`score_rows`, each at least
    the row's, and rounding never lowers a larger sum: without text it is never
    below the score. Text sums its terms in another order, so its bound is
    widened for rounding. Proximity is neutral online, and same-club
    supervision is scored separately.

    A block's bound takes its best responsiveness. A row's takes its own, so it
    equals the score when the query has no needs, and rows tied on score can
    be told apart by distance; but bounding every row costs more than one
    query saves. Without text the bounds depend on nothing the coach's place
    changes, so a query shape asked again gets its rows' bounds, sorted once
    and kept for alike queries.
    """
    key = (screening.key, weights, wanted)
    kept = arrays.online_bounds
    if text_query is None and screening.key is not None:
        entry = kept.get(key, ())  # one read: another thread may empty it
        if entry is None:  # the second time: worth bounding each row
            rows, bound = _row_bounds(arrays, weights, screening, chosen)
            order = np.argsort(bound, kind="stable")
            entry = rows[order], bound[order]
            for array in entry:
                array.flags.writeable = False
            kept[key] = entry
        if entry:
            rows, bound = entry
            return _Remaining(arrays, rows, bound, ordered=True,
                              chunk=max(_CHUNK_ROWS, 4 * need))
        if len(kept) >= _BOUNDS_KEPT:
            kept.clear()  # simple and bounded, as screenings are
        kept[key] = None
    blocks = arrays.blocks
    bound = _bound(arrays.static_score(weights)[1][chosen], weights, screening,
                   blocks.event_groups[chosen], blocks.role_level[chosen],
                   blocks.needs[:, chosen])
    if text_query is not None:
        text = arrays.text.block_bounds(text_query, len(blocks.start))[chosen]
        bound += weights.text * text * (1.0 + 1e-9) + 1e-12
    return _BlocksLeft(arrays, chosen, bound, ordered=False, chunk=_CHUNK_BLOCKS)


def _row_bounds(arrays: IndexArrays, weights: Weights, screening: Screening,
                chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows of chosen online blocks and their bounds (query without text)."""
    blocks = arrays.blocks
    rows = _block_rows(arrays, chosen, None)
    block_of = np.repeat(chosen, blocks.size[chosen])
    return rows, _bound(arrays.static_score(weights)[0][rows], weights, screening,
                        blocks.event_groups[block_of], blocks.role_level[block_of],
                        blocks.needs[:, block_of])


def _bound(static: np.ndarray, weights: Weights, screening: Screening, event_groups,
           role_level, needs) -> np.ndarray:
    """Return score bounds: as :func:`score_rows` adds its terms, in the same order."""
    bound = static + (screening.event_group_score[event_groups]
                      + screening.ladder_score[role_level])
    bound += weights.needs * screening.needs.coverage(needs)
    bound += weights.proximity * weights.online_proximity
    return bound


def _block_rows(arrays: IndexArrays, chosen: np.ndarray, seen: np.ndarray | None) -> np.ndarray:
    """Return the rows of online blocks, leaving out those already seen."""
    blocks = arrays.blocks
    sizes = blocks.size[chosen]
    total = int(sizes.sum())
    if not total:
        return np.empty(0, np.int64)
    # Vectorised concatenation of ranges [start, start + size).
    offsets = np.repeat(blocks.start[chosen] - (np.cumsum(sizes) - sizes), sizes)
    rows = blocks.rows[np.arange(total) + offsets]
    return rows if seen is None else rows[~seen[rows]]
