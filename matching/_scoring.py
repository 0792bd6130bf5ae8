"""Scoring rows: the score parts of given supporters for one query, as a :class:`Pool`.

Every score is computed row by row with the same operations in the same
order, whichever path a row takes (in the radius, an online block, a
fallback), so a supporter's score never depends on which others are scored
and pruning never changes a result. Text similarity, the one costly part, is
left pending and completed only for rows that could still need it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import IndexArrays
from ._cells import rows_in_radius
from ._geo import km_from_chord, unit_vectors
from ._screening import Screening
from ._text import QueryText
from ._types import Query
from ._weights import Weights

__all__ = ["SUPERVISION_NEARBY_KM", "Pool", "chords", "concat", "query_xyz", "rows_within",
           "score_rows"]

#: An assistant coach's supervisor counts as nearby within this distance.
SUPERVISION_NEARBY_KM = 10.0

# The radius query keeps a hair more than the radius; callers' chord test
# decides exactly.
_RADIUS_SLACK = 1e-9


@dataclass(slots=True)
class Pool:
    """Scored rows of one query, with what is needed to rank and explain them."""

    rows: np.ndarray          # positions in the index
    role_level: np.ndarray    # role-level group of each row
    event_groups: np.ndarray  # event-group set of each row
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

    def distance_km(self, arrays: IndexArrays, positions: np.ndarray) -> np.ndarray:
        """Return distances for pool positions, computing missing chords once."""
        chord = self.chord[positions]
        missing = np.isnan(chord)
        if missing.any():
            todo = positions[missing]
            self.chord[todo] = chords(arrays, self.rows[todo], self.query_xyz)
            chord = self.chord[positions]
        return km_from_chord(chord)

    def complete_text(self, arrays: IndexArrays, positions: np.ndarray | None = None) -> None:
        """Compute text similarity (and so the exact score) for pool positions."""
        if self.text_query is None:
            return
        if positions is None:
            positions = np.arange(len(self.rows))
        positions = positions[~self.text_known[positions]]
        if not len(positions):
            return
        sims = arrays.text.similarities(self.text_query, self.rows[positions])
        self.text[positions] = sims
        # The text term is added last, so a lower bound plus the weight bounds it.
        self.score[positions] = self.score[positions] + self.text_weight * sims
        self.text_known[positions] = True


def score_rows(arrays: IndexArrays, query: Query, weights: Weights, screening: Screening,
               rows: np.ndarray, chord: np.ndarray | None, in_person: np.ndarray | None,
               text_query, *, xyz: tuple[float, float, float], mode: str,
               online_credit: bool = False) -> Pool:
    """Score given rows (text similarity pending); ``in_person`` marks in-person matches.

    ``chord=None`` and ``in_person=None`` mean rows matched online whose
    distance is not known yet. Terms that are zero for every row are skipped
    (adding zero changes nothing). ``online_credit``: see
    :func:`._ranking.evaluate`.
    """
    rows = rows.astype(np.int64, copy=False)
    n = len(rows)
    role_level = arrays.rows.role_level[rows]
    event_groups = arrays.rows.event_groups[rows]
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
            real = np.where(arrays.rows.online[rows], np.maximum(real, neutral), real)
        proximity = np.where(in_person, real, neutral)

    needs = screening.needs.coverage(arrays.rows.need_bits, rows)
    score = arrays.static_score(weights)[0][rows] + (
        screening.event_group_score[event_groups] + screening.ladder_score[role_level])
    score += weights.needs * needs
    score += weights.proximity * proximity

    supervision = np.zeros(n)
    if query.level == 0 and n:
        # Assistant coaches work under supervision: prefer someone above them
        # from their own club, then someone nearby.
        above = arrays.role_levels.level[role_level] > query.level
        club = arrays.club_code.get(query.club, -2) if query.club is not None else -2
        supervision = np.where(above & (arrays.rows.club[rows] == club), 1.0, 0.0)
        if distance is not None:
            nearby = above & in_person & (distance <= SUPERVISION_NEARBY_KM)
            supervision = np.where((supervision == 0.0) & nearby, 0.5, supervision)
        score += weights.supervision * supervision
    return Pool(rows=rows, role_level=role_level, event_groups=event_groups, chord=chord,
                in_person=in_person, proximity=proximity, needs=needs, supervision=supervision,
                text=np.zeros(n), text_known=np.full(n, text_query is None), score=score,
                available=arrays.rows.capacity[rows] > 0, query_xyz=xyz,
                text_query=text_query, text_weight=weights.text)


def concat(*pools: Pool) -> Pool:
    """Return pools of the same query as one."""
    pools = [p for p in pools if len(p.rows)] or list(pools[:1])
    if len(pools) == 1:
        return pools[0]
    joined = {name: np.concatenate([getattr(p, name) for p in pools])
              for name in ("rows", "role_level", "event_groups", "chord", "in_person",
                           "proximity", "needs", "supervision", "text", "text_known", "score",
                           "available")}
    first = pools[0]
    return Pool(**joined, query_xyz=first.query_xyz, text_query=first.text_query,
                text_weight=first.text_weight)


def query_xyz(query: Query) -> tuple[float, float, float]:
    """Return the coach's position on the unit sphere."""
    x, y, z = unit_vectors(np.array([query.lat]), np.array([query.lon]))
    return float(x[0]), float(y[0]), float(z[0])


def chords(arrays: IndexArrays, rows: np.ndarray,
           xyz: tuple[float, float, float]) -> np.ndarray:
    """Return the unit-sphere chords from a point to the given rows."""
    dx = arrays.rows.x[rows] - xyz[0]
    dy = arrays.rows.y[rows] - xyz[1]
    dz = arrays.rows.z[rows] - xyz[2]
    return np.sqrt(dx * dx + dy * dy + dz * dz)


def rows_within(arrays: IndexArrays, query: Query, radius_km: float) -> np.ndarray:
    """Return the rows within (a hair more than) a radius of the coach."""
    rows = arrays.rows
    return rows_in_radius(rows.cell, rows.x, rows.y, rows.z, query.lat, query.lon,
                          query_xyz(query), radius_km, slack=_RADIUS_SLACK)
