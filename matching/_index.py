"""The support index: supporters laid out for fast ranking, and :meth:`SupportIndex.rank`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType

import numpy as np

from ._arrays import IndexArrays
from ._build import (
    AVAILABILITY_FULL_AT,
    Columns,
    arrays_from_columns,
    build_arrays,
    changed_columns,
    read_columns,
    symmetric_relation,
)
from ._cells import spatial_order
from ._errors import InvalidCandidate, InvalidInput
from ._fallbacks import explain, offer_fallbacks
from ._ranking import ORDERS, build_matches, evaluate, select, text_vector
from ._reasons import ReasonWriter
from ._results import RULES, Diagnostics, RankResult
from ._roles import Role, known_roles
from ._screening import named, screen
from ._types import Candidate, Labels, Query
from ._weights import Weights

__all__ = ["AVAILABILITY_FULL_AT", "SupportIndex"]


class SupportIndex:
    """Supporters prepared for fast ranking.

    Build it once from the eligible supporters (verified, in date, not paused)
    and query it many times; when a few supporters change, :meth:`with_changes`
    returns the changed index for a fraction of a build. It is read-only
    after :meth:`build`, so one index can serve several threads. Ranking and
    allocation read it through :attr:`arrays` (see :class:`IndexArrays`).

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
        roles: Iterable[Role] | None = None,
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
        roles : iterable of Role, optional
            The support roles and their ladder rules (default
            :data:`DEFAULT_ROLES`). Supporters and queries may name only
            these; any number of roles works.
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
            When an item is not a :class:`Candidate`, an id is repeated or a
            supporter holds a role not in ``roles``.
        InvalidInput
            When ``roles`` is not an iterable of distinct :class:`Role`.
        """
        cands = _candidates(candidates, "candidates")
        labels = Labels() if labels is None else labels
        if not isinstance(labels, Labels):
            raise InvalidInput("labels", "must be a Labels")
        related = symmetric_relation(related_groups)
        roles = known_roles(roles)
        today = date.today() if today is None else today
        if isinstance(today, datetime):
            today = today.date()
        if not isinstance(today, date):
            raise InvalidInput("today", "must be a date")

        self = cls(_token=_BUILD_TOKEN)
        self._arrays = build_arrays(cands, roles, labels, related, today)
        self.labels = labels
        self.related_groups = related
        self.today = today
        if fit_text:
            self.fit_text()
        return self

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
        translations=None,
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
        translations : optional
            Writes the reasons in another language (see ``ReasonWriter``).

        Returns
        -------
        RankResult
            The main list (in person, or online for an online search): available
            matches by score (ties: nearer first, then lower id), then full
            supporters as waitlist results; the online section of an "either"
            search; diagnostics; fallbacks and an explanation when the main
            list is thin.
        """
        weights = Weights() if weights is None else weights
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

        arrays = self._arrays
        screening = screen(arrays, query, weights)
        if query.only_ids is not None:
            screening = named(arrays, query, screening)
        text_query = text_vector(arrays, query, weights)
        main_k = offset + k
        # The online rows are the main list of an online search, and a section of
        # their own beside the in-person list of an "either" search.
        online_k = {"online": main_k, "either": k_online, "in_person": 0}[query.mode]
        pool, counts = evaluate(arrays, query, weights, screening, text_query, k=online_k,
                                sections=True)
        if query.mode == "online":
            main = select(arrays, pool, np.arange(len(pool.rows)), main_k)
            online = np.empty(0, np.int64)
        else:
            main = select(arrays, pool, np.flatnonzero(pool.in_person), main_k, order=order)
            online = (select(arrays, pool, np.flatnonzero(~pool.in_person), online_k)
                      if query.mode == "either" else np.empty(0, np.int64))
        if online_min is not None:
            # At least online_min, more to fill the page when few are near: only
            # those shown get reasons.
            online = online[:max(online_min, k - len(main[offset:]))]
        writer = ReasonWriter(query, self.labels, self.related_groups,
                              translations=translations)
        matches = build_matches(arrays, weights, screening, pool, main[offset:], writer)
        online_matches = build_matches(arrays, weights, screening, pool, online, writer)

        removed = dict(screening.removed, outside_radius=counts.outside_radius,
                       travel_distance=counts.travel_distance)
        diagnostics = Diagnostics(
            considered=len(arrays),
            removed=MappingProxyType({rule: int(removed[rule]) for rule in RULES}),
            passed=counts.passed,
            available=counts.available,
            waitlist=counts.passed - counts.available,
            in_person=counts.in_person,
            in_person_available=counts.in_person_available,
            online=counts.passed - counts.in_person,
            online_available=counts.available - counts.in_person_available,
        )
        fallbacks = explanation = None
        shown_available = (diagnostics.online_available if query.mode == "online"
                           else diagnostics.in_person_available)
        if shown_available < min(fallback_below, main_k):
            fallbacks = offer_fallbacks(arrays, query, weights, screening, pool, writer,
                                        fallback_limit, diagnostics)
            explanation = explain(query, diagnostics, fallbacks, self.labels)
        return RankResult(matches=matches, diagnostics=diagnostics, fallbacks=fallbacks,
                          explanation=explanation, weights_version=weights.version,
                          online=online_matches)

    def fit_text(self) -> None:
        """Fit the TF-IDF model now (otherwise the first query with goals text does)."""
        self._arrays.text.fit()

    @property
    def text_fitted(self) -> bool:
        """Whether the TF-IDF model is fitted (see :meth:`fit_text`)."""
        return self._arrays.text.fitted

    def with_changes(self, upserts: Iterable[Candidate] = (),
                     removed: Iterable[int] = ()) -> SupportIndex:
        """Return an index with these supporters added or replaced, and these ids gone.

        Only the changed supporters are read; everyone else's columns are
        carried over, so at 100,000 supporters this takes about 40 ms where a
        build takes half a second. The result ranks exactly as :meth:`build`
        would from the same supporters (with this index's roles, labels,
        related groups and day). Ids not in the index are ignored in
        ``removed``.

        Raises
        ------
        InvalidCandidate
            When an item of ``upserts`` is not a :class:`Candidate`, an id is
            repeated in it, or a supporter holds a role the index does not know.
        InvalidInput
            When ``removed`` is not an iterable of whole-number ids.
        """
        new = _candidates(upserts, "upserts")
        gone = _ids(removed, "removed")
        new_columns = read_columns(new, self.roles, self.today)
        old = self._arrays.columns
        leaving = np.fromiter(gone | {c.id for c in new}, np.int64)
        stays = ~np.isin(old.ids, leaving)
        if not new and stays.all():
            return self
        source = _merged_order(old, stays, new_columns)
        columns = changed_columns(old, new_columns, source)
        text = self._arrays.text
        index = SupportIndex(_token=_BUILD_TOKEN)
        index._arrays = arrays_from_columns(
            columns, self.roles, self.labels, self.related_groups,
            lambda block_of_row: text.moved(source, [c.bio for c in new], block_of_row))
        index.labels, index.related_groups, index.today = (
            self.labels, self.related_groups, self.today)
        return index

    def without(self, ids: Iterable[int]) -> SupportIndex:
        """Return an index of the same supporters, less those with these ids.

        No data source is needed (a supporter whose check expires can leave
        search while the application's database is away).
        """
        return self.with_changes(removed=ids)

    def __len__(self) -> int:
        return len(self._arrays)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self._arrays.row_of()

    @property
    def arrays(self) -> IndexArrays:
        """Return the supporters as ranking and allocation read them (frozen, read-only)."""
        return self._arrays

    @property
    def roles(self) -> tuple[Role, ...]:
        """Return the support roles the index knows, with their ladder rules, in key order."""
        return self._arrays.roles

    @property
    def ids(self) -> np.ndarray:
        """Return the supporter ids, in index order (read-only)."""
        return self._arrays.rows.ids

    def candidate(self, candidate_id: int) -> Candidate:
        """Return the supporter with this id (``KeyError`` when unknown)."""
        return self._arrays.candidates[self._arrays.row_of()[candidate_id]]


def _candidates(value: object, name: str) -> tuple[Candidate, ...]:
    """Return an iterable of candidates as a tuple, or refuse it naming ``name``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInput(name, "must be an iterable of Candidate")
    cands = tuple(value)
    for c in cands:
        if not isinstance(c, Candidate):
            raise InvalidCandidate(name, f"expected a Candidate, got {type(c).__name__}")
    return cands


def _ids(value: object, name: str) -> set[int]:
    """Return an iterable of whole-number ids as a set, or refuse it naming ``name``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInput(name, "must be an iterable of whole-number ids")
    ids = set()
    for i in value:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise InvalidInput(name, f"expected a whole-number id, got {type(i).__name__}")
        ids.add(int(i))
    return ids


def _merged_order(old: Columns, stays: np.ndarray, new: Columns) -> np.ndarray:
    """Return the rows of a changed index in spatial order, as sources.

    Source ``i`` is old row ``i``, and ``len(old) + j`` is new row ``j``. The
    old rows that stay are in order already: each new row goes in where its
    (cell code, id) falls among them, as a full sort would put it.
    """
    keep = np.flatnonzero(stays)
    if not len(new):
        return keep
    new_order = spatial_order(new.cell, new.ids)
    cells, ids = old.cell[keep], old.ids[keep]
    places = []
    for j in new_order.tolist():
        low = int(np.searchsorted(cells, new.cell[j], side="left"))
        high = int(np.searchsorted(cells, new.cell[j], side="right"))
        places.append(low + int(np.searchsorted(ids[low:high], new.ids[j])))
    return np.insert(keep, places, len(old) + new_order)


_BUILD_TOKEN = object()
