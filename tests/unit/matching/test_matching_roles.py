"""Support roles are data: an index ranks, filters and explains whatever roles it is given."""

from __future__ import annotations

import math
import random

import pytest

from matching import (
    DEFAULT_ROLES,
    LADDER_RULES,
    InvalidCandidate,
    InvalidInput,
    InvalidQuery,
    LadderRule,
    Role,
    SupportIndex,
)

STRENGTH = Role("strength_coach", "above")
FIVE_ROLES = (*DEFAULT_ROLES, STRENGTH)


def test_a_fifth_role_ranks_filters_and_explains(build, make_candidate, make_query):
    index = build([
        make_candidate(1, km=3, roles={"strength_coach"}, level=3, qualification="Level 3"),
        make_candidate(2, km=1, roles={"strength_coach"}, level=1, qualification="Level 1"),
        make_candidate(3, km=2, roles={"mentor"}, level=3),
        make_candidate(4, km=5, roles={"strength_coach", "mentor"}, level=2,
                       qualification="Level 2"),
    ], roles=FIVE_ROLES)
    result = index.rank(make_query(roles={"strength_coach"}, level=1))
    # Nearer first among equals; the "above" rule removes the coach's own level.
    assert result.ids == (1, 4)
    assert result.diagnostics.removed["role"] == 1
    assert result.diagnostics.removed["ladder"] == 1
    assert [m.roles for m in result.matches] == [("strength_coach",), ("strength_coach",)]
    assert result.matches[0].reasons[:2] == ("3 km away", "Level 3, two levels above you")
    # Gap 1 is within the "above" rule's preferred range (1 to 3): full ladder fit.
    assert result.matches[1].parts["ladder"] == pytest.approx(result.matches[0].parts["ladder"])

    anyone = index.rank(make_query(roles=set(), level=1))
    roles = {m.id: m.roles for m in anyone.matches}
    assert roles == {1: ("strength_coach",), 3: ("mentor",),
                     4: ("mentor", "strength_coach")}  # in key order

    nobody = index.rank(make_query(roles={"strength_coach"}, level=1, radius_km=2))
    assert nobody.ids == ()
    assert nobody.explanation.startswith("No strength coaches within 2 km; ")
    assert [m.id for m in nobody.fallbacks.beyond_radius] == [1, 4]


def test_a_role_without_the_index_knowing_it_is_refused(build, make_candidate, make_query):
    with pytest.raises(InvalidCandidate) as caught:
        build([make_candidate(7, roles={"strength_coach"})])
    assert (caught.value.field, caught.value.candidate_id) == ("roles", 7)
    index = build([make_candidate(1)])
    with pytest.raises(InvalidQuery) as caught:
        index.rank(make_query(roles={"strength_coach"}))
    assert caught.value.field == "roles"
    assert "strength_coach" in caught.value.message
    # The index remembers its roles: without() keeps them.
    index = build([make_candidate(1, roles={"strength_coach"}), make_candidate(2)],
                  roles=FIVE_ROLES)
    assert index.without([2]).rank(make_query(roles={"strength_coach"})).ids == (1,)


def test_a_peer_rule_given_as_data_allows_one_rung_either_side(build, make_candidate,
                                                                make_query):
    index = build([make_candidate(i, km=i, roles={"training_partner"}, level=level)
                   for i, level in enumerate([0, 1, 2, 3, 4], start=1)],
                  roles=[Role("training_partner", "peer")])
    result = index.rank(make_query(roles={"training_partner"}, level=2))
    assert sorted(result.ids) == [2, 3, 4]
    assert result.diagnostics.removed["ladder"] == 2
    # The same rung fits best, one either side half as well.
    assert result.ids[0] == 3


def test_any_number_of_roles_works(build, make_candidate, make_query):
    roles = [Role(f"role_{i:02d}", "peer" if i % 3 else "above") for i in range(70)]
    rng = random.Random(5)
    cands = [make_candidate(i, km=rng.uniform(0, 20), level=rng.randint(0, 5),
                            roles={f"role_{j:02d}" for j in rng.sample(range(70), 3)})
             for i in range(1, 300)]
    index = build(cands, roles=roles)
    for wanted in ("role_00", "role_65", "role_69"):
        rule = LADDER_RULES["peer" if int(wanted[-2:]) % 3 else "above"]
        query = make_query(roles={wanted}, level=2, limit=300)
        expected = {c.id for c in cands if wanted in c.roles  # all within the radius
                    and rule.lowest_gap <= c.level - 2 <= rule.highest_gap}
        result = index.rank(query)
        assert set(result.ids) == expected
        assert all(m.roles == (wanted,) for m in result.matches)


def test_the_default_roles_are_the_taxonomy_rules_with_their_preferred_ranges(
        make_candidate, make_query):
    # As the application states them: each role's key and the name of its rule.
    taxonomy = [Role.from_taxonomy(key, rule) for key, rule in (
        ("mentor", "above"), ("coach_developer", "above"), ("technical_advisor", "above"),
        ("co_coach", "peer"))]
    assert sorted(taxonomy, key=lambda r: r.key) == list(DEFAULT_ROLES)
    assert {r.key: r.ladder.preferred_gap for r in taxonomy} == {
        "mentor": (1, 2), "coach_developer": (1, 3), "technical_advisor": (1, 3),
        "co_coach": (0, 0)}
    assert Role.from_taxonomy("mentor", "peer").ladder == LADDER_RULES["peer"]
    assert Role.from_taxonomy("strength_coach", "above").ladder == LADDER_RULES["above"]

    rng = random.Random(11)
    keys = [r.key for r in DEFAULT_ROLES]
    cands = [make_candidate(i, km=rng.uniform(0, 30), level=rng.randint(0, 6),
                            roles=set(rng.sample(keys, rng.randint(1, 2))),
                            offers_online=rng.random() < 0.3, capacity_left=rng.randint(0, 2))
             for i in range(1, 200)]
    given = SupportIndex.build(cands, roles=taxonomy)
    default = SupportIndex.build(cands)
    for _ in range(30):
        query = make_query(roles=set(rng.sample(keys, rng.randint(0, 2))),
                           level=rng.randint(0, 5), mode=rng.choice(["in_person", "either"]))
        a, b = given.rank(query), default.rank(query)
        assert a.matches == b.matches and a.online == b.online
        assert a.diagnostics == b.diagnostics


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Role("strength_coach", "below"), "unknown ladder rule 'below'"),
    (lambda: Role("", "above"), "non-empty"),
    (lambda: Role("mentor", "above", preferred_gap=(3, 1)), "low <= high"),
    (lambda: Role("mentor", "above", preferred_gap=(0, 2)), "within"),
    (lambda: LadderRule(1, math.nan, (1, 2)), "number"),
    (lambda: SupportIndex.build([], roles=[STRENGTH, STRENGTH]), "more than once"),
    (lambda: SupportIndex.build([], roles=["mentor"]), "expected a Role"),
    (lambda: SupportIndex.build([], roles="mentor"), "iterable of Role"),
])
def test_bad_roles_are_refused_naming_the_field(make, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        make()
    assert caught.value.field.startswith(("roles", "ladder_rule"))
