"""Score parts, tie breaks and the plain-English reasons of a match."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from matching import MAX_AVAILABILITY, PART_NAMES, CohortCoach, Weights, allocate

ONLY = dict.fromkeys(PART_NAMES, 0.0)


def only(part: str, **shape) -> Weights:
    """Return weights counting one part alone, at weight 1 (availability: its most)."""
    weight = MAX_AVAILABILITY if part == "availability" else 1.0
    return Weights(**{**ONLY, part: weight, **shape})


def score_of(index, query, weights, candidate_id):
    return next(m for m in index.rank(query, weights, limit=50) if m.id == candidate_id)


def test_score_is_the_sum_of_weighted_parts(build, make_candidate, make_query):
    index = build([make_candidate(1, km=4.0, event_groups={"jumps"}, needs={"periodisation"},
                                  response_rate=0.9, last_active=3, bio="block periodisation")])
    match = index.rank(make_query(event_groups={"jumps"}, needs={"periodisation": 2.0},
                                  goals_text="periodisation plan")).matches[0]
    assert set(match.parts) == set(PART_NAMES)
    assert match.score == pytest.approx(sum(match.parts.values()), rel=1e-12)
    assert all(v >= 0 for v in match.parts.values())


def test_proximity_decays_with_distance(build, make_candidate, make_query):
    w = only("proximity", proximity_half_km=10.0)
    index = build([make_candidate(i, km=km) for i, km in enumerate([0.0, 10.0, 20.0], 1)])
    scores = [m.score for m in index.rank(make_query(), w)]
    assert scores == pytest.approx([1.0, 0.5, 1 / 3], rel=1e-6)


def test_online_matches_get_a_neutral_proximity(build, make_candidate, make_query):
    w = only("proximity", online_proximity=0.4)
    index = build([make_candidate(1, km=300.0, offers_online=True),
                   make_candidate(2, km=1.0, offers_online=True)])
    result = index.rank(make_query(mode="either"), w)
    (near,), (far,) = result.matches, result.online
    assert (near.id, near.mode, far.id, far.mode) == (2, "in_person", 1, "online")
    assert far.score == pytest.approx(0.4)
    assert near.score == pytest.approx(10 / 11)
    assert all(m.score == pytest.approx(0.4) for m in index.rank(make_query(mode="online"), w))


@pytest.mark.parametrize(("groups", "expected"), [
    ({"sprints"}, 1.0),
    ({"hurdles"}, 0.5),      # related to sprints
    ({"jumps"}, 0.0),
])
def test_event_group_fit_exact_related_none(build, make_candidate, make_query, groups,
                                            expected):
    index = build([make_candidate(1, event_groups=groups)])
    match = index.rank(make_query(event_groups={"sprints"}), only("event_group")).matches[0]
    assert match.score == pytest.approx(expected)


def test_event_group_fit_averages_the_coach_groups(build, make_candidate, make_query):
    index = build([make_candidate(1, event_groups={"jumps"})])
    match = index.rank(make_query(event_groups={"jumps", "endurance"}),
                       only("event_group")).matches[0]
    assert match.score == pytest.approx(0.5)


def test_needs_coverage_is_weighted_by_priority(build, make_candidate, make_query):
    index = build([make_candidate(1, needs={"periodisation", "mental_prep"})])
    query = make_query(needs={"periodisation": 3.0, "technical_model": 1.0, "mental_prep": 0.0,
                              "strength_power": 1.0})
    match = index.rank(query, only("needs")).matches[0]
    assert match.score == pytest.approx(3.0 / 5.0)


@pytest.mark.parametrize(("role", "gap", "expected"), [
    ("mentor", 1, 1.0), ("mentor", 2, 1.0), ("mentor", 3, 0.5), ("mentor", 5, 0.125),
    ("technical_advisor", 3, 1.0), ("coach_developer", 4, 0.5),
    ("co_coach", 0, 1.0), ("co_coach", 1, 0.5), ("co_coach", -1, 0.5),
])
def test_ladder_fit_prefers_a_gap_per_role(build, make_candidate, make_query, role, gap,
                                           expected):
    index = build([make_candidate(1, roles={role}, level=2 + gap)])
    match = index.rank(make_query(roles={role}, level=2), only("ladder")).matches[0]
    assert match.score == pytest.approx(expected)


@pytest.mark.parametrize(("places", "expected"), [(1, 1 / 3), (2, 2 / 3), (3, 1.0), (9, 1.0),
                                                  (0, 0.0)])
def test_availability_grows_with_places_free(build, make_candidate, make_query, places,
                                             expected):
    index = build([make_candidate(1, capacity_left=places)])
    assert index.rank(make_query(), only("availability")).matches[0].score == pytest.approx(
        expected * MAX_AVAILABILITY)


@pytest.mark.parametrize(("rate", "last_active", "expected"), [
    (1.0, 0, 1.0),
    (0.0, 30, 0.25),                    # recency halves every 30 days
    (None, None, 0.5),                  # unknown counts as neutral
    (0.8, date(2025, 5, 2), 0.65),      # 30 days before TODAY
    (0.8, datetime(2025, 6, 1, 9, 30), 0.9),
])
def test_responsiveness_from_response_rate_and_recency(build, make_candidate, make_query,
                                                       rate, last_active, expected):
    index = build([make_candidate(1, response_rate=rate, last_active=last_active)])
    match = index.rank(make_query(), only("responsiveness")).matches[0]
    assert match.score == pytest.approx(expected)


def test_text_similarity_prefers_bios_matching_the_goals(build, make_candidate, make_query):
    index = build([
        make_candidate(1, bio="Hurdles rhythm and sprint drills for juniors"),
        make_candidate(2, bio="Marathon and cross country training blocks"),
        make_candidate(3, bio=""),
    ])
    assert not index.arrays.text.fitted  # fitted lazily, on the first query with goals text
    result = index.rank(make_query(goals_text="improve hurdles rhythm"), only("text"))
    assert index.arrays.text.fitted
    assert result.ids[0] == 1
    assert 0 < result.matches[0].score <= 1
    assert [m.score for m in result.matches[1:]] == [0.0, 0.0]
    assert "bio mentions hurdles, rhythm" in result.matches[0].reasons


def test_text_counts_nothing_without_goals_or_weight(build, make_candidate, make_query):
    index = build([make_candidate(1, bio="hurdles")])
    assert index.rank(make_query(), only("text")).matches[0].score == 0.0
    assert not index.arrays.text.fitted
    w = Weights(text=0.0)
    assert index.rank(make_query(goals_text="hurdles"), w).matches[0].parts["text"] == 0.0


def test_fit_text_eagerly(build, make_candidate):
    index = build([make_candidate(1, bio="hurdles")], fit_text=True)
    assert index.arrays.text.fitted


def test_ties_break_by_distance_then_id(build, make_candidate, make_query):
    w = only("availability")  # every score equal
    index = build([make_candidate(5, km=3.0), make_candidate(4, km=3.0),
                   make_candidate(9, km=1.0), make_candidate(2, km=7.0)])
    assert index.rank(make_query(), w).ids == (9, 4, 5, 2)
    # More ties than places: the nearest win, and equal distances go by id.
    assert index.rank(make_query(), w, limit=1).ids == (9,)
    assert index.rank(make_query(), w, limit=2).ids == (9, 4)
    assert index.rank(make_query(), w, limit=3).ids == (9, 4, 5)


def test_reasons_read_like_the_product_page(build, make_candidate, make_query):
    index = build([make_candidate(
        7, km=9.2, event_groups={"jumps"}, level=3, qualification="Level 3",
        needs={"periodisation", "technical_model", "strength_power"}, capacity_left=2)])
    query = make_query(event_groups={"jumps"}, level=1, needs={
        "periodisation": 3.0, "technical_model": 2.0, "strength_power": 1.0, "mental_prep": 1.0})
    match = index.rank(query).matches[0]
    assert match.reasons == (
        "9 km away",
        "Jumps",
        "covers 3 of your 4 needs: periodisation, technical model, strength",
        "Level 3, two levels above you",
        "2 places free",
    )
    assert match.summary == (
        "9 km away · Jumps · covers 3 of your 4 needs: periodisation, technical model, "
        "strength · Level 3, two levels above you · 2 places free")


@pytest.mark.parametrize(("kwargs", "query_kwargs", "reason"), [
    ({"km": 0.4}, {}, "under 1 km away"),
    ({"event_groups": {"hurdles"}}, {"event_groups": {"sprints"}},
     "Hurdles (related to Sprints)"),
    ({"event_groups": {"race_walking"}}, {"event_groups": {"race_walking"}}, "Race walking"),
    ({"needs": {"periodisation"}}, {"needs": {"periodisation": 1.0}},
     "covers your need: periodisation"),
    ({"needs": {"periodisation", "mental_prep"}},
     {"needs": {"periodisation": 1.0, "mental_prep": 2.0}},
     "covers all 2 of your needs: mental preparation, periodisation"),
    ({"needs": {"club_capacity"}}, {"needs": {"club_capacity": 1.0, "peaking": 1.0}},
     "covers 1 of your 2 needs: club capacity"),   # no label: readable key
    ({"level": 2, "roles": {"co_coach"}, "qualification": "Coach"},
     {"roles": {"co_coach"}, "level": 2}, "Coach, same level as you"),
    ({"level": 1, "roles": {"co_coach"}, "qualification": ""},
     {"roles": {"co_coach"}, "level": 2}, "Rank 1, one level below you"),
    ({"capacity_left": 1}, {}, "1 place free"),
    ({"offers_online": True}, {"mode": "either"}, "also online"),
    ({"response_rate": 0.92}, {}, "answers 92% of requests"),
    ({"last_active": 2}, {}, "active this week"),
])
def test_reason_texts(build, make_candidate, make_query, kwargs, query_kwargs, reason):
    index = build([make_candidate(1, **kwargs)])
    assert reason in index.rank(make_query(**query_kwargs)).matches[0].reasons


def test_result_carries_the_weights_version(build, make_candidate, make_query):
    index = build([make_candidate(1)])
    assert index.rank(make_query(), Weights(version=7)).weights_version == 7


def test_candidate_lookup_and_ids(build, make_candidate):
    index = build([make_candidate(3), make_candidate(1, km=50)])
    assert sorted(index.ids.tolist()) == [1, 3]
    assert 3 in index and 2 not in index
    assert index.candidate(1).id == 1
    assert len(index) == 2
    with pytest.raises(KeyError):
        index.candidate(2)
    with pytest.raises(ValueError):
        index.ids[0] = 5


def test_in_search_an_online_capable_local_gets_no_online_credit(build, make_candidate,
                                                                  make_query):
    # In search the in-person list and the online section are ranked apart: a
    # local supporter 20 km away scores their distance (1/3), never the
    # neutral 0.5 of an online match, so offering online lifts nobody above a
    # nearer local. Allocation ranks one pool, where the pair keeps the better
    # of the two, so moving closer never lowers a pair's score.
    w = only("proximity", proximity_half_km=10.0, online_proximity=0.5)
    index = build([make_candidate(1, km=20.0, offers_online=True),
                   make_candidate(2, km=30.0, offers_online=True)])
    result = index.rank(make_query(mode="either", radius_km=25.0), w)
    (near,), (far,) = result.matches, result.online
    assert (near.id, near.mode, far.id, far.mode) == (1, "in_person", 2, "online")
    assert near.score == pytest.approx(1 / 3)
    assert far.score == pytest.approx(0.5)
    (pair,) = allocate([CohortCoach(1, make_query(mode="either", radius_km=25.0))],
                       build([make_candidate(1, km=20.0, offers_online=True)]), w).assignments
    assert pair.score == pytest.approx(0.5)


def test_places_free_never_reorder_a_clearly_nearer_supporter(build, make_candidate,
                                                              make_query):
    # 3 places free at 12 km against 1 free at 5 km, all else equal: nearer first.
    index = build([make_candidate(1, km=12.0, capacity_left=3),
                   make_candidate(2, km=5.0, capacity_left=1),
                   make_candidate(3, km=1.0, capacity_left=0)])
    assert index.rank(make_query()).ids == (2, 1, 3)  # full: last, as waitlist
    # Places free do break a near-tie (the same distance to the kilometre).
    tie = build([make_candidate(1, km=8.0, capacity_left=1),
                 make_candidate(2, km=8.3, capacity_left=3)])
    assert tie.rank(make_query()).ids == (2, 1)


@pytest.mark.parametrize("km", [2.0, 5.0, 10.0, 25.0, 50.0, 90.0])
def test_places_free_weigh_less_than_a_fifth_more_distance(build, make_candidate, make_query,
                                                           km):
    # With the default weights, whatever the places free, a supporter a fifth
    # nearer (and at least 2 km nearer) comes first when all else is equal.
    nearer = min(km / 1.2, km - 2.0)
    index = build([make_candidate(1, km=km, capacity_left=9, travel_km=100.0),
                   make_candidate(2, km=nearer, capacity_left=1, travel_km=100.0)])
    assert index.rank(make_query(radius_km=100.0)).ids == (2, 1)


def test_availability_weight_is_capped_as_a_tie_breaker():
    with pytest.raises(ValueError, match="availability: must be between 0 and 0.25"):
        Weights(availability=1.0)


def test_a_need_of_priority_zero_is_not_counted_in_the_reasons(build, make_candidate,
                                                               make_query):
    index = build([make_candidate(1, needs={"periodisation", "strength_power"})])
    query = make_query(needs={"periodisation": 2.0, "strength_power": 0.0, "mental_prep": 1.0})
    reasons = index.rank(query).matches[0].reasons
    assert "covers 1 of your 2 needs: periodisation" in reasons
