"""Fixtures for the matching tests: factories for supporters, queries and indexes."""

from __future__ import annotations

from datetime import date

import pytest

from matching import Candidate, Labels, Query, SupportIndex

TODAY = date(2025, 6, 1)

# Leeds city centre; the other places are real distances from it.
LEEDS = (53.7997, -1.5492)

LABELS = Labels(
    event_groups={"jumps": "Jumps", "sprints": "Sprints", "hurdles": "Hurdles",
                  "endurance": "Endurance", "race_walking": "Race walking"},
    needs={"periodisation": "periodisation", "technical_model": "technical model",
           "strength_power": "strength", "mental_prep": "mental preparation"},
)
RELATED = {"sprints": {"hurdles"}, "endurance": {"race_walking"}}


def north_of(km: float, origin: tuple[float, float] = LEEDS) -> tuple[float, float]:
    """Return the point ``km`` due north of ``origin`` (one degree is 111.195 km)."""
    return origin[0] + km / 111.19508, origin[1]


@pytest.fixture
def make_candidate():
    """Return a factory of supporters 1 km north of Leeds unless told otherwise."""

    def make(id: int = 1, *, km: float = 1.0, **overrides) -> Candidate:
        lat, lon = north_of(km)
        values = dict(lat=lat, lon=lon, roles={"mentor"}, level=3, qualification="Level 3",
                      travel_km=50.0, capacity_left=2)
        values.update(overrides)
        return Candidate(id, **values)

    return make


@pytest.fixture
def make_query():
    """Return a factory of queries from Leeds: a level-1 coach wanting a mentor."""

    def make(**overrides) -> Query:
        values = dict(lat=LEEDS[0], lon=LEEDS[1], radius_km=25.0, roles={"mentor"}, level=1)
        values.update(overrides)
        return Query(**values)

    return make


@pytest.fixture
def build():
    """Return a factory of indexes with the test labels, related groups and date."""

    def make(candidates, **options) -> SupportIndex:
        options.setdefault("labels", LABELS)
        options.setdefault("related_groups", RELATED)
        options.setdefault("today", TODAY)
        return SupportIndex.build(candidates, **options)

    return make
