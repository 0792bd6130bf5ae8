"""Supporters' public search cards, kept compact and rendered when shown.

A worker holds the card of every eligible supporter so that search answers
without the database. As dicts (with their nested dicts and lists), 100,000
cards took about 80 MB a worker; as one tuple each, with values many supporters
share held once, about 18 MB. A search renders only the forty or so it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import NamedTuple


class CardRow(NamedTuple):
    """What a card says, as read from the database (see ``search_index``)."""

    name: str
    roles: tuple[tuple[str, str], ...]  # (key, name) pairs, in the taxonomy's order
    event_groups: tuple[tuple[str, str], ...]
    expertise: tuple[tuple[str, str], ...]
    qualification: str | None
    years_coaching: int | None
    club: str | None
    bio: str
    near: str | None  # outward code
    place: str | None  # public town
    # Where search places them (their sector's or district's centre): a map
    # marker there agrees with the distances and the radius.
    area_lat: float
    area_lon: float
    online: bool
    travel_km: float
    capacity_left: int
    replies_within_days: float | None
    active_this_month: bool
    # The last day they may be found (their check or licence expires after it);
    # never shown: a snapshot carried past midnight without the database drops them.
    last_day: date


class Cards(Mapping[int, dict]):
    """``{supporter_id: card}``; each card is a new dict, free to change."""

    __slots__ = ("_rows",)

    def __init__(self, rows: dict[int, CardRow] | None = None):
        self._rows = rows if rows is not None else {}

    def __getitem__(self, supporter_id: int) -> dict:
        return render(supporter_id, self._rows[supporter_id])

    def __contains__(self, supporter_id: object) -> bool:
        return supporter_id in self._rows

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def names(self) -> Iterator[tuple[int, str, str | None]]:
        """Yield ``(id, name, club)`` of every card, without rendering any."""
        for sid, row in self._rows.items():
            yield sid, row.name, row.club

    def changed(self, rows: Mapping[int, CardRow], gone: Iterable[int] = ()) -> Cards:
        """Return these cards with ``rows`` added or replaced and ``gone`` removed."""
        new = dict(self._rows)  # a C-level copy: no pass in Python
        for sid in gone:
            new.pop(sid, None)
        new.update(rows)
        return Cards(new)

    def without(self, leaving: set[int]) -> Cards:
        """Return these cards less those of ``leaving``."""
        return self.changed({}, leaving)

    def expired_by(self, today: date) -> set[int]:
        """Return the ids of the supporters who may no longer be found on ``today``."""
        return {sid for sid, row in self._rows.items() if row.last_day < today}


def render(supporter_id: int, row: CardRow) -> dict:
    """Return the card as search answers show it."""
    return {
        "id": supporter_id,
        "name": row.name,
        "roles": _listed(row.roles),
        "event_groups": _listed(row.event_groups),
        "expertise": _listed(row.expertise),
        "qualification": row.qualification,
        "years_coaching": row.years_coaching,
        "club": row.club,
        "bio": row.bio,
        "near": row.near,
        "place": row.place,
        "area_lat": row.area_lat,
        "area_lon": row.area_lon,
        "online": row.online,
        "travel_km": row.travel_km,
        "availability": {"status": "available" if row.capacity_left > 0 else "waitlist",
                         "places_free": max(row.capacity_left, 0)},
        "replies_within_days": row.replies_within_days,
        "active_this_month": row.active_this_month,
    }


def _listed(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"key": key, "name": name} for key, name in pairs]
