"""Screening: a query's location-independent rules and score parts, per group.

The country, role, event-group, online-only and ladder rules, and the
event-group and ladder fits, depend only on a supporter's role-level group
(roles, level, framework, country) and event-group set. A query evaluates them
once per group (a few dozen, a few hundred), and rows look theirs up; what
each rule removed is counted over the joint counts of alike groups.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import compress

import numpy as np

from ._arrays import IndexArrays
from ._errors import InvalidQuery
from ._types import Query
from ._weights import Weights

__all__ = ["UNKNOWN_LEVEL_FIT", "NeedsTable", "Screening", "named", "screen"]

#: Ladder fit given to every supporter when the coach's level is unknown.
UNKNOWN_LEVEL_FIT = 0.5

_SCREENINGS_KEPT = 512
# Needs coverage uses lookup tables for up to this many query needs.
_MAX_LOOKUP_NEEDS = 12
_BYTE_VALUES = np.arange(256)


@dataclass(slots=True)
class Screening:
    """Location-independent rules and score parts of one query.

    Tables are indexed by a row's role-level group or event-group set (see
    :class:`IndexArrays`).
    """

    wanted: np.ndarray                 # per role of the index: wanted by the query
    mode: str
    role_level_ok: np.ndarray          # country, role and ladder rules pass
    event_groups_ok: np.ndarray | None  # per event-group set, when event groups are a rule
    ladder_score: np.ndarray           # per role-level group: weighted ladder fit
    event_group_score: np.ndarray      # per event-group set: weighted event-group fit
    event_group_fit: np.ndarray
    ladder_fit: np.ndarray
    matched: np.ndarray                # (role-level groups, roles): wanted roles passing the ladder
    needs: NeedsTable
    removed: dict[str, int]            # counts of the location-independent rules
    n_passed: int
    n_passed_online: int
    named: np.ndarray | None = None    # per row, when the query names its supporters
    key: tuple | None = None           # what it depends on, when kept for alike queries

    def passes(self, arrays: IndexArrays, rows: np.ndarray) -> np.ndarray:
        """Return which rows pass every location-independent rule."""
        ok = self.role_level_ok[arrays.rows.role_level[rows]]
        if self.event_groups_ok is not None:
            ok &= self.event_groups_ok[arrays.rows.event_groups[rows]]
        if self.mode == "online":
            ok &= arrays.rows.online[rows]
        if self.named is not None:
            ok &= self.named[rows]
        return ok

    def roles_of(self, arrays: IndexArrays, role_level: np.ndarray,
                 held: list[frozenset[str]]) -> list[tuple[str, ...]]:
        """Return, for each supporter, the wanted roles they pass the ladder rule for.

        ``role_level`` and ``held`` are the supporters' role-level groups and
        roles. A pair kept outside the rules (a locked allocation) passes none:
        then the wanted roles they hold. Roles are in key order.
        """
        keys = [role.key for role in arrays.roles]
        wanted = [key for key, w in zip(keys, self.wanted.tolist(), strict=True) if w]
        return [tuple(compress(keys, passed)) or tuple(k for k in wanted if k in roles)
                for passed, roles in zip(self.matched[role_level].tolist(), held, strict=True)]


def screen(arrays: IndexArrays, query: Query, weights: Weights) -> Screening:
    """Evaluate the location-independent rules and parts for the query.

    Many coaches ask alike (same roles, level, event groups, mode), so the
    result is kept on the arrays by exactly what it depends on.

    Raises
    ------
    InvalidQuery
        When the query names a role the index does not know.
    """
    unknown = query.roles.difference(arrays.role_column)
    if unknown:
        raise InvalidQuery("roles", f"unknown role {sorted(unknown)[0]!r}")
    key = (query.roles, query.level, query.framework, query.countries, query.event_groups,
           query.require_event_group, query.mode, tuple(query.needs.items()),
           weights.event_group, weights.ladder, weights.related_group)
    kept = arrays.screenings
    screening = kept.get(key)
    if screening is None:
        screening = replace(_screen(arrays, query, weights), key=key)
        if len(kept) >= _SCREENINGS_KEPT:
            kept.clear()  # simple and bounded; refills with what is asked
        kept[key] = screening
    return screening


def _screen(arrays: IndexArrays, query: Query, weights: Weights) -> Screening:
    groups = arrays.role_levels
    n = len(groups.level)
    wanted = np.zeros(len(arrays.roles), bool)
    if query.roles:
        wanted[[arrays.role_column[r] for r in query.roles]] = True
    else:
        wanted[:] = True

    # Per role-level group: the country, role and ladder rules, ladder fit,
    # and the roles matched.
    held = groups.roles
    role_ok = held[:, wanted].any(axis=1)
    country_ok = np.ones(n, bool)
    if query.countries:
        codes = [arrays.country_code[c] for c in query.countries if c in arrays.country_code]
        country_ok = np.isin(groups.country, codes)
    # An unknown coach level, or a supporter's level on another framework's
    # ladder, cannot be compared: every rung is allowed, with a neutral fit.
    unknown = query.level is None
    gap = groups.level - (0 if unknown else query.level)
    comparable = np.full(n, not unknown)
    if not unknown and query.framework is not None:
        own = arrays.framework_code.get(query.framework, -1)
        comparable &= (groups.framework == own) | (groups.framework == 0)
    ladder_ok = np.zeros(n, bool)
    lad_fit = np.zeros(n)
    matched = np.zeros(held.shape, bool)
    for j in np.flatnonzero(wanted):
        allowed, fit = arrays.roles[j].ladder.fit(gap)
        allowed = np.where(comparable, allowed, True)
        fit = np.where(comparable, fit, UNKNOWN_LEVEL_FIT)
        ok = allowed & held[:, j]
        ladder_ok |= ok
        matched[:, j] = ok
        lad_fit = np.maximum(lad_fit, np.where(ok, fit, 0.0))
    group_fit = _event_group_fit(arrays, query, weights)
    # Requiring an event group means nothing when the coach named none. The
    # rule asks whether a group or a related one is held, never what the
    # related-group weight makes of it: weights do not change rules.
    group_ok = (_event_group_held(arrays, query)
                if query.require_event_group and query.event_groups else None)

    # Count what each rule removes, in rule order, over joint counts.
    if group_ok is None:
        count = groups.online_count.ravel()          # (role-level group, online) pairs
        role_level = np.repeat(np.arange(n), 2)
        online = np.tile([False, True], n)
        groups_pass = np.ones(len(count), bool)
    else:
        alike = arrays.alike
        count, role_level, online = alike.count, alike.role_level, alike.online
        groups_pass = group_ok[alike.event_groups]
    removed = {}
    alive = country_ok[role_level]
    removed["country"] = int(count[~alive].sum())
    removed["role"] = int(count[alive & ~role_ok[role_level]].sum())
    alive &= role_ok[role_level]
    removed["event_group"] = int(count[alive & ~groups_pass].sum())
    alive &= groups_pass
    removed["online_only"] = 0
    if query.mode == "online":
        removed["online_only"] = int(count[alive & ~online].sum())
        alive &= online
    removed["ladder"] = int(count[alive & ~ladder_ok[role_level]].sum())
    alive &= ladder_ok[role_level]
    removed["name"] = 0
    return Screening(
        wanted=wanted,
        mode=query.mode,
        role_level_ok=country_ok & role_ok & ladder_ok,
        event_groups_ok=group_ok,
        ladder_score=weights.ladder * lad_fit,
        event_group_score=weights.event_group * group_fit,
        event_group_fit=group_fit,
        ladder_fit=lad_fit,
        matched=matched,
        needs=NeedsTable(arrays.need_bit, query),
        removed=removed,
        n_passed=int(count[alive].sum()),
        n_passed_online=int(count[alive & online].sum()),
    )


def named(arrays: IndexArrays, query: Query, screening: Screening) -> Screening:
    """Return the screening of a query that names its supporters (``only_ids``).

    The named supporters are few: they are checked row by row, and whoever
    passes the other location-independent rules but was not named counts as
    removed by the "name" rule.
    """
    row_of = arrays.row_of()
    rows = np.fromiter((row_of[i] for i in sorted(query.only_ids) if i in row_of), np.int64)
    rows = rows[screening.passes(arrays, rows)]
    chosen = np.zeros(len(arrays), bool)
    chosen[rows] = True
    n_online = int(np.count_nonzero(arrays.rows.online[rows]))
    return replace(screening, named=chosen, key=None, n_passed=len(rows),
                   n_passed_online=n_online,
                   removed=dict(screening.removed, name=screening.n_passed - len(rows)))


def _event_group_fit(arrays: IndexArrays, query: Query, weights: Weights) -> np.ndarray:
    """Return the event-group fit of each distinct event-group set."""
    members = arrays.event_group_sets.members
    column = arrays.event_group_sets.column
    total = np.zeros(members.shape[0])
    if not query.event_groups:
        return total
    none = np.zeros(members.shape[0], bool)
    groups = sorted(query.event_groups)
    for group in groups:  # sorted, so the sum is the same in every index
        pos = column.get(group)
        exact = members[:, pos] if pos is not None else none
        related_cols = [column[r] for r in sorted(arrays.related_groups.get(group, ()))
                        if r in column]
        related = members[:, related_cols].any(axis=1) if related_cols else none
        total = total + np.where(exact, 1.0, np.where(related, weights.related_group, 0.0))
    return total / len(groups)


def _event_group_held(arrays: IndexArrays, query: Query) -> np.ndarray:
    """Return whether each distinct event-group set holds a wanted group or a related one."""
    members = arrays.event_group_sets.members
    column = arrays.event_group_sets.column
    wanted = set(query.event_groups)
    for group in query.event_groups:
        wanted |= arrays.related_groups.get(group, frozenset())
    cols = [column[g] for g in sorted(wanted) if g in column]
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
