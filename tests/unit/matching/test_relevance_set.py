"""The product's search rules, proven from the outside on the judged relevance set.

The set (``benchmarks/relevance_set.py``) judges every supporter of a fixed
population for 55 searches from the product rules alone; these tests rank
the same searches with the current ``matching`` package and compare.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

import matching  # noqa: F401 - imported first: the engine under test (PYTHONPATH may pick it)

# The benchmarks folder is not a package anyone installs: reach it from the
# repository root, put last so the ``matching`` already imported stays the one.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from benchmarks import relevance_bench as bench  # noqa: E402
from benchmarks import relevance_set as rs  # noqa: E402

PEOPLE = rs.population()
BY_ID = {s.id: s for s in PEOPLE}


@pytest.fixture(scope="module")
def shown() -> dict[str, dict[str, list[int]]]:
    """Return every search's shown sections, ranked once by the current engine."""
    index = bench.build_index(PEOPLE)
    return {s.name: bench.rank_sections(index, s) for s in rs.SEARCHES}


def _km(search: rs.Search, supporter: rs.Supporter) -> float:
    return rs.distance_km(search.lat, search.lon, supporter.lat, supporter.lon)


# --------------------------------------------------------------- the set is sound
def test_set_covers_places_roles_and_modes():
    names = [s.name for s in rs.SEARCHES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    assert {s.region for s in rs.SEARCHES} == {"gb_city", "gb_town", "highlands", "us"}
    assert {s.mode for s in rs.SEARCHES} == {"in_person", "online", "either"}
    assert set().union(*(s.roles for s in rs.SEARCHES)) == set(rs.ROLES)
    assert any(s.other_countries for s in rs.SEARCHES)
    assert any(s.level == 0 for s in rs.SEARCHES)
    assert rs.population() == PEOPLE  # the same seed makes the same people


@pytest.mark.parametrize("search", rs.SEARCHES, ids=lambda s: s.name)
def test_every_search_is_judged_sensibly(search):
    grades = rs.judge(search, PEOPLE)
    if search.thin:
        # Deliberately thin: nobody in person inside the radius.
        assert not rs.in_person_matches(search, PEOPLE)
        assert search.mode == "in_person"
    else:
        assert max(grades.values()) >= 1


def test_thin_searches_have_someone_beyond_the_radius():
    thin = [s for s in rs.SEARCHES if s.thin]
    with_beyond = [s for s in thin if rs.beyond_radius(s, PEOPLE)]
    assert len(with_beyond) >= 5 and len(with_beyond) >= len(thin) - 1


def test_grade_follows_the_product_rules():
    leeds = rs.search("leeds_either_mentor_endurance")  # level 1 UK coach, 25 km, either
    local = min((s for s in PEOPLE if rs.grade(leeds, s) == 3 and not s.offers_online),
                key=lambda s: s.id)
    assert rs.fit(leeds, local) == "strong" and not local.full

    def graded(search=leeds, **changes) -> int:
        return rs.grade(search, replace(local, **changes))

    assert graded() == 3
    assert graded(capacity_left=0) == 2                              # full: one lower
    assert graded(roles=frozenset({"co_coach"})) == 0                # role not wanted
    assert graded(level=1) == 0                                      # mentor not above
    assert graded(level=1, framework="us") == 3                      # other ladder: no rule
    assert graded(travel_km=_km(leeds, local) - 0.1) == 0            # radius is mutual
    far = {"lat": local.lat + 1.0, "travel_km": 200.0}
    assert graded(**far) == 0                                        # beyond the radius
    assert graded(**far, offers_online=True) == 2                    # online only: below local
    assert graded(search=replace(leeds, mode="online"), **far, offers_online=True) == 3
    assert graded(search=replace(leeds, mode="in_person"), **far, offers_online=True) == 0
    assert graded(country="US", offers_online=True) == 0             # another country
    assert graded(search=replace(leeds, other_countries=True), country="US") == 3
    assert graded(event_groups=frozenset({"race_walking"})) == 2     # related group: partial
    assert graded(event_groups=frozenset({"throws"}), needs=frozenset()) == 1  # poor
    required = replace(leeds, require_event_group=True)
    assert rs.grade(required, replace(local, event_groups=frozenset({"running_fitness"}))) == 2
    assert rs.grade(required, replace(local, event_groups=frozenset({"throws"}))) == 0


# ---------------------------------------------- the current engine keeps the rules
def test_no_supporter_from_another_country_unless_asked(shown):
    leaks = {}
    for search in rs.SEARCHES:
        if search.other_countries:
            continue
        foreign = [i for i in bench.displayed(shown[search.name], search.mode)
                   if BY_ID[i].country != search.country]
        if foreign:
            leaks[search.name] = len(foreign)
    assert not leaks, f"supporters from another country shown (search: how many): {leaks}"


def test_in_person_or_online_shows_local_supporters_first(shown):
    checked, wrong = 0, {}
    for search in rs.SEARCHES:
        local = rs.in_person_matches(search, PEOPLE)
        if search.mode != "either" or len(local) < bench.TOP:
            continue
        checked += 1
        first = bench.displayed(shown[search.name], search.mode)[:bench.TOP]
        not_local = [k + 1 for k, i in enumerate(first) if i not in local]
        if not_local:
            wrong[search.name] = not_local
    assert checked >= 10
    assert not wrong, f"not in person within the radius (search: positions in the top 10): {wrong}"


def test_thin_in_person_search_offers_nearest_beyond_radius_before_online(shown):
    checked, wrong = 0, {}
    for search in rs.SEARCHES:
        if search.mode != "in_person" or rs.in_person_matches(search, PEOPLE):
            continue
        expected = rs.beyond_radius(search, PEOPLE)
        if not expected:
            continue
        checked += 1
        section_of = bench.shown_in(shown[search.name], search.mode)  # display order, each id once
        order = list(section_of)
        nearest = expected[0].id
        online = [i for i, name in section_of.items() if name in ("online", "fallback_online")]
        if nearest not in order:
            wrong[search.name] = f"nearest ({nearest}, {_km(search, expected[0]):.0f} km) missing"
        elif any(order.index(i) < order.index(nearest) for i in online):
            wrong[search.name] = "an online supporter comes first"
    assert checked >= 5
    assert not wrong, wrong
