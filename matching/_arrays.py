"""The arrays of a support index: what building hands to ranking and allocation.

:class:`IndexArrays` is the one contract between :mod:`._build` (which lays the
supporters out) and the code that ranks and allocates them. It is frozen and
every array in it is read-only, so any number of threads can rank from one
index. Per-weights values derived from it (availability plus responsiveness)
are computed once per weights version and kept.

Rows are the supporters in index order: nearby supporters sit next to each
other (see :func:`._cells.spatial_order`). Rows are also grouped three ways, so
that what a query decides without looking at positions is decided once per
group rather than once per row:

- role-level groups: alike in roles, level, qualification framework and
  country (the role, ladder and country rules read nothing else);
- event-group sets: each distinct set of event groups held;
- alike groups: alike in role-level group, event-group set and offering online
  or not: the rule counts of :class:`Diagnostics` are sums over these.

Online supporters are also kept in blocks (see :class:`OnlineBlocks`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._build import Columns
    from ._roles import Role
    from ._text import TextModel
    from ._types import Labels
    from ._weights import Weights

__all__ = [
    "AlikeGroups",
    "EventGroupSets",
    "IndexArrays",
    "OnlineBlocks",
    "RoleLevelGroups",
    "SupporterRows",
]

# Weight versions whose per-row static scores are kept at a time.
_STATIC_SCORES_KEPT = 4


class _ReadOnly:
    """Make every array field of a dataclass read-only once it is built."""

    __slots__ = ()

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


@dataclass(frozen=True, slots=True, eq=False)
class SupporterRows(_ReadOnly):
    """One entry per supporter, in index order.

    Attributes
    ----------
    ids : int64 array
        The supporter's id in the application.
    x, y, z : float64 arrays
        Position on the unit sphere (see :mod:`._geo`).
    travel_chord : float64 array
        How far they travel for in-person support, as a unit-sphere chord.
    online : bool array
        Whether they support coaches online.
    capacity : int64 array
        Places free; zero or less is full.
    availability : float64 array
        The availability part, 0 to 1: places free over ``AVAILABILITY_FULL_AT``
        at most 1; 0 when full.
    response_rate : float64 array
        Share of requests answered, 0 to 1; 0.5 when unknown.
    days_inactive : float64 array
        Days since their last activity; NaN when unknown.
    club : int32 array
        Code of their club in :attr:`IndexArrays.club_code`; -1 for none.
    role_level : int32 array
        Their role-level group: a row of :class:`RoleLevelGroups`.
    event_groups : int32 array
        Their event-group set: a row of :attr:`EventGroupSets.members`.
    need_bits : uint8 array, shape (need bytes, rows)
        The needs they cover: need ``i`` of :attr:`IndexArrays.need_bit` in
        bit ``i % 8`` of byte ``i // 8``. One row per byte, so a query reads
        only the bytes of its own needs.
    cell : uint64 array
        Their cell code (ascending: the rows' order; see :mod:`._cells`).
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    travel_chord: np.ndarray
    online: np.ndarray
    capacity: np.ndarray
    availability: np.ndarray
    response_rate: np.ndarray
    days_inactive: np.ndarray
    club: np.ndarray
    role_level: np.ndarray
    event_groups: np.ndarray
    need_bits: np.ndarray
    cell: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class RoleLevelGroups(_ReadOnly):
    """Supporters alike in roles, level, qualification framework and country.

    Attributes
    ----------
    roles : bool array, shape (groups, roles)
        Which roles the group holds; columns follow :attr:`IndexArrays.roles`.
    level : int64 array
        Their rank on the common qualification scale.
    framework : int64 array
        Code of their framework in :attr:`IndexArrays.framework_code` (0: none given).
    country : int64 array
        Code of their country in :attr:`IndexArrays.country_code` (0: none given).
    online_count : int64 array, shape (groups, 2)
        How many of the group do not offer online support (column 0) and do (column 1).
    """

    roles: np.ndarray
    level: np.ndarray
    framework: np.ndarray
    country: np.ndarray
    online_count: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class EventGroupSets(_ReadOnly):
    """Each distinct set of event groups that supporters hold.

    Attributes
    ----------
    members : bool array, shape (sets, event groups)
        Which event groups each set holds.
    column : Mapping of str to int
        The column of ``members`` of each event-group key.
    """

    members: np.ndarray
    column: Mapping[str, int]


@dataclass(frozen=True, slots=True, eq=False)
class AlikeGroups(_ReadOnly):
    """Supporters alike in everything the location-independent rules read.

    Attributes
    ----------
    role_level : int32 array
        The group's role-level group.
    event_groups : int32 array
        The group's event-group set.
    online : bool array
        Whether the group offers online support.
    count : int64 array
        How many supporters the group holds.
    """

    role_level: np.ndarray
    event_groups: np.ndarray
    online: np.ndarray
    count: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class OnlineBlocks(_ReadOnly):
    """Online supporters in blocks of equal role-level group, event-group set and availability.

    Rows of a block differ only in needs, responsiveness and bio, so a query
    accepting online support bounds each row's score from its own
    responsiveness and its block's best needs and bio, and skips unscored the
    rows that cannot reach the top k.

    Attributes
    ----------
    rows : int64 array
        The online rows, block after block (in index order within a block).
    start, size : int64 arrays
        Where each block starts in ``rows``, and how many rows it has.
    role_level, event_groups : int32 arrays
        Each block's role-level group and event-group set.
    available : bool array
        Whether the block's supporters have places free.
    needs : uint8 array, shape (need bytes, blocks)
        The needs any supporter of the block covers (laid out as ``need_bits``).
    by_club : int64 array
        The online rows again, by club code (rows of no club first).
    club_bounds : int64 array
        Club code ``c``'s rows are ``by_club[club_bounds[c]:club_bounds[c + 1]]``.
    """

    rows: np.ndarray
    start: np.ndarray
    size: np.ndarray
    role_level: np.ndarray
    event_groups: np.ndarray
    available: np.ndarray
    needs: np.ndarray
    by_club: np.ndarray
    club_bounds: np.ndarray


class _Memo:
    """Values derived from the arrays, kept once computed (thread-safe)."""

    __slots__ = ("lock", "online_bounds", "row_of", "screenings", "static")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.row_of: Mapping[int, int] | None = None
        self.static: dict = {}
        self.screenings: dict = {}
        self.online_bounds: dict = {}


@dataclass(frozen=True, slots=True, eq=False)
class IndexArrays:
    """Supporters laid out for ranking: built once by :meth:`SupportIndex.build`.

    Attributes
    ----------
    rows : SupporterRows
        One entry per supporter.
    role_levels : RoleLevelGroups
    event_group_sets : EventGroupSets
    alike : AlikeGroups
    blocks : OnlineBlocks
    roles : tuple of Role
        The roles the index knows, in key order (the order of ``Match.roles``).
    role_column : Mapping of str to int
        The column of :attr:`RoleLevelGroups.roles` of each role key.
    need_bit : Mapping of str to (int, int)
        Each need key's (byte, bit mask) in ``need_bits``.
    country_code, framework_code, club_code : Mapping
        The code of each country, framework and club key (None is code 0 for
        country and framework; a row with no club has code -1).
    max_travel_km : float
        The furthest anyone travels.
    text : TextModel
        TF-IDF model of the rows' bios (fitted lazily).
    candidates : object array of Candidate
        The supporters, in row order (for reasons).
    labels : Labels
    related_groups : Mapping of str to frozenset of str
        Event groups that partly fit each other (symmetric).
    columns : Columns
        What the rows were built from (see :mod:`._build`), kept so that a
        change to a few supporters reads only those.
    """

    rows: SupporterRows
    role_levels: RoleLevelGroups
    event_group_sets: EventGroupSets
    alike: AlikeGroups
    blocks: OnlineBlocks
    roles: tuple[Role, ...]
    role_column: Mapping[str, int]
    need_bit: Mapping[str, tuple[int, int]]
    country_code: Mapping[str | None, int]
    framework_code: Mapping[str | None, int]
    club_code: Mapping[str, int]
    max_travel_km: float
    text: TextModel
    candidates: np.ndarray
    labels: Labels
    related_groups: Mapping[str, frozenset[str]]
    columns: Columns
    _memo: _Memo = field(default_factory=_Memo, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.candidates)

    def row_of(self) -> Mapping[int, int]:
        """Return the row of each supporter id."""
        row_of = self._memo.row_of
        if row_of is None:
            row_of = self._memo.row_of = {int(i): p for p, i in enumerate(self.rows.ids)}
        return row_of

    @property
    def screenings(self) -> dict:
        """Per-query screenings kept by what they depend on (see :func:`._screening.screen`)."""
        return self._memo.screenings

    @property
    def online_bounds(self) -> dict:
        """Sorted online rows and bounds kept per query shape (see :mod:`._online`)."""
        return self._memo.online_bounds

    def forget_queries(self) -> None:
        """Forget what was kept for queries (screenings, online bounds): as if new."""
        self._memo.screenings.clear()
        self._memo.online_bounds.clear()

    def static_score(self, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
        """Return availability + responsiveness contributions per row, and per online block.

        They ignore the query, so they are computed once per weights version.
        """
        memo = self._memo
        kept = memo.static.get(weights)
        if kept is None:
            static = (weights.availability * self.rows.availability
                      + weights.responsiveness * self.responsiveness(weights))
            blocks = self.blocks
            block_max = (np.maximum.reduceat(static[blocks.rows], blocks.start)
                         if len(blocks.start) else np.empty(0))
            static.flags.writeable = block_max.flags.writeable = False
            kept = (static, block_max)
            with memo.lock:
                if len(memo.static) >= _STATIC_SCORES_KEPT:
                    memo.static.pop(next(iter(memo.static)))
                memo.static[weights] = kept
        return kept

    def responsiveness(self, weights: Weights, rows: np.ndarray | None = None) -> np.ndarray:
        """Return the responsiveness part (0 to 1) of every row, or of the given ones."""
        days = self.rows.days_inactive if rows is None else self.rows.days_inactive[rows]
        response = self.rows.response_rate if rows is None else self.rows.response_rate[rows]
        known = ~np.isnan(days)
        recency = np.where(
            known, np.power(0.5, np.where(known, days, 0.0) / weights.recency_half_life_days),
            0.5)
        return 0.5 * response + 0.5 * recency
