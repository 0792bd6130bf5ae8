"""Never an empty page without help: fallbacks and the sentence that explains them."""

from __future__ import annotations

import pytest

from matching import Fallbacks


@pytest.fixture
def sparse_jumps(build, make_candidate):
    """Jumps mentors none of whom is within 10 km; some online; some far."""
    return build([
        make_candidate(1, km=14.0, event_groups={"jumps"}, travel_km=30.0),
        make_candidate(2, km=22.0, event_groups={"jumps"}, travel_km=30.0),
        make_candidate(3, km=24.0, event_groups={"jumps"}, travel_km=40.0),
        make_candidate(4, km=18.0, event_groups={"jumps"}, travel_km=5.0),   # does not travel
        make_candidate(5, km=16.0, event_groups={"jumps"}, capacity_left=0),  # full
        make_candidate(6, km=300.0, event_groups={"jumps"}, offers_online=True),
        make_candidate(7, km=250.0, event_groups={"jumps"}, offers_online=True),
        make_candidate(8, km=2.0, event_groups={"throws"}),
        make_candidate(9, km=3.0, event_groups={"jumps"}, roles={"co_coach"}),
    ])


def test_nothing_within_radius_offers_nearest_beyond_and_online(sparse_jumps, make_query):
    query = make_query(radius_km=10.0, event_groups={"jumps"}, require_event_group=True)
    result = sparse_jumps.rank(query)
    assert result.ids == ()
    fb = result.fallbacks
    # Nearest first; 5 is full. 4 does not travel that far but is nearer than
    # those who do, so the coach could go to them: their reasons say so.
    assert [m.id for m in fb.beyond_radius] == [1, 4, 2, 3]
    assert [round(m.distance_km) for m in fb.beyond_radius] == [14, 18, 22, 24]
    assert fb.beyond_radius[0].reasons[0] == "14 km away"
    assert fb.beyond_radius[1].reasons[:2] == ("18 km away", "travels up to 5 km")
    assert all("travels up to" not in r for m in fb.beyond_radius if m.id != 4
               for r in m.reasons)
    # The smallest round radius that finds someone (1, at 14 km, travels 30 km).
    assert fb.wider_radius_km == 15.0
    assert fb.within_wider_radius == 1
    assert {m.id for m in fb.online} == {6, 7}
    assert all(m.mode == "online" for m in fb.online)
    assert fb.online_count == 2
    assert result.explanation == (
        "No jumps mentors within 10 km; 1 within 15 km; 2 online. Of the rest: "
        "1 in other roles, 1 outside your event groups, 7 beyond 10 km.")


def test_few_results_say_how_many_and_where_more_are(sparse_jumps, make_query):
    query = make_query(radius_km=15.0, event_groups={"jumps"}, require_event_group=True)
    result = sparse_jumps.rank(query)
    assert result.ids == (1,)
    assert result.explanation == "Only 1 jumps mentor within 15 km; 3 within 25 km; 2 online."
    # Someone is free in person: only those a wider search would find are offered.
    assert [m.id for m in result.fallbacks.beyond_radius] == [2, 3]


def test_enough_results_need_no_fallbacks(build, make_candidate, make_query):
    index = build([make_candidate(i, km=float(i)) for i in range(1, 5)])
    result = index.rank(make_query())
    assert result.fallbacks is None
    assert result.explanation is None


def test_fallback_threshold_and_size_are_options(sparse_jumps, make_query):
    query = make_query(radius_km=30.0, event_groups={"jumps"}, require_event_group=True)
    assert sparse_jumps.rank(query).fallbacks is None  # 3 available: enough
    result = sparse_jumps.rank(query, fallback_below=5, fallback_limit=1)
    assert result.fallbacks is not None
    assert len(result.fallbacks.online) == 1


def test_only_waitlist_says_so(build, make_candidate, make_query):
    index = build([make_candidate(1, capacity_left=0), make_candidate(2, capacity_left=0)])
    result = index.rank(make_query(radius_km=10.0))
    assert result.ids == (1, 2)
    assert result.explanation.startswith(
        "No mentors with places free within 10 km (2 full: waitlist)")


def test_online_queries_get_no_radius_fallbacks(sparse_jumps, make_query):
    result = sparse_jumps.rank(make_query(mode="online", roles={"co_coach"}))
    assert result.fallbacks == Fallbacks()
    assert result.explanation.startswith("No co-coaches online.")


def test_either_mode_sentence(build, make_candidate, make_query):
    index = build([make_candidate(1, km=40.0)])
    result = index.rank(make_query(radius_km=10.0, mode="either", roles=set()))
    assert result.explanation == (
        "No supporters within 10 km; 1 within 40 km. Of the rest: 1 beyond 10 km.")


def test_where_nobody_travels_that_far_the_nearest_are_still_offered(
        build, make_candidate, make_query):
    # A sparse place: everyone is far away and travels only a little way.
    index = build([make_candidate(1, km=150.0, travel_km=20.0),
                   make_candidate(2, km=120.0, travel_km=10.0),
                   make_candidate(3, km=400.0, travel_km=20.0, offers_online=True)])
    result = index.rank(make_query(radius_km=10.0, mode="in_person"))
    fb = result.fallbacks
    assert [m.id for m in fb.beyond_radius] == [2, 1, 3]
    assert fb.beyond_radius[0].reasons[:2] == ("120 km away", "travels up to 10 km")
    assert fb.wider_radius_km is None  # no wider search would find anyone in person
    assert [m.id for m in fb.online] == [3]
    assert result.explanation.startswith(
        "No mentors within 10 km; the nearest is 120 km away; 1 online.")


def test_either_mode_offers_the_online_section_and_the_nearest_in_person(
        build, make_candidate, make_query):
    index = build([make_candidate(1, km=30.0), make_candidate(2, km=200.0, offers_online=True)])
    result = index.rank(make_query(radius_km=10.0, mode="either"))
    assert result.ids == ()
    assert [m.id for m in result.online] == [2]
    assert [m.id for m in result.fallbacks.beyond_radius] == [1]
    assert result.fallbacks.online == ()  # the online section is not a fallback here
    assert result.explanation.startswith("No mentors within 10 km; 1 within 30 km; 1 online.")
