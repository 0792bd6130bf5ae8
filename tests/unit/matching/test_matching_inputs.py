"""Bad input gets a clear error naming the field; weights round-trip; labels fall back."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from matching import (
    MAX_TEXT_CHARS,
    Candidate,
    CohortCoach,
    InvalidCandidate,
    InvalidInput,
    InvalidQuery,
    InvalidWeights,
    Labels,
    MatchingError,
    Query,
    SupportIndex,
    Weights,
    allocate,
)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"radius_km": -5}, "radius_km"),
    ({"radius_km": 0}, "radius_km"),
    ({"radius_km": math.inf}, "radius_km"),
    ({"radius_km": "10"}, "radius_km"),
    ({"lat": 91.0}, "lat"),
    ({"lon": -181.0}, "lon"),
    ({"lat": math.nan}, "lat"),
    ({"roles": "mentor"}, "roles"),             # a string is not a set of roles
    ({"event_groups": {""}}, "event_groups"),
    ({"needs": ["periodisation"]}, "needs"),
    ({"needs": {"periodisation": -1}}, "needs"),
    ({"needs": {"periodisation": math.nan}}, "needs"),
    ({"level": -1}, "level"),
    ({"level": 1.5}, "level"),
    ({"level": True}, "level"),
    ({"mode": "by_post"}, "mode"),
    ({"goals_text": "x" * (MAX_TEXT_CHARS + 1)}, "goals_text"),
    ({"limit": 0}, "limit"),
    ({"club": 7}, "club"),
    ({"require_event_group": "yes"}, "require_event_group"),
])
def test_bad_query_names_the_field(overrides, field):
    values = {"lat": 53.8, "lon": -1.5, **overrides}
    with pytest.raises(InvalidQuery) as caught:
        Query(**values)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, MatchingError)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"roles": set()}, "roles"),
    ({"lat": -100}, "lat"),
    ({"travel_km": -1}, "travel_km"),
    ({"response_rate": 1.5}, "response_rate"),
    ({"last_active": -3}, "last_active"),
    ({"last_active": "yesterday"}, "last_active"),
    ({"bio": "x" * (MAX_TEXT_CHARS + 1)}, "bio"),
    ({"capacity_left": 2.5}, "capacity_left"),
    ({"offers_online": 1}, "offers_online"),
    ({"qualification": None}, "qualification"),
])
def test_bad_candidate_names_the_field_and_the_candidate(overrides, field):
    values = {"id": 42, "lat": 53.8, "lon": -1.5, "roles": {"mentor"}, **overrides}
    with pytest.raises(InvalidCandidate) as caught:
        Candidate(**values)
    assert caught.value.field == field
    assert caught.value.candidate_id == 42
    assert "(candidate 42)" in str(caught.value)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"lat": 95.0}, "lat"),
    ({"lat": math.nan}, "lat"),
    ({"lon": -180.5}, "lon"),
    ({"roles": frozenset()}, "roles"),
    ({"level": -1}, "level"),
    ({"travel_km": -1.0}, "travel_km"),
    ({"travel_km": math.inf}, "travel_km"),
    ({"response_rate": 1.5}, "response_rate"),
    ({"last_active": -3}, "last_active"),
    ({"bio": "x" * (MAX_TEXT_CHARS + 1)}, "bio"),
    ({"offers_online": 1}, "offers_online"),
    ({"id": True}, "id"),
])
def test_bad_values_of_the_usual_types_are_refused_too(overrides, field):
    # Values as an index build passes them (floats, frozensets seen before)
    # take a shorter check than others: it must refuse the same things.
    values = {"id": 42, "lat": 53.8, "lon": -1.5, "roles": frozenset({"mentor"}),
              "event_groups": frozenset(), "needs": frozenset(), "level": 2,
              "qualification": "Level 2", "club": "leeds ac", "travel_km": 20.0,
              "offers_online": True, "capacity_left": 1, "response_rate": 0.5,
              "last_active": 3, "bio": "Jumps", "country": "GB", "framework": "uk"}
    Candidate(**values)  # the key sets are now known
    with pytest.raises(InvalidCandidate) as caught:
        Candidate(**{**values, **overrides})
    assert caught.value.field == field


def test_a_role_the_index_does_not_know_is_refused_naming_the_field():
    # Which roles exist is the index's to say (SupportIndex.build(roles=...)),
    # so a query or a supporter naming another is refused by the index.
    index = SupportIndex.build([Candidate(1, 53.8, -1.5, roles={"mentor"})])
    for rank in (lambda q: index.rank(q), lambda q: allocate([CohortCoach(1, q)], index)):
        with pytest.raises(InvalidQuery) as caught:
            rank(Query(53.8, -1.5, roles={"coach"}))
        assert caught.value.field == "roles"
        assert str(caught.value).startswith("roles: ")
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, MatchingError)
    with pytest.raises(InvalidCandidate) as caught:
        SupportIndex.build([Candidate(42, 53.8, -1.5, roles={"mentor", "guru"})])
    assert caught.value.field == "roles"
    assert caught.value.candidate_id == 42
    assert "(candidate 42)" in str(caught.value)


def test_values_are_normalised():
    c = Candidate(1, 53, -1, roles=["mentor"], needs=("periodisation",), club="",
                  last_active=date(2025, 1, 1))
    assert c.roles == frozenset({"mentor"}) and c.needs == frozenset({"periodisation"})
    assert c.club is None and isinstance(c.lat, float)
    q = Query(53, -1, needs={"b": 1, "a": 2})
    assert list(q.needs) == ["a", "b"] and q.needs["a"] == 2.0
    with pytest.raises(TypeError):
        q.needs["c"] = 1.0  # read-only
    with pytest.raises(AttributeError):
        q.radius_km = 5.0  # frozen


def test_duplicate_ids_and_wrong_items_are_refused():
    c = Candidate(1, 53.8, -1.5, roles={"mentor"})
    with pytest.raises(InvalidCandidate) as caught:
        SupportIndex.build([c, c])
    assert (caught.value.field, caught.value.candidate_id) == ("id", 1)
    with pytest.raises(InvalidCandidate):
        SupportIndex.build([c, {"id": 2}])
    with pytest.raises(InvalidInput):
        SupportIndex.build([c], related_groups={"sprints": "hurdles"})
    with pytest.raises(InvalidInput):
        SupportIndex.build([c], labels={"jumps": "Jumps"})
    with pytest.raises(TypeError):
        SupportIndex()


def test_bad_changes_are_refused_and_leave_the_index_as_it_was():
    c = Candidate(1, 53.8, -1.5, roles={"mentor"})
    index = SupportIndex.build([c])
    for upserts, error, field in [
            ("mentor", InvalidInput, "upserts"),
            ([c, {"id": 2}], InvalidCandidate, "upserts"),
            ([Candidate(2, 53.8, -1.5, roles={"mentor"})] * 2, InvalidCandidate, "id"),
            ([Candidate(3, 53.8, -1.5, roles={"wizard"})], InvalidCandidate, "roles")]:
        with pytest.raises(error) as caught:
            index.with_changes(upserts)
        assert caught.value.field == field
    for removed in ("1", [1.0], [True], 1, None):  # a string is not a run of ids
        with pytest.raises(InvalidInput) as caught:
            index.with_changes(removed=removed)
        assert caught.value.field == "removed"
    assert index.ids.tolist() == [1] and index.candidate(1) is c
    assert len(index.with_changes(removed=np.array([1]))) == 0


def test_cohort_coach_needs_a_query():
    with pytest.raises(InvalidInput) as caught:
        CohortCoach(1, {"lat": 1})
    assert caught.value.field == "query"


def test_weights_round_trip_through_a_mapping():
    w = Weights.from_mapping({"proximity": 5, "related_group": 0.25, "version": 3})
    assert w.proximity == 5.0 and w.related_group == 0.25 and w.version == 3
    assert Weights.from_mapping(w.to_mapping()) == w
    assert Weights.from_mapping({}) == Weights()
    assert hash(w) == hash(Weights.from_mapping(w.to_mapping()))


@pytest.mark.parametrize(("data", "field"), [
    ({"proximty": 1.0}, "proximty"),
    ({"needs": -1}, "needs"),
    ({"needs": "3"}, "needs"),
    ({"needs": None}, "needs"),
    ({"text": math.inf}, "text"),
    ({"online_proximity": 1.5}, "online_proximity"),
    ({"related_group": -0.1}, "related_group"),
    ({"proximity_half_km": 0}, "proximity_half_km"),
    ({"recency_half_life_days": 0}, "recency_half_life_days"),
    ({"version": 0}, "version"),
    ({"version": 1.5}, "version"),
    ({"supervision": True}, "supervision"),
])
def test_bad_weights_name_the_field(data, field):
    with pytest.raises(InvalidWeights) as caught:
        Weights.from_mapping(data)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_weights_mapping_must_be_a_mapping():
    with pytest.raises(InvalidWeights) as caught:
        Weights.from_mapping([("needs", 1)])
    assert caught.value.field == "weights"


def test_labels_fall_back_to_readable_keys():
    labels = Labels(event_groups={"jumps": "Jumps"}, needs={"tech": "technical model"},
                    roles={"mentor": "mentor (experienced)"})
    assert labels.event_group("jumps") == "Jumps"
    assert labels.event_group("race_walking") == "Race walking"
    assert labels.need("tech") == "technical model"
    assert labels.need("club_capacity") == "club capacity"
    assert labels.role("mentor") == "mentor (experienced)"
    assert labels.role("co_coach") == "co-coach"
    assert labels.role_plural("coach_developer") == "coach developers"
    with pytest.raises(InvalidInput):
        Labels(needs={"tech": 3})


def test_the_index_arrays_are_frozen_and_read_only():
    index = SupportIndex.build([Candidate(1, 53.8, -1.5, roles={"mentor"}, offers_online=True)])
    arrays = index.arrays
    for group in (arrays.rows, arrays.role_levels, arrays.event_group_sets, arrays.alike,
                  arrays.blocks):
        for name in group.__dataclass_fields__:
            value = getattr(group, name)
            if hasattr(value, "flags"):
                assert not value.flags.writeable, name
    with pytest.raises(ValueError):
        arrays.rows.capacity[0] = 5
    with pytest.raises(AttributeError):
        arrays.rows = None  # frozen
    with pytest.raises(TypeError):
        arrays.role_column["coach"] = 9
