"""Each hard rule of PRODUCT.md, and how the diagnostics count it."""

from __future__ import annotations

import pytest

from matching import RULES, InvalidInput


def test_wanted_roles_only_and_empty_means_any(build, make_candidate, make_query):
    index = build([
        make_candidate(1, roles={"mentor"}),
        make_candidate(2, roles={"technical_advisor"}),
        make_candidate(3, roles={"coach_developer"}),
    ])
    mentors = index.rank(make_query(roles={"mentor"}))
    assert mentors.ids == (1,)
    assert mentors.diagnostics.removed["role"] == 2
    assert set(index.rank(make_query(roles=set())).ids) == {1, 2, 3}


def test_matched_roles_are_the_wanted_ones_that_pass(build, make_candidate, make_query):
    index = build([make_candidate(1, roles={"mentor", "co_coach", "technical_advisor"},
                                  level=2)])
    match = index.rank(make_query(roles={"mentor", "co_coach"}, level=1)).matches[0]
    assert match.roles == ("co_coach", "mentor")


@pytest.mark.parametrize(("km", "travel_km", "rule"), [
    (30.0, 100.0, "outside_radius"),   # beyond the coach's 25 km
    (15.0, 10.0, "travel_distance"),   # inside 25 km but beyond their own 10 km
])
def test_radius_is_mutual(build, make_candidate, make_query, km, travel_km, rule):
    index = build([make_candidate(1, km=km, travel_km=travel_km), make_candidate(2, km=5.0)])
    result = index.rank(make_query(radius_km=25.0))
    assert result.ids == (2,)
    assert result.diagnostics.removed[rule] == 1


def test_inside_both_radii_passes(build, make_candidate, make_query):
    index = build([make_candidate(1, km=9.0, travel_km=9.5)])
    assert index.rank(make_query(radius_km=10.0)).ids == (1,)


def test_online_supporters_pass_any_distance_when_online_is_acceptable(
        build, make_candidate, make_query):
    far = make_candidate(1, km=400.0, offers_online=True, travel_km=5.0)
    index = build([far, make_candidate(2, km=400.0)])
    assert index.rank(make_query(mode="in_person")).ids == ()
    either = index.rank(make_query(mode="either"))
    # Online-only matches come in the online section, never in the in-person list.
    assert either.ids == ()
    assert [m.id for m in either.online] == [1]
    assert either.online[0].mode == "online"
    assert either.online[0].reasons[0] == "Online"
    assert either.online[0].distance_km == pytest.approx(400.0, rel=1e-6)
    assert either.diagnostics.removed["outside_radius"] == 1  # only the in-person one
    assert (either.diagnostics.in_person, either.diagnostics.online) == (0, 1)


def test_mode_online_requires_offering_online(build, make_candidate, make_query):
    index = build([make_candidate(1, km=1.0), make_candidate(2, km=300.0, offers_online=True)])
    result = index.rank(make_query(mode="online"))
    assert result.ids == (2,)
    assert result.diagnostics.removed["online_only"] == 1
    assert result.diagnostics.removed["outside_radius"] == 0


def test_full_supporters_only_as_waitlist_after_all_available(build, make_candidate,
                                                             make_query):
    index = build([
        make_candidate(1, km=1.0, capacity_left=0, needs={"periodisation"}),  # best fit, full
        make_candidate(2, km=20.0, capacity_left=1),
        make_candidate(3, km=15.0, capacity_left=-2),
    ])
    result = index.rank(make_query(needs={"periodisation": 1.0}))
    assert result.ids == (2, 1, 3)
    assert [m.available for m in result] == [True, False, False]
    assert [m.waitlist for m in result] == [False, True, True]
    assert result.matches[1].reasons[-1] == "Full: waitlist"
    assert result.diagnostics.available == 1
    assert result.diagnostics.waitlist == 2
    # A page of one shows the available supporter, never a full one first.
    assert index.rank(make_query(), limit=1).ids == (2,)


@pytest.mark.parametrize(("role", "coach_level", "levels_passing"), [
    ("mentor", 2, {3, 4, 5}),
    ("technical_advisor", 2, {3, 4, 5}),
    ("coach_developer", 2, {3, 4, 5}),
    ("co_coach", 2, {1, 2, 3}),
])
def test_ladder_rules_per_role(build, make_candidate, make_query, role, coach_level,
                               levels_passing):
    index = build([make_candidate(level, roles={role}, level=level) for level in range(6)])
    result = index.rank(make_query(roles={role}, level=coach_level))
    assert set(result.ids) == levels_passing
    assert result.diagnostics.removed["ladder"] == 6 - len(levels_passing)


@pytest.mark.parametrize("role", ["mentor", "co_coach", "coach_developer"])
def test_unknown_coach_level_applies_no_ladder_rule(build, make_candidate, make_query, role):
    index = build([make_candidate(level, roles={role}, level=level,
                                  qualification=f"Level {level}") for level in range(5)])
    result = index.rank(make_query(roles={role}, level=None))
    assert set(result.ids) == {0, 1, 2, 3, 4}
    assert result.diagnostics.removed["ladder"] == 0
    # Every rung fits alike, and the reasons name the qualification without
    # claiming where it sits relative to a level nobody gave.
    assert len({m.parts["ladder"] for m in result}) == 1
    for match in result:
        assert f"Level {match.id}" in match.reasons
        assert not any("above you" in r or "below you" in r or "same level" in r
                       for r in match.reasons)


def test_unknown_level_is_not_an_assistant_coach(build, make_candidate, make_query):
    index = build([make_candidate(1, level=3, club="leeds ac")])
    unknown = index.rank(make_query(level=None, club="leeds ac")).matches[0]
    assistant = index.rank(make_query(level=0, club="leeds ac")).matches[0]
    assert unknown.parts.get("supervision", 0) == 0
    assert assistant.parts["supervision"] > 0


def test_several_roles_pass_if_one_wanted_role_passes(build, make_candidate, make_query):
    index = build([make_candidate(1, roles={"mentor", "co_coach"}, level=2)])
    # Level 2 is no mentor for a level-2 coach, but is a co-coach for them.
    assert index.rank(make_query(roles={"mentor", "co_coach"}, level=2)).matches[0].roles == (
        "co_coach",)
    # A role held but not wanted does not count.
    assert index.rank(make_query(roles={"mentor"}, level=2)).ids == ()


def test_event_group_can_be_required(build, make_candidate, make_query):
    index = build([
        make_candidate(1, event_groups={"jumps"}),
        make_candidate(2, event_groups={"hurdles"}),      # related to sprints
        make_candidate(3, event_groups={"endurance"}),
    ])
    scored = index.rank(make_query(event_groups={"sprints"}))
    assert set(scored.ids) == {1, 2, 3}
    required = index.rank(make_query(event_groups={"sprints"}, require_event_group=True))
    assert required.ids == (2,)
    assert required.diagnostics.removed["event_group"] == 2


def test_diagnostics_count_every_candidate_once_in_rule_order(build, make_candidate,
                                                              make_query):
    index = build([
        make_candidate(1, roles={"co_coach"}),               # role
        make_candidate(2, level=1),                          # ladder (not above a level-1 coach)
        make_candidate(3, km=40.0),                          # outside the radius
        make_candidate(4, km=20.0, travel_km=5.0),           # beyond their travel distance
        make_candidate(5, roles={"co_coach"}, km=90.0),      # role first, although far too
        make_candidate(6, km=2.0),
        make_candidate(7, km=3.0, capacity_left=0),
    ])
    d = index.rank(make_query(radius_km=25.0)).diagnostics
    assert list(d.removed) == list(RULES)
    assert dict(d.removed) == {"country": 0, "role": 2, "event_group": 0, "online_only": 0,
                               "ladder": 1, "name": 0, "outside_radius": 1,
                               "travel_distance": 1}
    assert (d.considered, d.passed, d.available, d.waitlist) == (7, 2, 1, 1)
    assert d.considered == sum(d.removed.values()) + d.passed


def test_assistant_coaches_get_supervisors_from_their_club_first(build, make_candidate,
                                                                make_query):
    index = build([
        make_candidate(1, km=2.0, club="leeds_ac", level=2),
        make_candidate(2, km=1.0, club="otley_ac", level=2),
        make_candidate(3, km=20.0, club="otley_ac", level=2),
    ])
    result = index.rank(make_query(level=0, club="leeds_ac"))
    assert result.ids[0] == 1
    first, second, third = result.matches
    assert "same club: can supervise" in first.reasons
    assert first.parts["supervision"] == pytest.approx(2.0)  # default weight x 1
    assert "nearby: can supervise" in second.reasons
    assert second.parts["supervision"] == pytest.approx(1.0)
    assert third.parts["supervision"] == 0.0
    # Coaches above assistant level get no supervision boost.
    assert index.rank(make_query(level=1, club="leeds_ac")).matches[0].parts[
        "supervision"] == 0.0


def test_empty_index_ranks_nothing(build, make_query):
    result = build([]).rank(make_query())
    assert result.ids == ()
    assert result.diagnostics.considered == 0
    assert result.explanation == "No mentors within 25 km."


def test_limit_and_query_limit(build, make_candidate, make_query):
    index = build([make_candidate(i, km=float(i)) for i in range(1, 8)])
    assert index.rank(make_query(limit=3)).ids == (1, 2, 3)
    assert index.rank(make_query(limit=3), limit=5).ids == (1, 2, 3, 4, 5)
    for options, field in (({"limit": 0}, "limit"), ({"fallback_below": -1}, "fallback_below"),
                           ({"fallback_limit": 1.5}, "fallback_limit")):
        with pytest.raises(InvalidInput) as caught:
            index.rank(make_query(), **options)
        assert caught.value.field == field
    with pytest.raises(TypeError):
        index.rank({"lat": 53.8, "lon": -1.5})


# --- country, qualification framework, names ----------------------------------------


def test_a_query_keeps_to_its_countries_in_person_and_online(build, make_candidate,
                                                              make_query):
    index = build([
        make_candidate(1, km=2.0, country="GB"),
        make_candidate(2, km=3.0, country="US", offers_online=True),  # e.g. a US coach in Leeds
        make_candidate(3, km=500.0, country="US", offers_online=True),
        make_candidate(4, km=600.0, country="GB", offers_online=True),
    ])
    gb = index.rank(make_query(mode="either", countries={"GB"}))
    assert gb.ids == (1,)
    assert [m.id for m in gb.online] == [4]
    assert gb.diagnostics.removed["country"] == 2
    anywhere = index.rank(make_query(mode="either"))
    assert set(anywhere.ids) == {1, 2}
    assert {m.id for m in anywhere.online} == {3, 4}
    # The online fallback of an in-person search keeps to the country too.
    in_person = index.rank(make_query(mode="in_person", radius_km=1.0, countries={"GB"}))
    assert [m.id for m in in_person.fallbacks.online] == [4]


def test_ladder_rules_compare_levels_within_one_framework(build, make_candidate, make_query):
    index = build([
        make_candidate(1, level=1, framework="us", qualification="Level 1"),
        make_candidate(2, level=1, framework="uk", qualification="Sessional Coach"),
        make_candidate(3, level=3, framework="uk", qualification="Advanced Coach"),
    ])
    # A UK level-1 coach wants a mentor above them: the UK Sessional Coach is a
    # peer and fails; a US Level 1 is on another ladder, so no rule applies.
    result = index.rank(make_query(level=1, framework="uk"))
    assert set(result.ids) == {1, 3}
    assert result.diagnostics.removed["ladder"] == 1
    us = next(m for m in result.matches if m.id == 1)
    assert "Level 1" in us.reasons and not any("above you" in r for r in us.reasons)
    assert us.parts["ladder"] == pytest.approx(1.5 * 0.5)  # neutral fit, default weight


def test_requiring_an_event_group_does_not_depend_on_the_related_weight(
        build, make_candidate, make_query):
    from matching import Weights

    index = build([make_candidate(1, event_groups={"hurdles"}),   # related to sprints
                   make_candidate(2, event_groups={"throws"})])
    query = make_query(event_groups={"sprints"}, require_event_group=True)
    for related in (0.0, 0.5, 1.0):
        result = index.rank(query, Weights(related_group=related))
        assert result.ids == (1,), related
        assert result.diagnostics.removed["event_group"] == 1


def test_a_search_by_name_keeps_only_the_named_and_counts_the_rest(
        build, make_candidate, make_query):
    index = build([make_candidate(1, km=2.0), make_candidate(2, km=3.0),
                   make_candidate(3, km=40.0), make_candidate(4, km=300.0, offers_online=True),
                   make_candidate(5, roles={"co_coach"})])
    result = index.rank(make_query(mode="either", only_ids={2, 3, 4, 5, 99}))
    assert result.ids == (2,)
    assert [m.id for m in result.online] == [4]
    removed = result.diagnostics.removed
    assert (removed["role"], removed["name"], removed["outside_radius"]) == (1, 1, 1)
    assert result.diagnostics.considered == sum(removed.values()) + result.diagnostics.passed


def test_nearest_first_order_of_the_in_person_list(build, make_candidate, make_query):
    index = build([
        make_candidate(1, km=9.0, needs={"periodisation"}),
        make_candidate(2, km=2.0),
        make_candidate(3, km=5.0, capacity_left=0),
        make_candidate(4, km=300.0, offers_online=True, needs={"periodisation"}),
    ])
    query = make_query(mode="either", needs={"periodisation": 3.0})
    assert index.rank(query).ids == (1, 2, 3)
    nearest = index.rank(query, order="distance")
    assert nearest.ids == (2, 1, 3)  # full ones still last
    assert [m.id for m in nearest.online] == [4]


def test_paging_returns_the_slice_after_offset(build, make_candidate, make_query):
    index = build([make_candidate(i, km=float(i)) for i in range(1, 8)])
    every = index.rank(make_query(), limit=7).ids
    assert index.rank(make_query(), limit=3, offset=3).ids == every[3:6]
    assert index.rank(make_query(), limit=3, offset=6).ids == every[6:]
    assert index.rank(make_query(), limit=3, offset=9).ids == ()


def test_the_online_section_fills_a_page_with_few_near(build, make_candidate, make_query):
    near = [make_candidate(i, km=float(i)) for i in range(1, 4)]
    online = [make_candidate(10 + i, km=300.0 + i, offers_online=True) for i in range(10)]
    index = build(near + online)
    query = make_query(mode="either")
    assert len(index.rank(query, limit=5).online) == 5       # online_limit: the limit
    # At least 2, and enough to fill a page of 5 beside the 3 near: 2.
    assert len(index.rank(query, limit=5, online_min=2).online) == 2
    # A page of 8 with 3 near: 5 online, however many more there are.
    assert len(index.rank(query, limit=8, online_min=2).online) == 5
    assert len(index.rank(query, limit=8, online_limit=4, online_min=2).online) == 4


def test_an_index_without_some_supporters_answers_as_if_built_without_them(
        build, make_candidate, make_query):
    index = build([make_candidate(1, km=2.0, event_groups={"jumps"}),
                   make_candidate(2, km=4.0, event_groups={"jumps"}),
                   make_candidate(3, km=6.0)])
    smaller = index.without({2, 99})
    query = make_query(event_groups={"jumps"})
    assert smaller.rank(query) == build([make_candidate(1, km=2.0, event_groups={"jumps"}),
                                         make_candidate(3, km=6.0)]).rank(query)
    assert 2 not in smaller and len(smaller) == 2
    assert index.rank(query).ids == (1, 2, 3)  # the original is unchanged
    assert index.without({99}) is index  # nobody leaves: nothing rebuilt
