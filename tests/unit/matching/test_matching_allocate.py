"""Cohort allocation: optimal against brute force, capacities, locks, reasons."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

import pytest

from matching import (
    DEFAULT_ROLES,
    Candidate,
    CohortCoach,
    InvalidInput,
    InvalidLock,
    Query,
    SupportIndex,
    Weights,
    allocate,
    greedy,
)

LEEDS = (53.7997, -1.5492)


def near(km_north: float, km_east: float = 0.0) -> tuple[float, float]:
    lat = LEEDS[0] + km_north / 111.19508
    return lat, LEEDS[1] + km_east / (111.19508 * math.cos(math.radians(lat)))


def developer(id: int, km_north: float = 0.0, km_east: float = 0.0, **overrides) -> Candidate:
    lat, lon = near(km_north, km_east)
    values = dict(roles={"coach_developer"}, level=5, travel_km=60.0, capacity_left=2)
    values.update(overrides)
    return Candidate(id, lat, lon, **values)


def coach(id: int, km_north: float = 0.0, km_east: float = 0.0, **overrides) -> CohortCoach:
    lat, lon = near(km_north, km_east)
    values = dict(radius_km=30.0, roles={"coach_developer"}, level=3)
    values.update(overrides)
    return CohortCoach(id, Query(lat, lon, **values))


def eligible_scores(index, cohort, weights=None):
    """Return {coach_id: {supporter_id: score}} of available eligible pairs, via rank.

    Search ranks in-person and online matches apart; an allocation is one pool,
    where a pair that could also meet online keeps the better proximity of the
    two (so moving closer never lowers a pair's score).
    """
    w = weights or Weights()
    scores = {}
    for c in cohort:
        result = index.rank(c.query, w, limit=len(index))
        pairs = {}
        for m in (*result.matches, *result.online):
            if not m.available:
                continue
            score = m.score
            if (m.mode == "in_person" and c.query.mode == "either"
                    and index.candidate(m.id).offers_online):
                online = w.proximity * w.online_proximity
                score += max(m.parts["proximity"], online) - m.parts["proximity"]
            pairs[m.id] = score
        scores[c.id] = pairs
    return scores


def brute_force(cohort, index, scores, objective, locked=()):
    """Try every assignment; return the best (coaches allocated, total score)."""
    capacity = {i: index.candidate(i).capacity_left for i in index.ids.tolist()}
    locked = dict(locked)
    for sup in locked.values():
        capacity[sup] -= 1
    free = [c.id for c in cohort if c.id not in locked]
    best = None
    options = [[None, *scores[c]] for c in free]
    for choice in itertools.product(*options):
        used = {}
        for sup in choice:
            if sup is not None:
                used[sup] = used.get(sup, 0) + 1
        if any(n > capacity[s] for s, n in used.items()):
            continue
        count = sum(s is not None for s in choice)
        total = sum(scores[c][s] for c, s in zip(free, choice, strict=True) if s is not None)
        key = (count, total) if objective == "coverage" else (total,)
        if best is None or key > best:
            best = key
    return best


def random_case(rng: random.Random):
    supporters = [
        developer(i, rng.uniform(-30, 30), rng.uniform(-30, 30),
                  capacity_left=rng.randint(0, 2), level=rng.randint(3, 6),
                  needs=frozenset(rng.sample(["a", "b", "c"], rng.randint(0, 2))),
                  response_rate=rng.random(), travel_km=rng.choice([15.0, 40.0]))
        for i in range(1, rng.randint(2, 4) + 1)
    ]
    cohort = [coach(100 + j, rng.uniform(-30, 30), rng.uniform(-30, 30),
                    needs={"a": rng.uniform(0, 3), "b": rng.uniform(0, 3)})
              for j in range(rng.randint(1, 5))]
    return supporters, cohort


@pytest.mark.parametrize("objective", ["coverage", "score"])
@pytest.mark.parametrize("seed", range(40))
def test_allocation_is_optimal_against_brute_force(seed, objective):
    rng = random.Random(seed)
    supporters, cohort = random_case(rng)
    index = SupportIndex.build(supporters)
    scores = eligible_scores(index, cohort)
    result = allocate(cohort, index, objective=objective)
    best = brute_force(cohort, index, scores, objective)
    got = ((len(result.assignments), result.total_score) if objective == "coverage"
           else (result.total_score,))
    assert got[:-1] == best[:-1]
    assert got[-1] == pytest.approx(best[-1], rel=1e-9, abs=1e-9)
    _assert_valid(result, index, scores)
    # The greedy baseline is never better at what allocate maximises.
    base = greedy(cohort, index)
    assert base.total_score <= allocate(cohort, index, objective="score").total_score + 1e-9
    assert len(base.assignments) <= len(allocate(cohort, index).assignments)


@pytest.mark.parametrize("seed", range(15))
def test_locked_pairs_come_first_and_the_rest_is_optimal(seed):
    rng = random.Random(1000 + seed)
    supporters, cohort = random_case(rng)
    supporters[0] = dataclasses.replace(supporters[0], capacity_left=1)  # a place to lock
    index = SupportIndex.build(supporters)
    scores = eligible_scores(index, cohort)
    open_places = [s.id for s in supporters for _ in range(max(s.capacity_left, 0))]
    locked = [(cohort[0].id, rng.choice(open_places))]
    result = allocate(cohort, index, locked=locked)
    assert result.supporter_of(locked[0][0]) == locked[0][1]
    assert [a.locked for a in result.assignments if a.coach_id == locked[0][0]] == [True]
    best = brute_force(cohort, index, scores, "coverage", locked)
    free_total = sum(a.score for a in result.assignments if not a.locked)
    assert len(result.assignments) - 1 == best[0]
    assert free_total == pytest.approx(best[1], rel=1e-9, abs=1e-9)
    _assert_valid(result, index, scores, locked=dict(locked))


def _assert_valid(result, index, scores, locked=None):
    locked = locked or {}
    load = {}
    for a in result.assignments:
        load[a.supporter_id] = load.get(a.supporter_id, 0) + 1
        if a.coach_id not in locked:
            assert a.supporter_id in scores[a.coach_id]  # eligible and available
            assert a.score == pytest.approx(scores[a.coach_id][a.supporter_id], rel=1e-12)
        assert a.reasons and a.match.available
    for sup, n in load.items():
        assert n <= index.candidate(sup).capacity_left
    assigned = {a.coach_id for a in result.assignments}
    assert assigned.isdisjoint(u.coach_id for u in result.unassigned)
    assert result.total_score == pytest.approx(sum(a.score for a in result.assignments))


def test_optimal_beats_greedy_when_the_best_pair_blocks_another_coach():
    # Coach 1 is next to developer 10 and near 11; coach 2 can only reach 10.
    supporters = [developer(10, 0.0, capacity_left=1), developer(11, 12.0, capacity_left=1)]
    cohort = [coach(1, 0.5), coach(2, -20.0, radius_km=22.0)]
    index = SupportIndex.build(supporters)
    base = greedy(cohort, index)
    assert base.pairs == ((1, 10),)
    assert [u.reason for u in base.unassigned] == [
        "eligible supporters' places all went to other coaches"]
    best = allocate(cohort, index)
    assert set(best.pairs) == {(1, 11), (2, 10)}
    assert best.unassigned == ()
    assert (best.method, base.method) == ("optimal", "greedy")


def test_coverage_objective_places_everyone_the_score_objective_may_not():
    # Proximity dominates: coach 1 sits on developer 10 (score 10); coach 1 with
    # 11 and coach 2 with 10 are far pairs (2.5 each). The best total leaves
    # coach 2 out; coverage places both.
    w = Weights(proximity=10.0, event_group=0, needs=0, ladder=0, availability=0,
                responsiveness=0, text=0, supervision=0, proximity_half_km=10.0)
    supporters = [developer(10, 0.0, capacity_left=1), developer(11, 30.0, capacity_left=1)]
    cohort = [coach(1, 0.0, radius_km=35.0), coach(2, -30.0, radius_km=35.0)]
    by_score = allocate(cohort, supporters, w, objective="score")
    assert by_score.pairs == ((1, 10),)
    assert by_score.total_score == pytest.approx(10.0)
    by_coverage = allocate(cohort, supporters, w)
    assert set(by_coverage.pairs) == {(1, 11), (2, 10)}
    assert by_coverage.total_score == pytest.approx(5.0)


def test_a_cohort_of_twenty_to_developers_taking_two_each():
    rng = random.Random(7)
    developers = [developer(100 + i, rng.uniform(-20, 20), rng.uniform(-20, 20),
                            capacity_left=2) for i in range(10)]
    cohort = [coach(i, rng.uniform(-20, 20), rng.uniform(-20, 20), radius_km=60.0)
              for i in range(1, 21)]
    result = allocate(cohort, developers)
    assert len(result.assignments) == 20 and result.unassigned == ()
    load = {}
    for a in result.assignments:
        load[a.supporter_id] = load.get(a.supporter_id, 0) + 1
    assert sorted(load.values()) == [2] * 10
    assert [a.coach_id for a in result.assignments] == list(range(1, 21))


@pytest.mark.parametrize(("supporters", "query", "reason"), [
    ([developer(1, roles={"mentor"})], {}, "no supporter offers the role wanted"),
    ([developer(1, level=3)], {}, "no supporter at a suitable level"),
    ([developer(1, 50.0)], {}, "no eligible supporter within radius"),
    ([developer(1, 20.0, travel_km=10.0)], {}, "no eligible supporter travels that far"),
    ([developer(1, 500.0)], {"mode": "online"}, "no eligible supporter offers online support"),
    ([developer(1, event_groups={"jumps"})], {"event_groups": {"throws"},
                                             "require_event_group": True},
     "no supporter covers the event groups"),
    ([developer(1, capacity_left=0)], {}, "all eligible supporters full"),
    ([], {}, "no supporters to choose from"),
])
def test_unassigned_coaches_say_why(supporters, query, reason):
    result = allocate([coach(1, **query)], supporters)
    assert result.assignments == ()
    assert [(u.coach_id, u.reason) for u in result.unassigned] == [(1, reason)]


def test_a_locked_pair_may_break_the_rules_but_not_capacity():
    supporters = [developer(1, 200.0, capacity_left=1), developer(2, capacity_left=1)]
    result = allocate([coach(1), coach(2)], supporters, locked=[(1, 1)])
    locked = next(a for a in result.assignments if a.locked)
    assert (locked.coach_id, locked.supporter_id) == (1, 1)
    assert locked.match.reasons[0] == "200 km away"
    assert result.supporter_of(2) == 2
    with pytest.raises(InvalidLock) as caught:
        allocate([coach(1), coach(2)], supporters, locked=[(1, 2), (2, 2)])
    assert caught.value.field == "locked"
    assert "supporter 2 has 1 places free" in str(caught.value)


@pytest.mark.parametrize(("locked", "message"), [
    ([(9, 1)], "coach 9 is not in the cohort"),
    ([(1, 9)], "supporter 9 is not among the supporters"),
    ([(1, 1), (1, 1)], "coach 1 is locked more than once"),
    ([(1,)], "each lock must be a (coach_id, supporter_id) pair"),
])
def test_bad_locks_are_refused(locked, message):
    with pytest.raises(InvalidLock, match=message.replace("(", r"\(").replace(")", r"\)")):
        allocate([coach(1)], [developer(1, capacity_left=3)], locked=locked)


def test_bad_cohorts_are_refused():
    with pytest.raises(InvalidInput, match="coach 1 appears more than once"):
        allocate([coach(1), coach(1)], [developer(1)])
    with pytest.raises(InvalidInput, match="objective"):
        allocate([coach(1)], [developer(1)], objective="fairness")


def test_allocation_uses_the_same_hard_rules_as_rank():
    roles = [role.key for role in DEFAULT_ROLES]
    rng = random.Random(3)
    supporters = [developer(i, rng.uniform(-40, 40), rng.uniform(-40, 40),
                            roles={rng.choice(roles)}, level=rng.randint(0, 6),
                            offers_online=rng.random() < 0.3, capacity_left=rng.randint(0, 2))
                  for i in range(1, 40)]
    cohort = [coach(100 + i, rng.uniform(-40, 40), rng.uniform(-40, 40),
                    roles={rng.choice(roles)}, level=rng.randint(0, 4),
                    mode=rng.choice(["in_person", "either"]))
              for i in range(25)]
    index = SupportIndex.build(supporters)
    scores = eligible_scores(index, cohort)
    _assert_valid(allocate(cohort, index), index, scores)
    _assert_valid(greedy(cohort, index), index, scores)


def test_allocation_reasons_speak_of_the_coach_and_search_reasons_to_them():
    # An admin reads an allocation; the coach reads their own search.
    supporters = [developer(1, 5.0, needs={"periodisation", "strength"}, level=5)]
    cohort = [coach(1, needs={"periodisation": 3, "strength": 1}, level=3)]
    allocated = allocate(cohort, supporters).assignments[0].match.reasons
    assert "covers all 2 of their needs: periodisation, strength" in allocated
    assert any(r.endswith("two levels above them") for r in allocated)
    searched = SupportIndex.build(supporters).rank(cohort[0].query).matches[0].reasons
    assert "covers all 2 of your needs: periodisation, strength" in searched
    assert any(r.endswith("two levels above you") for r in searched)
