"""Lay supporters out as :class:`IndexArrays`: columns, groups, blocks and a BallTree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter, itemgetter
from types import MappingProxyType

import numpy as np
from sklearn.neighbors import BallTree

from ._arrays import (
    AlikeGroups,
    EventGroupSets,
    IndexArrays,
    OnlineBlocks,
    RoleLevelGroups,
    SupporterRows,
)
from ._errors import InvalidCandidate, InvalidInput
from ._geo import chord_from_km, spatial_order, unit_vectors
from ._roles import Role
from ._text import TextModel
from ._types import Candidate, Labels

__all__ = ["AVAILABILITY_FULL_AT", "build_arrays", "symmetric_relation"]

#: Places free at which availability scores 1 (fewer places score less).
AVAILABILITY_FULL_AT = 3


def build_arrays(cands: tuple[Candidate, ...], roles: tuple[Role, ...], labels: Labels,
                 related: Mapping[str, frozenset[str]], today: date) -> IndexArrays:
    """Return the arrays of an index of these supporters (see :class:`IndexArrays`).

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
    role_matrix = _role_membership(cands, roles)
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

    # Each distinct set of event groups gets a code.
    group_code, first_with_groups = _row_codes(_pack(group_matrix))
    # Needs: one bit each, stored byte by byte (any number of need keys).
    needs_bits = np.ascontiguousarray(_pack(need_matrix).T)

    # Role-level groups: the country and the qualification framework are rules
    # that depend on nothing else, so they join roles and level.
    country_codes = _codes(map(attrgetter("country"), cands))
    framework_codes = _codes(map(attrgetter("framework"), cands))
    # (``cands`` is in spatial order by now, like every array.)
    country = np.fromiter(map(country_codes.get, map(attrgetter("country"), cands)),
                          np.int64, n)
    framework = np.fromiter(map(framework_codes.get, map(attrgetter("framework"), cands)),
                            np.int64, n)
    # The roles held join as one digit per byte of role bits (any number of roles).
    keys, role_level = np.unique(
        _joint_key(country, framework, level, *_pack(role_matrix).T), return_inverse=True)
    role_level = role_level.reshape(-1).astype(np.int32)
    n_role_levels = len(keys)
    # Any row of a group stands for it: its rows agree on all that made the key.
    one = np.empty(n_role_levels, np.int64)
    one[role_level] = np.arange(n)
    role_levels = RoleLevelGroups(
        roles=role_matrix[one], level=level[one], framework=framework[one], country=country[one],
        online_count=np.bincount(role_level * 2 + online, minlength=2 * n_role_levels)
        .reshape(n_role_levels, 2).astype(np.int64))
    # Alike groups: at most 2 * n * n keys, so the key is decoded, not looked up.
    keys, count = np.unique((group_code.astype(np.int64) * max(n_role_levels, 1) + role_level)
                            * 2 + online, return_counts=True)
    alike = AlikeGroups(role_level=(keys // 2 % max(n_role_levels, 1)).astype(np.int32),
                        event_groups=(keys // 2 // max(n_role_levels, 1)).astype(np.int32),
                        online=(keys % 2).astype(bool), count=count.astype(np.int64))

    blocks = _online_blocks(online, role_level, group_code, capacity, needs_bits, club_code,
                            len(club_codes))
    block_of_row = np.full(n, -1, dtype=np.int64)
    block_of_row[blocks.rows] = np.repeat(np.arange(len(blocks.start)), blocks.size)

    x, y, z = unit_vectors(lat, lon)
    rows = SupporterRows(
        ids=ids, x=x, y=y, z=z, travel_chord=chord_from_km(travel), online=online,
        capacity=capacity,
        availability=np.where(capacity > 0, np.minimum(capacity, AVAILABILITY_FULL_AT)
                              / AVAILABILITY_FULL_AT, 0.0),
        response_rate=response, days_inactive=days, club=club_code,
        role_level=role_level, event_groups=group_code, need_bits=needs_bits)
    return IndexArrays(
        rows=rows,
        role_levels=role_levels,
        event_group_sets=EventGroupSets(
            members=group_matrix[first_with_groups],
            column=MappingProxyType({g: i for i, g in enumerate(group_keys)})),
        alike=alike,
        blocks=blocks,
        roles=roles,
        role_column=MappingProxyType({role.key: i for i, role in enumerate(roles)}),
        need_bit=MappingProxyType({k: (i // 8, 1 << (i % 8)) for i, k in enumerate(need_keys)}),
        country_code=MappingProxyType(country_codes),
        framework_code=MappingProxyType(framework_codes),
        club_code=MappingProxyType(club_codes),
        max_travel_km=float(travel.max()) if n else 0.0,
        tree=(BallTree(np.radians(np.column_stack([lat, lon])), metric="haversine")
              if n else None),
        text=TextModel(tuple(bios), block_of_row),
        candidates=tuple(cands),
        labels=labels,
        related_groups=MappingProxyType(dict(related)),
    )


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


def _codes(values: Iterable[str | None]) -> dict[str | None, int]:
    """Return a small code for each distinct value; None (not given) is always 0."""
    return {value: i for i, value in enumerate([None, *sorted(set(values) - {None})])}


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
