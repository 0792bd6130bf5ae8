"""The online search: the best online supporters, found block by block.

Online supporters pass wherever they are, so a query accepting online support
could have to score every one of them. They are stored in blocks sharing
role-level group, event-group set and availability (see :class:`OnlineBlocks`);
rows of a block differ only in needs, responsiveness and bio, each bounded per
block. Blocks are scored best bound first, and a block whose bound cannot
reach the k-th best score found so far is skipped unseen.
"""

from __future__ import annotations

import numpy as np

from ._arrays import IndexArrays
from ._scoring import Pool, concat, score_rows
from ._screening import Screening
from ._types import Query
from ._weights import Weights

__all__ = ["add_online"]

# Online blocks scored per step while looking for the top k, and how many
# online rows are simply all scored.
_CHUNK_BLOCKS = 256
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

    bound = _block_bounds(arrays, weights, screening, chosen, text_query)
    pools = [pool]
    if all_available >= k:
        # Enough available supporters: the waitlist is never shown.
        wanted, need = True, k
    else:
        # Every available supporter is shown; the waitlist fills the rest.
        pools.append(score(_block_rows(arrays, chosen[is_available], seen)))
        wanted, need = False, k - all_available
    chosen, bound = chosen[is_available == wanted], bound[is_available == wanted]
    best = np.concatenate([_best_scores(arrays, p, (p.available == wanted) & ~p.in_person, need)
                           for p in pools])
    # Best-bound blocks first, a chunk at a time. The k-th best score found so
    # far never exceeds the true k-th score, so a block whose bound is below it
    # cannot place a row in the top k (nor tie with it) and is skipped.
    while len(chosen):
        if len(best) >= need:
            best = np.partition(best, len(best) - need)[len(best) - need:]
            keep = bound >= best.min()
            chosen, bound = chosen[keep], bound[keep]
            if not len(chosen):
                break
        m = min(_CHUNK_BLOCKS, len(chosen))
        top = np.argpartition(-bound, m - 1)[:m] if m < len(chosen) else np.arange(m)
        chunk = score(_block_rows(arrays, chosen[top], seen))
        pools.append(chunk)
        best = np.concatenate([best, _best_scores(arrays, chunk, chunk.available == wanted,
                                                  need)])
        chosen, bound = np.delete(chosen, top), np.delete(bound, top)
    return concat(*pools), n_available + n_waiting, n_available


def _best_scores(arrays: IndexArrays, pool: Pool, mask: np.ndarray, k: int) -> np.ndarray:
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
    pool.complete_text(arrays, positions)
    return pool.score[positions]


def _block_bounds(arrays: IndexArrays, weights: Weights, screening: Screening,
                  chosen: np.ndarray, text_query) -> np.ndarray:
    """Return an upper bound of the score of any supporter in each chosen block.

    Rows in a block share roles, level, event groups and availability; they
    differ in needs (bounded by the block's union of needs), responsiveness
    (bounded by the block's best) and text (bounded by the block's largest
    weight of each query term). Proximity is neutral online, and same-club
    supervision is scored separately.
    """
    blocks = arrays.blocks
    static_max = arrays.static_score(weights)[1][chosen]
    group = screening.event_group_score[blocks.event_groups[chosen]]
    ladder = screening.ladder_score[blocks.role_level[chosen]]
    needs = screening.needs.coverage(blocks.needs[:, chosen])
    bound = (static_max + (group + ladder) + weights.needs * needs
             + weights.proximity * weights.online_proximity)
    if text_query is not None:
        text = arrays.text.block_bounds(text_query, len(blocks.start))[chosen]
        bound = bound + weights.text * text
    # The rows add the same terms in another order; allow for rounding.
    return bound * (1.0 + 1e-12) + 1e-12


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
