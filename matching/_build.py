"""Lay supporters out as :class:`IndexArrays`: columns, groups, blocks and cell codes.

Building has two steps. :func:`read_columns` reads the candidates into
:class:`Columns`, the one step that walks Python objects (most of a build's
time); :func:`arrays_from_columns` sorts them into Z-order and derives the
groups and blocks, all in numpy. An index keeps its columns, so changing a few
supporters (:func:`changed_columns`) reads only those few candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter
from types import MappingProxyType

import numpy as np

from ._arrays import (
    AlikeGroups,
    EventGroupSets,
    IndexArrays,
    OnlineBlocks,
    RoleLevelGroups,
    SupporterRows,
    _ReadOnly,
)
from ._cells import cell_codes, spatial_order
from ._errors import InvalidCandidate, InvalidInput
from ._geo import chord_from_km, unit_vectors
from ._pieces import gather, left_rows, source_pieces
from ._roles import Role
from ._text import TextModel
from ._types import Candidate, Labels

__all__ = ["AVAILABILITY_FULL_AT", "Columns", "arrays_from_columns", "build_arrays",
           "changed_columns", "read_columns", "take_rows", "symmetric_relation"]

#: Places free at which availability scores 1 (fewer places score less).
AVAILABILITY_FULL_AT = 3


@dataclass(frozen=True, slots=True, eq=False)
class Columns(_ReadOnly):
    """What building reads from the candidates, one entry per row.

    Keys (event groups, needs, clubs, countries, frameworks) are sorted and
    each is held by some row, exactly as reading every candidate afresh would
    find them; country and framework keep None (not given) as code 0.
    """

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    cell: np.ndarray            # cell code (see _cells)
    x: np.ndarray               # position on the unit sphere
    y: np.ndarray
    z: np.ndarray
    level: np.ndarray
    travel: np.ndarray
    online: np.ndarray
    capacity: np.ndarray
    response: np.ndarray        # NaN (unknown) already filled with 0.5
    days: np.ndarray            # days inactive; NaN when unknown
    # Memberships as bits (key i in bit i % 8 of byte i // 8), a row per row:
    roles: np.ndarray           # of the index's roles
    groups: np.ndarray          # of group_keys
    group_keys: tuple[str, ...]
    needs: np.ndarray           # of need_keys
    need_keys: tuple[str, ...]
    club: np.ndarray            # int32 code in club_keys; -1 for none
    club_keys: tuple[str, ...]
    country: np.ndarray         # int64 code in country_keys (0: None)
    country_keys: tuple
    framework: np.ndarray       # int64 code in framework_keys (0: None)
    framework_keys: tuple
    cands: np.ndarray           # the Candidate objects

    def __len__(self) -> int:
        return len(self.ids)


def build_arrays(cands: tuple[Candidate, ...], roles: tuple[Role, ...], labels: Labels,
                 related: Mapping[str, frozenset[str]], today: date) -> IndexArrays:
    """Return the arrays of an index of these supporters (see :class:`IndexArrays`).

    Raises
    ------
    InvalidCandidate
        When an id is repeated or a supporter holds a role not in ``roles``.
    """
    columns = read_columns(cands, roles, today)
    columns = take_rows(columns, spatial_order(columns.cell, columns.ids))
    return arrays_from_columns(
        columns, roles, labels, related,
        lambda block_of_row: TextModel.of_bios(
            np.array([c.bio for c in columns.cands], dtype=object), block_of_row))


def read_columns(cands: tuple[Candidate, ...], roles: tuple[Role, ...],
                 today: date) -> Columns:
    """Read the candidates into columns, in the order given.

    Raises
    ------
    InvalidCandidate
        When an id is repeated or a supporter holds a role not in ``roles``.
    """
    n = len(cands)
    ids = np.fromiter(map(attrgetter("id"), cands), np.int64, n)
    if len(np.unique(ids)) != n:
        uniq, counts = np.unique(ids, return_counts=True)
        dup = int(uniq[counts > 1][0])
        raise InvalidCandidate("id", "appears more than once", candidate_id=dup)

    def column(name: str, dtype) -> np.ndarray:
        return np.fromiter(map(attrgetter(name), cands), dtype, n)

    group_keys, group_matrix = _membership(list(map(attrgetter("event_groups"), cands)))
    need_keys, need_matrix = _membership(list(map(attrgetter("needs"), cands)))
    clubs = list(map(attrgetter("club"), cands))
    club_keys = tuple(sorted(set(clubs) - {None}))
    club_codes = {c: i for i, c in enumerate(club_keys)}
    # None becomes NaN in a float array: unknown, filled with a neutral value.
    response = np.array(list(map(attrgetter("response_rate"), cands)), dtype=np.float64)
    response[np.isnan(response)] = 0.5
    countries = list(map(attrgetter("country"), cands))
    frameworks = list(map(attrgetter("framework"), cands))
    country_keys, framework_keys = _keys(countries), _keys(frameworks)
    lat, lon = column("lat", np.float64), column("lon", np.float64)
    x, y, z = unit_vectors(lat, lon)
    objects = np.empty(n, dtype=object)
    objects[:] = cands
    return Columns(
        ids=ids, lat=lat, lon=lon, cell=cell_codes(lat, lon), x=x, y=y, z=z,
        level=column("level", np.int64), travel=column("travel_km", np.float64),
        online=column("offers_online", bool), capacity=column("capacity_left", np.int64),
        response=response, days=_days_since(list(map(attrgetter("last_active"), cands)), today),
        roles=_pack(_role_membership(cands, roles)),
        groups=_pack(group_matrix), group_keys=tuple(group_keys),
        needs=_pack(need_matrix), need_keys=tuple(need_keys),
        club=np.fromiter(map(club_codes.get, clubs, repeat(-1)), np.int32, n),
        club_keys=club_keys,
        country=_coded(countries, country_keys), country_keys=country_keys,
        framework=_coded(frameworks, framework_keys), framework_keys=framework_keys,
        cands=objects,
    )


def changed_columns(old: Columns, new: Columns, source: np.ndarray) -> Columns:
    """Return rows of the old and the new columns: row ``i`` is ``source[i]``.

    ``source`` numbers the old rows first, then the new ones. Keys are merged
    and those no row holds any more are dropped, so the result equals reading
    the same candidates afresh.
    """
    pieces = source_pieces(source, len(old))
    # Only keys the old rows that left held can be held by nobody now.
    left = left_rows(source, len(old))
    groups, group_keys = _merge_matrix(old.groups, old.group_keys, new.groups, new.group_keys,
                                       source, pieces, left)
    needs, need_keys = _merge_matrix(old.needs, old.need_keys, new.needs, new.need_keys, source,
                                     pieces, left)
    club, club_keys = _merge_codes(old.club, old.club_keys, new.club, new.club_keys, source,
                                   pieces, left, none=False)
    country, country_keys = _merge_codes(old.country, old.country_keys, new.country,
                                         new.country_keys, source, pieces, left, none=True)
    framework, framework_keys = _merge_codes(old.framework, old.framework_keys, new.framework,
                                             new.framework_keys, source, pieces, left, none=True)

    def joined(name: str) -> np.ndarray:
        return gather(getattr(old, name), getattr(new, name), source, pieces)

    return Columns(
        **{name: joined(name) for name in ("ids", "lat", "lon", "cell", "x", "y", "z", "level",
                                            "travel", "online", "capacity", "response", "days",
                                            "roles", "cands")},
        groups=groups, group_keys=group_keys, needs=needs, need_keys=need_keys,
        club=club.astype(np.int32), club_keys=club_keys,
        country=country, country_keys=country_keys,
        framework=framework, framework_keys=framework_keys,
    )


def arrays_from_columns(columns: Columns, roles: tuple[Role, ...], labels: Labels,
                        related: Mapping[str, frozenset[str]], text) -> IndexArrays:
    """Return the arrays of an index from columns already in spatial order.

    ``text`` makes the index's :class:`TextModel` from the rows' online blocks
    (a row's block, or -1).
    """
    n = len(columns)
    c = columns
    # Each distinct set of event groups gets a code.
    group_code, first_with_groups = _row_codes(c.groups)
    # Needs: one bit each, stored byte by byte (any number of need keys).
    needs_bits = np.ascontiguousarray(c.needs.T)

    # Role-level groups: the country and the qualification framework are rules
    # that depend on nothing else, so they join roles and level.
    # The roles held join as one digit per byte of role bits (any number of roles).
    keys, role_level, _ = _codes_of(
        _joint_key(c.country, c.framework, c.level, *c.roles.T))
    role_level = role_level.astype(np.int32)
    n_role_levels = len(keys)
    # Any row of a group stands for it: its rows agree on all that made the key.
    one = np.empty(n_role_levels, np.int64)
    one[role_level] = np.arange(n)
    online = c.online
    role_levels = RoleLevelGroups(
        roles=_unpack(c.roles[one], len(roles)), level=c.level[one], framework=c.framework[one],
        country=c.country[one],
        online_count=np.bincount(role_level * 2 + online, minlength=2 * n_role_levels)
        .reshape(n_role_levels, 2).astype(np.int64))
    # Alike groups: at most 2 * n * n keys, so the key is decoded, not looked up.
    keys, _, count = _codes_of((group_code.astype(np.int64) * max(n_role_levels, 1)
                                + role_level) * 2 + online)
    alike = AlikeGroups(role_level=(keys // 2 % max(n_role_levels, 1)).astype(np.int32),
                        event_groups=(keys // 2 // max(n_role_levels, 1)).astype(np.int32),
                        online=(keys % 2).astype(bool), count=count.astype(np.int64))

    capacity = c.capacity
    blocks = _online_blocks(online, role_level, group_code, capacity, needs_bits, c.club,
                            len(c.club_keys))
    block_of_row = np.full(n, -1, dtype=np.int64)
    block_of_row[blocks.rows] = np.repeat(np.arange(len(blocks.start)), blocks.size)

    rows = SupporterRows(
        ids=c.ids, x=c.x, y=c.y, z=c.z, travel_chord=chord_from_km(c.travel), online=online,
        capacity=capacity,
        availability=np.where(capacity > 0, np.minimum(capacity, AVAILABILITY_FULL_AT)
                              / AVAILABILITY_FULL_AT, 0.0),
        response_rate=c.response, days_inactive=c.days, club=c.club,
        role_level=role_level, event_groups=group_code, need_bits=needs_bits,
        cell=c.cell)
    return IndexArrays(
        rows=rows,
        role_levels=role_levels,
        event_group_sets=EventGroupSets(
            members=_unpack(c.groups[first_with_groups], len(c.group_keys)),
            column=MappingProxyType({g: i for i, g in enumerate(c.group_keys)})),
        alike=alike,
        blocks=blocks,
        roles=roles,
        role_column=MappingProxyType({role.key: i for i, role in enumerate(roles)}),
        need_bit=MappingProxyType({k: (i // 8, 1 << (i % 8))
                                   for i, k in enumerate(c.need_keys)}),
        country_code=MappingProxyType({k: i for i, k in enumerate(c.country_keys)}),
        framework_code=MappingProxyType({k: i for i, k in enumerate(c.framework_keys)}),
        club_code=MappingProxyType({k: i for i, k in enumerate(c.club_keys)}),
        max_travel_km=float(c.travel.max()) if n else 0.0,
        text=text(block_of_row),
        candidates=c.cands,
        labels=labels,
        related_groups=MappingProxyType(dict(related)),
        columns=columns,
    )


def take_rows(columns: Columns, order: np.ndarray) -> Columns:
    """Return the columns' rows in this order."""
    return Columns(**{name: value[order] if isinstance(value, np.ndarray) else value
                      for name, value in ((f, getattr(columns, f))
                                          for f in Columns.__dataclass_fields__)})


def _keys(values: list) -> tuple:
    """Return None and then the distinct values, sorted: the codes' keys."""
    return (None, *sorted(set(values) - {None}))


def _coded(values: list, keys: tuple) -> np.ndarray:
    code = {k: i for i, k in enumerate(keys)}
    return np.fromiter(map(code.__getitem__, values), np.int64, len(values))


def _merge_matrix(old: np.ndarray, old_keys: tuple, new: np.ndarray, new_keys: tuple,
                  source: np.ndarray, pieces, left: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Join two membership bit matrices on the union of their keys, take the source
    rows, and drop keys nobody holds (only a key of the rows that ``left`` can be)."""
    if old_keys != new_keys and set(new_keys) <= set(old_keys):
        # The usual change: no key the index does not hold already.
        where = {k: i for i, k in enumerate(old_keys)}
        matrix = np.zeros((len(new), len(old_keys)), dtype=bool)
        matrix[:, [where[k] for k in new_keys]] = _unpack(new, len(new_keys))
        new, new_keys = _pack(matrix), old_keys
    if old_keys == new_keys:
        keys, bits = old_keys, gather(old, new, source, pieces)
        # Every old key was held; one only the rows that left held (and no new
        # row holds) may be held by nobody now.
        lost = (np.bitwise_or.reduce(old[left], axis=0)
                & ~np.bitwise_or.reduce(new, axis=0)) if len(left) else None
        if lost is None or not lost.any():
            return bits, keys
        held = _unpack(np.bitwise_or.reduce(bits, axis=0)[None, :], len(keys))[0]
        if held.all():
            return bits, keys
        matrix = _unpack(bits, len(keys))
    else:
        keys = tuple(sorted(set(old_keys) | set(new_keys)))
        where = {k: i for i, k in enumerate(keys)}
        matrix = np.zeros((len(old) + len(new), len(keys)), dtype=bool)
        matrix[:len(old), [where[k] for k in old_keys]] = _unpack(old, len(old_keys))
        matrix[len(old):, [where[k] for k in new_keys]] = _unpack(new, len(new_keys))
        matrix = matrix[source]
        held = matrix.any(axis=0)
    return _pack(matrix[:, held]), tuple(k for k, h in zip(keys, held, strict=True) if h)


def _merge_codes(old: np.ndarray, old_keys: tuple, new: np.ndarray, new_keys: tuple,
                 source: np.ndarray, pieces, left: np.ndarray, *,
                 none: bool) -> tuple[np.ndarray, tuple]:
    """Join two code columns on the union of their keys, take the source rows, and
    drop keys nobody holds (only a key of the rows that ``left`` can be).

    With ``none``, key 0 is None and stays; otherwise -1 means none.
    """
    first = 1 if none else 0
    if set(new_keys[first:]) <= set(old_keys[first:]):
        # The usual change: no new key, so the old codes stand.
        where = {k: i for i, k in enumerate(old_keys)}
        new_map = np.array([where[k] for k in new_keys] + [-1], np.int64)
        codes = gather(old.astype(np.int64, copy=False), new_map[new], source, pieces)
        maybe_lost = set(old[left].tolist()) - set(new_map[new].tolist()) - {-1}
        if none:
            maybe_lost.discard(0)
        if all(np.count_nonzero(codes == k) for k in maybe_lost):
            return codes, old_keys
    named = sorted(set(old_keys[first:]) | set(new_keys[first:]))
    keys = (None, *named) if none else tuple(named)
    where = {k: i for i, k in enumerate(keys)}
    # A lookup per side, with room for -1 (none) at the end.
    old_map = np.array([where[k] for k in old_keys] + [-1], np.int64)
    new_map = np.array([where[k] for k in new_keys] + [-1], np.int64)
    codes = np.concatenate([old_map[old], new_map[new]])[source]
    held = np.bincount(codes + 1, minlength=len(keys) + 1)[1:] > 0
    if none:
        held[0] = True
    if held.all():
        return codes, keys
    renumber = np.append(np.cumsum(held) - 1, -1)
    return renumber[codes], tuple(k for k, h in zip(keys, held, strict=True) if h)


def _online_blocks(online, role_level, group_code, capacity, needs_bits, club_code,
                   n_clubs: int) -> OnlineBlocks:
    """Return the online rows in blocks of equal role-level group, event groups and availability."""
    n_groups = int(group_code.max()) + 1 if len(group_code) else 1
    rows = np.flatnonzero(online)
    block_key = ((role_level[rows].astype(np.int64) * n_groups + group_code[rows]) * 2
                 + (capacity[rows] > 0))
    by_block = np.argsort(block_key, kind="stable")
    rows, block_key = rows[by_block], block_key[by_block]
    starts = np.flatnonzero(np.concatenate([[True], block_key[1:] != block_key[:-1]])
                            [:len(block_key)])
    first = rows[starts]
    # Online supporters by club, for assistant coaches' same-club supervisors.
    by_club = np.flatnonzero(online)
    by_club = by_club[np.argsort(club_code[by_club], kind="stable")]
    return OnlineBlocks(
        rows=rows,
        start=starts,
        size=np.diff(np.concatenate([starts, [len(rows)]])),
        role_level=role_level[first].astype(np.int32),
        event_groups=group_code[first].astype(np.int32),
        available=capacity[first] > 0,
        needs=(np.bitwise_or.reduceat(needs_bits[:, rows], starts, axis=1)
               if len(starts) else np.zeros((len(needs_bits), 0), np.uint8)),
        by_club=by_club,
        club_bounds=np.searchsorted(club_code[by_club], np.arange(n_clubs + 1)),
    )


def _role_membership(cands: tuple[Candidate, ...], roles: tuple[Role, ...]) -> np.ndarray:
    """Return the (rows x roles) membership matrix; refuse a role the index does not know."""
    keys = tuple(role.key for role in roles)
    try:
        return _membership(list(map(attrgetter("roles"), cands)), keys)[1]
    except KeyError:
        known = frozenset(keys)
        for c in cands:
            unknown = c.roles - known
            if unknown:
                raise InvalidCandidate("roles", f"unknown role {sorted(unknown)[0]!r}",
                                       candidate_id=c.id) from None
        raise


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


def _joint_key(*codes: np.ndarray) -> np.ndarray:
    """Return one int64 key per row whose order is that of the rows' codes, digit by digit.

    The codes (whole numbers, 0 or more) are the digits of one number; when
    the next digit could overflow it, the number so far is first renumbered
    0, 1, 2... (which keeps its order).
    """
    key = np.zeros(len(codes[0]), np.int64)
    span = 1
    for code in codes:
        code = code.astype(np.int64, copy=False)
        size = int(code.max()) + 1 if len(code) else 1
        if size > 2 ** 31:  # sparse values (a level of a billion): number them first
            code = np.unique(code, return_inverse=True)[1].reshape(-1)
            size = int(code.max()) + 1
        if span * size >= 2 ** 62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            span = int(key.max()) + 1
        key = key * size + code
        span *= size
    return key


def _pack(matrix: np.ndarray) -> np.ndarray:
    """Return a membership matrix as bytes, key i in bit i % 8 of byte i // 8."""
    if matrix.shape[1] == 0:
        return np.zeros((matrix.shape[0], 1), dtype=np.uint8)
    return np.packbits(matrix, axis=1, bitorder="little")


def _codes_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct keys (ascending), each row's position among them, and counts.

    What ``np.unique`` returns, without its sort when the keys span a range
    not much wider than their number (a rebuild after a small change should
    not sort every row three times).
    """
    if not len(keys):
        return keys, np.empty(0, np.int64), np.empty(0, np.int64)
    low, high = keys.min(), keys.max()
    if int(high) - int(low) > 4 * len(keys) + 65536:
        distinct, inverse, count = np.unique(keys, return_inverse=True, return_counts=True)
        return distinct, inverse.reshape(-1), count
    shifted = (keys - low).astype(np.int64)
    count = np.bincount(shifted)
    held = count > 0
    position = np.cumsum(held) - 1
    return (np.flatnonzero(held).astype(keys.dtype) + low, position[shifted],
            count[held])


def _unpack(bits: np.ndarray, n_keys: int) -> np.ndarray:
    """Return a bit matrix (see :func:`_pack`) as a boolean matrix of ``n_keys`` columns."""
    return np.unpackbits(bits, axis=1, count=n_keys, bitorder="little").astype(bool)


def _row_codes(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a code per distinct row of a byte matrix, and each code's first row."""
    width = -(-packed.shape[1] // 8) * 8
    padded = np.zeros((packed.shape[0], width), dtype=np.uint8)
    padded[:, :packed.shape[1]] = packed
    words = padded.view(np.uint64)
    if words.shape[1] == 1:
        _, code, _ = _codes_of(words[:, 0])
        first = np.empty(int(code.max()) + 1 if len(code) else 0, np.int64)
        first[code] = np.arange(len(code))  # any row of a code stands for it
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


def symmetric_relation(related: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    """Return related event groups with the relation made symmetric (and checked)."""
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
