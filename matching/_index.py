"""The support index: candidates as arrays, a BallTree, bit masks and profiles."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter, itemgetter

import numpy as np
from sklearn.neighbors import BallTree

from ._errors import InvalidCandidate, InvalidInput
from ._geo import chord_from_km, spatial_order, unit_vectors
from ._results import RankResult
from ._scoring import rank
from ._text import TextModel
from ._types import SUPPORT_ROLES, Candidate, Labels, Query
from ._weights import Weights

__all__ = ["AVAILABILITY_FULL_AT", "SupportIndex"]

#: Places free at which availability scores 1 (fewer places score less).
AVAILABILITY_FULL_AT = 3


class SupportIndex:
    """Supporters prepared for fast ranking.

    Build it once from the eligible supporters (verified, in date, not paused)
    and query it many times; rebuild it when the data changes. It is read-only
    after :meth:`build`, so one index can serve several threads.

    Use :meth:`build`, not the constructor.

    Examples
    --------
    >>> from matching import Candidate, Labels, Query, SupportIndex
    >>> index = SupportIndex.build(
    ...     [Candidate(1, 53.80, -1.55, roles={"mentor"}, level=3, event_groups={"jumps"}),
    ...      Candidate(2, 53.82, -1.60, roles={"co_coach"}, level=1)],
    ...     labels=Labels(event_groups={"jumps": "Jumps"}),
    ... )
    >>> result = index.rank(Query(53.81, -1.56, radius_km=10, roles={"mentor"},
    ...                           event_groups={"jumps"}, level=1))
    >>> result.ids
    (1,)
    >>> result.matches[0].reasons[:2]
    ('1 km away', 'Jumps')
    """

    def __init__(self, *, _token: object = None) -> None:
        if _token is not _BUILD_TOKEN:
            raise TypeError("use SupportIndex.build(candidates) to create an index")

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        candidates: Iterable[Candidate],
        *,
        labels: Labels | None = None,
        related_groups: Mapping[str, Iterable[str]] | None = None,
        today: date | None = None,
        fit_text: bool = False,
    ) -> SupportIndex:
        """Build an index from supporters.

        Parameters
        ----------
        candidates : iterable of Candidate
            The supporters; ids must be unique.
        labels : Labels, optional
            Human labels for event groups, needs and roles, used in reasons.
        related_groups : mapping of str to iterable of str, optional
            Event groups that partly fit each other, e.g.
            ``{"sprints": {"hurdles"}, "endurance": {"race_walking"}}``. The
            relation is made symmetric.
        today : date, optional
            The day recency is measured from (default: today).
        fit_text : bool, default False
            Fit the TF-IDF model now instead of on the first query with goals
            text (it takes about 1 s per 100,000 bios).

        Returns
        -------
        SupportIndex

        Raises
        ------
        InvalidCandidate
            When an item is not a :class:`Candidate` or an id is repeated.
        """
        if isinstance(candidates, (str, bytes)) or not isinstance(candidates, Iterable):
            raise InvalidInput("candidates", "must be an iterable of Candidate")
        cands = tuple(candidates)
        for c in cands:
            if not isinstance(c, Candidate):
                raise InvalidCandidate(
                    "candidates", f"expected a Candidate, got {type(c).__name__}")
        labels = Labels() if labels is None else labels
        if not isinstance(labels, Labels):
            raise InvalidInput("labels", "must be a Labels")
        related = _symmetric_relation(related_groups)
        today = date.today() if today is None else today
        if isinstance(today, datetime):
            today = today.date()
        if not isinstance(today, date):
            raise InvalidInput("today", "must be a date")

        self = cls(_token=_BUILD_TOKEN)
        self._build(cands, labels, related, today)
        if fit_text:
            self._text.fit()
        return self

    def _build(self, cands: tuple[Candidate, ...], labels: Labels,
               related: dict[str, frozenset[str]], today: date) -> None:
        n = len(cands)
        ids = np.fromiter(map(attrgetter("id"), cands), np.int64, n)
        if len(np.unique(ids)) != n:
            uniq, counts = np.unique(ids, return_counts=True)
            dup = int(uniq[counts > 1][0])
            raise InvalidCandidate("id", "appears more than once", candidate_id=dup)

        # Read every field in input order (objects sit in memory in that order),
        # then put all arrays in spatial order at once.
        def column(name: str, dtype) -> np.ndarray:
            return np.fromiter(map(attrgetter(name), cands), dtype, n)

        lat = column("lat", np.float64)
        lon = column("lon", np.float64)
        level = column("level", np.int64)
        travel = column("travel_km", np.float64)
        online = column("offers_online", bool)
        capacity = column("capacity_left", np.int64)
        role_matrix = _membership(list(map(attrgetter("roles"), cands)), SUPPORT_ROLES)[1]
        group_keys, group_matrix = _membership(list(map(attrgetter("event_groups"), cands)))
        need_keys, need_matrix = _membership(list(map(attrgetter("needs"), cands)))
        clubs = list(map(attrgetter("club"), cands))
        club_codes = {c: i for i, c in enumerate(sorted(set(clubs) - {None}))}
        club_code = np.fromiter(map(club_codes.get, clubs, repeat(-1)), np.int32, n)
        # None becomes NaN in a float array: unknown, filled with a neutral value.
        response = np.array(list(map(attrgetter("response_rate"), cands)), dtype=np.float64)
        response[np.isnan(response)] = 0.5
        days = _days_since(list(map(attrgetter("last_active"), cands)), today)
        bios = list(map(attrgetter("bio"), cands))

        # Nearby supporters next to each other in every array (see spatial_order).
        order = spatial_order(lat, lon)
        if n > 1:
            take = itemgetter(*order.tolist())
            cands, bios = take(cands), take(bios)
        ids, lat, lon, level, travel, online, capacity, club_code, response, days = (
            a[order] for a in (ids, lat, lon, level, travel, online, capacity, club_code,
                               response, days))
        role_matrix, group_matrix, need_matrix = (
            m[order] for m in (role_matrix, group_matrix, need_matrix))

        roles = _pack(role_matrix)[:, 0]
        # Event groups: each distinct set of groups gets a code; the code's row
        # of `members` says which groups it holds.
        group_code, first = _row_codes(_pack(group_matrix))
        members = group_matrix[first]
        # Needs: one bit each, stored byte by byte (any number of need keys).
        needs_bits = np.ascontiguousarray(_pack(need_matrix).T)

        x, y, z = unit_vectors(lat, lon)

        # Location-independent rules and parts depend on roles and level (a few
        # dozen distinct pairs) and event groups (a few hundred distinct sets): a
        # query evaluates them once per distinct value and rows look theirs up.
        # Counting what each rule removed needs joint counts: per (roles+level,
        # online), and per (roles+level, groups, online) when groups are a rule.
        # The "roles + level" profile also carries the country and the
        # qualification framework: both are rules that depend on nothing else.
        country_codes = _codes(map(attrgetter("country"), cands))
        framework_codes = _codes(map(attrgetter("framework"), cands))
        # (``cands`` is in spatial order by now, like every array.)
        country = np.fromiter(map(country_codes.get, map(attrgetter("country"), cands)),
                              np.int64, n)
        framework = np.fromiter(map(framework_codes.get, map(attrgetter("framework"), cands)),
                                np.int64, n)
        n_fw = len(framework_codes)
        levels, level_idx = np.unique(level, return_inverse=True)
        n_levels = max(len(levels), 1)
        rl_keys, rl_id = np.unique(
            ((country * n_fw + framework) * n_levels + level_idx.astype(np.int64)) * 16 + roles,
            return_inverse=True)
        n_rl = max(len(rl_keys), 1)
        rl_online_count = np.bincount(rl_id * 2 + online, minlength=2 * len(rl_keys)).reshape(
            len(rl_keys), 2)
        key = (group_code.astype(np.int64) * n_rl + rl_id) * 2 + online
        profile_keys, profile_count = np.unique(key, return_counts=True)

        # Online supporters in blocks of equal (roles+level, event groups,
        # available). Queries accepting online support rank them block by block:
        # a block whose best possible score cannot reach the top k is skipped.
        n_groups = max(len(members), 1)
        online_rows = np.flatnonzero(online)
        block_key = ((rl_id[online_rows].astype(np.int64) * n_groups + group_code[online_rows]) * 2
                     + (capacity[online_rows] > 0))
        by_block = np.argsort(block_key, kind="stable")
        online_rows, block_key = online_rows[by_block], block_key[by_block]
        starts = np.flatnonzero(np.concatenate([[True], block_key[1:] != block_key[:-1]])
                                [:len(block_key)])
        keys = block_key[starts]
        self._online_rows = online_rows
        self._block_start = starts
        self._block_size = np.diff(np.concatenate([starts, [len(online_rows)]]))
        self._block_rl = (keys // 2 // n_groups).astype(np.int32)
        self._block_group = (keys // 2 % n_groups).astype(np.int32)
        self._block_available = (keys % 2).astype(bool)
        self._block_needs = (np.bitwise_or.reduceat(needs_bits[:, online_rows], starts, axis=1)
                             if len(starts) else np.zeros((len(needs_bits), 0), np.uint8))
        # Online supporters by club, for assistant coaches' same-club supervisors.
        by_club = np.flatnonzero(online)
        by_club = by_club[np.argsort(club_code[by_club], kind="stable")]
        self._online_by_club = by_club
        self._online_club_bounds = np.searchsorted(club_code[by_club],
                                                   np.arange(len(club_codes) + 1))

        self._rl_role = (rl_keys % 16).astype(np.uint8)
        self._rl_level = levels[rl_keys // 16 % n_levels] if n else np.empty(0, np.int64)
        self._rl_framework = rl_keys // 16 // n_levels % n_fw
        self._rl_country = rl_keys // 16 // n_levels // n_fw
        self._country_codes = country_codes
        self._framework_codes = framework_codes
        self._rl_online_count = rl_online_count.astype(np.int64)
        self._rl_id = rl_id.astype(np.int32)
        self._group_code = group_code
        self._p_online = (profile_keys % 2).astype(bool)
        self._p_rl = ((profile_keys // 2) % n_rl).astype(np.int32)
        self._p_group = ((profile_keys // 2) // n_rl).astype(np.int32)
        self._p_count = profile_count.astype(np.int64)
        self._group_pos = {g: i for i, g in enumerate(group_keys)}
        self._group_members = members
        self._need_bit = {k: (i // 8, 1 << (i % 8)) for i, k in enumerate(need_keys)}
        self._needs_bits = needs_bits
        self._club_codes = club_codes
        self._club_code = club_code
        self._n = n
        self._candidates = cands
        self._ids = ids
        self._x, self._y, self._z = x, y, z
        self._travel_chord = chord_from_km(travel)
        self._max_travel_km = float(travel.max()) if n else 0.0
        self._online = online
        self._capacity = capacity
        self._availability = np.where(
            capacity > 0, np.minimum(capacity, AVAILABILITY_FULL_AT) / AVAILABILITY_FULL_AT, 0.0)
        self._response = response
        self._days = days
        self._tree = (BallTree(np.radians(np.column_stack([lat, lon])), metric="haversine")
                      if n else None)
        block_of_row = np.full(n, -1, dtype=np.int64)
        block_of_row[online_rows] = np.repeat(np.arange(len(starts)), self._block_size)
        self._text = TextModel(tuple(bios), block_of_row)
        self._positions: dict[int, int] | None = None
        self._profile_cache: dict = {}
        self._static_cache: dict[Weights, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()
        self.labels = labels
        self.related_groups = related
        self.today = today

    # ---------------------------------------------------------------- queries
    def rank(
        self,
        query: Query,
        weights: Weights | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        online_limit: int | None = None,
        online_min: int | None = None,
        order: str = "fit",
        fallback_below: int = 3,
        fallback_limit: int = 5,
    ) -> RankResult:
        """Rank the supporters for a query.

        Parameters
        ----------
        query : Query
            What the coach is looking for.
        weights : Weights, optional
            Score weights (default ``Weights()``).
        limit : int, optional
            How many matches of the main list to return (default ``query.limit``).
        offset : int, default 0
            How many of the main list to skip first (paging).
        online_limit : int, optional
            How many of the online section of an "either" search to return
            at most (default ``limit``).
        online_min : int, optional
            When given, the online section holds at least this many and
            otherwise only enough to fill the page up to ``limit`` (a page
            with few in person shows more online), never more than
            ``online_limit``.
        order : {"fit", "distance"}, default "fit"
            Order of the in-person list: best fit first, or nearest first.
            Online matches are always ordered by fit.
        fallback_below : int, default 3
            Offer fallbacks when fewer than ``min(fallback_below, offset + limit)``
            available supporters are in the main list.
        fallback_limit : int, default 5
            How many fallback supporters of each kind to return.

        Returns
        -------
        RankResult
            The main list (in person, or online for an online search): available
            matches by score (ties: nearer first, then lower id), then full
            supporters as waitlist results; the online section of an "either"
            search; diagnostics; fallbacks and an explanation when the main
            list is thin.
        """
        return rank(self, query, Weights() if weights is None else weights, limit=limit,
                    offset=offset, online_limit=online_limit, online_min=online_min,
                    order=order,
                    fallback_below=fallback_below, fallback_limit=fallback_limit)

    def fit_text(self) -> None:
        """Fit the TF-IDF model now (otherwise the first query with goals text does)."""
        self._text.fit()

    def without(self, ids: Iterable[int]) -> SupportIndex:
        """Return an index of the same supporters, less those with these ids.

        Built from the candidates this index holds, with its labels, related
        groups and day: no data source is needed (a supporter whose check
        expires can leave search while the application's database is away).
        """
        leaving = frozenset(ids)
        if not leaving & self._position_of().keys():
            return self
        return SupportIndex.build((c for c in self._candidates if c.id not in leaving),
                                  labels=self.labels, related_groups=self.related_groups,
                                  today=self.today)

    def __len__(self) -> int:
        return self._n

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self._position_of()

    @property
    def ids(self) -> np.ndarray:
        """Return the supporter ids, in index order (read-only)."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    def candidate(self, candidate_id: int) -> Candidate:
        """Return the supporter with this id (``KeyError`` when unknown)."""
        return self._candidates[self._position_of()[candidate_id]]

    # --------------------------------------------------------------- internals
    def _position_of(self) -> dict[int, int]:
        if self._positions is None:
            self._positions = {int(i): p for p, i in enumerate(self._ids)}
        return self._positions

    def _static_score(self, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
        """Return availability + responsiveness contributions per row, and per online block.

        They ignore the query, so they are computed once per weights version.
        """
        cached = self._static_cache.get(weights)
        if cached is None:
            static = (weights.availability * self._availability
                      + weights.responsiveness * self._responsiveness(weights))
            block_max = (np.maximum.reduceat(static[self._online_rows], self._block_start)
                         if len(self._block_start) else np.empty(0))
            cached = (static, block_max)
            with self._lock:
                if len(self._static_cache) >= 4:  # a few weight versions at a time
                    self._static_cache.pop(next(iter(self._static_cache)))
                self._static_cache[weights] = cached
        return cached

    def _responsiveness(self, weights: Weights, rows: np.ndarray | None = None) -> np.ndarray:
        days = self._days if rows is None else self._days[rows]
        response = self._response if rows is None else self._response[rows]
        known = ~np.isnan(days)
        recency = np.where(
            known, np.power(0.5, np.where(known, days, 0.0) / weights.recency_half_life_days),
            0.5)
        return 0.5 * response + 0.5 * recency


_BUILD_TOKEN = object()


def _membership(sets: list[frozenset[str]],
                keys: tuple[str, ...] | None = None) -> tuple[list[str], np.ndarray]:
    """Return the sorted keys and a (rows x keys) boolean membership matrix.

    One flat pass over all keys, then a single fancy assignment: hashing the
    sets themselves (to find distinct ones) costs more than this.
    """
    lengths = np.fromiter(map(len, sets), np.int64, len(sets))
    flat = [k for keyset in sets for k in keyset]
    keys = sorted(set(flat)) if keys is None else list(keys)
    position = {k: i for i, k in enumerate(keys)}
    cols = np.fromiter(map(position.__getitem__, flat), np.int64, len(flat))
    matrix = np.zeros((len(sets), len(keys)), dtype=bool)
    matrix[np.repeat(np.arange(len(sets)), lengths), cols] = True
    return keys, matrix


def _codes(values: Iterable[str | None]) -> dict[str | None, int]:
    """Return a small code for each distinct value; None (not given) is always 0."""
    return {value: i for i, value in enumerate([None, *sorted(set(values) - {None})])}


def _pack(matrix: np.ndarray) -> np.ndarray:
    """Return a membership matrix as bytes, key i in bit i % 8 of byte i // 8."""
    if matrix.shape[1] == 0:
        return np.zeros((matrix.shape[0], 1), dtype=np.uint8)
    return np.packbits(matrix, axis=1, bitorder="little")


def _row_codes(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a code per distinct row of a byte matrix, and each code's first row."""
    width = -(-packed.shape[1] // 8) * 8
    padded = np.zeros((packed.shape[0], width), dtype=np.uint8)
    padded[:, :packed.shape[1]] = packed
    words = padded.view(np.uint64)
    if words.shape[1] == 1:
        _, first, code = np.unique(words[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, code = np.unique(words, axis=0, return_index=True, return_inverse=True)
    return code.reshape(-1).astype(np.int32), first


def _days_since(values: list, today: date) -> np.ndarray:
    """Return days since each last activity (dates or day counts); NaN when unknown."""
    try:
        # Fast path: day counts and None (None becomes NaN).
        return np.array(values, dtype=np.float64)
    except TypeError:
        pass
    def days(last) -> float:
        if last is None:
            return np.nan
        if isinstance(last, date):
            last = last.date() if isinstance(last, datetime) else last
            return float(max((today - last).days, 0))
        return float(last)

    # Many supporters share a last-activity date: convert each distinct one once.
    converted = {value: days(value) for value in set(values)}
    return np.fromiter(map(converted.__getitem__, values), np.float64, len(values))


def _symmetric_relation(related: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    if related is None:
        return {}
    if not isinstance(related, Mapping):
        raise InvalidInput("related_groups", "must map event groups to related event groups")
    pairs: dict[str, set[str]] = {}
    for key, others in related.items():
        if not isinstance(key, str) or isinstance(others, str) or not isinstance(others, Iterable):
            raise InvalidInput("related_groups", "must map event groups to sets of event groups")
        for other in others:
            if not isinstance(other, str):
                raise InvalidInput("related_groups", "event groups must be text")
            if other != key:
                pairs.setdefault(key, set()).add(other)
                pairs.setdefault(other, set()).add(key)
    return {k: frozenset(v) for k, v in sorted(pairs.items())}
