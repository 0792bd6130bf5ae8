"""Rows of a changed index, copied run by run.

A changed index is its old rows in order, a few taken out and a few new ones
put in. Its rows are described by a source per row (old row ``i`` is ``i``,
new row ``j`` is ``len(old) + j``); copying the few runs of consecutive
sources is much faster than gathering every row by index.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gather", "left_rows", "source_pieces"]

# Past this many runs, gathering by index is as quick.
_MAX_PIECES = 256


def source_pieces(source: np.ndarray, n_old: int) -> list[tuple[int, int, int]] | None:
    """Return ``source`` as runs of consecutive rows, or None when there are many.

    Each run is (side, start, end): rows ``start:end`` of the old rows (side 0)
    or of the new rows (side 1). A changed index is its old rows in order with
    a few taken out and a few put in, so copying a few runs is much faster
    than gathering every row by index.
    """
    if not len(source):
        return []
    breaks = np.flatnonzero(np.diff(source) != 1) + 1
    if len(breaks) > _MAX_PIECES:
        return None
    starts = np.concatenate([[0], breaks]).tolist()
    ends = np.concatenate([breaks, [len(source)]]).tolist()
    pieces = []
    for a, b in zip(starts, ends, strict=True):
        first, last = int(source[a]), int(source[b - 1]) + 1
        if first < n_old < last:  # the run crosses from old rows into new ones
            pieces += [(0, first, n_old), (1, 0, last - n_old)]
        elif first >= n_old:
            pieces.append((1, first - n_old, last - n_old))
        else:
            pieces.append((0, first, last))
    return pieces


def gather(old: np.ndarray, new: np.ndarray, source: np.ndarray,
           pieces: list[tuple[int, int, int]] | None) -> np.ndarray:
    """Return rows of ``old`` then ``new`` in ``source`` order (see :func:`source_pieces`)."""
    if pieces is None:
        return np.concatenate([old, new])[source]
    sides = (old, new)
    if not pieces:
        return np.concatenate([old[:0], new[:0]])
    return np.concatenate([sides[side][a:b] for side, a, b in pieces])


def left_rows(source: np.ndarray, n_old: int) -> np.ndarray:
    """Return the old rows that ``source`` does not take: those that left."""
    stayed = np.zeros(n_old, bool)
    stayed[source[source < n_old]] = True
    return np.flatnonzero(~stayed)
