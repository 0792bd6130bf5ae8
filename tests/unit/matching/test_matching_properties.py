"""Properties that hold for any supporters and any query (hypothesis)."""

from __future__ import annotations

import dataclasses
import math
import os
import random
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from matching import (
    AVAILABILITY_FULL_AT,
    DEFAULT_ROLES,
    EARTH_RADIUS_KM,
    MAX_AVAILABILITY,
    SUPERVISION_NEARBY_KM,
    Candidate,
    Labels,
    Query,
    SupportIndex,
    Weights,
    haversine_km,
)

SUPPORT_ROLES = tuple(role.key for role in DEFAULT_ROLES)
LADDER = {role.key: role.ladder for role in DEFAULT_ROLES}
TODAY = date(2025, 6, 1)
LABELS = Labels(event_groups={"jumps": "Jumps", "sprints": "Sprints"})
RELATED = {"sprints": {"hurdles"}, "endurance": {"race_walking"}}
# Modest by default so the suite stays quick; raise it for a deeper search,
# e.g. MATCHING_EXAMPLES=1000.
SETTINGS = settings(max_examples=int(os.environ.get("MATCHING_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

GROUPS = ["sprints", "hurdles", "jumps", "endurance", "race_walking", "throws"]
NEEDS = ["periodisation", "technical_model", "strength_power", "mental_prep", "peaking",
         "safeguarding", "nutrition", "wellbeing", "talent", "club_capacity"]
WORDS = ["hurdles", "rhythm", "sprint", "drills", "periodisation", "block", "marathon",
         "strength", "power", "juniors", "masters", "technique", "mental", "race"]
CLUBS = ["leeds", "otley", "york", None]
COUNTRIES = ["GB", "US", None]
FRAMEWORKS = ["uk", "us", None]

coordinate = st.tuples(st.floats(53.3, 54.3), st.floats(-2.3, -0.8))


@st.composite
def candidates(draw, *, min_size=0, max_size=25):
    n = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    out = []
    for i in ids:
        lat, lon = draw(coordinate)
        out.append(Candidate(
            id=i, lat=lat, lon=lon,
            roles=draw(st.frozensets(st.sampled_from(SUPPORT_ROLES), min_size=1)),
            event_groups=draw(st.frozensets(st.sampled_from(GROUPS), max_size=3)),
            needs=draw(st.frozensets(st.sampled_from(NEEDS), max_size=5)),
            level=draw(st.integers(0, 6)),
            qualification=draw(st.sampled_from(["", "Level 2", "Coach"])),
            club=draw(st.sampled_from(CLUBS)),
            travel_km=draw(st.sampled_from([0.0, 5.0, 20.0, 45.0, 120.0])),
            offers_online=draw(st.booleans()),
            capacity_left=draw(st.integers(-1, 4)),
            response_rate=draw(st.none() | st.floats(0, 1)),
            last_active=draw(st.none() | st.integers(0, 400)),
            bio=" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6))),
            country=draw(st.sampled_from(COUNTRIES)),
            framework=draw(st.sampled_from(FRAMEWORKS)),
        ))
    return out


@st.composite
def queries(draw):
    lat, lon = draw(coordinate)
    return Query(
        lat=lat, lon=lon,
        radius_km=draw(st.floats(1.0, 80.0)),
        roles=draw(st.frozensets(st.sampled_from(SUPPORT_ROLES), max_size=2)),
        event_groups=draw(st.frozensets(st.sampled_from(GROUPS), max_size=2)),
        needs=draw(st.dictionaries(st.sampled_from(NEEDS), st.floats(0, 5), max_size=4)),
        level=draw(st.integers(0, 5)),
        club=draw(st.sampled_from(CLUBS)),
        mode=draw(st.sampled_from(["in_person", "online", "either"])),
        goals_text=" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4))),
        limit=draw(st.integers(1, 30)),
        require_event_group=draw(st.booleans()),
        countries=draw(st.frozensets(st.sampled_from(["GB", "US"]), max_size=2)),
        framework=draw(st.sampled_from(FRAMEWORKS)),
        only_ids=draw(st.none() | st.frozensets(st.integers(1, 10_000), max_size=40)),
    )


weights = st.builds(
    Weights,
    proximity=st.floats(0, 5), event_group=st.floats(0, 5), needs=st.floats(0, 5),
    ladder=st.floats(0, 5), availability=st.floats(0, MAX_AVAILABILITY),
    responsiveness=st.floats(0, 5),
    text=st.floats(0, 5), supervision=st.floats(0, 5),
    proximity_half_km=st.floats(0.5, 50), online_proximity=st.floats(0, 1),
    related_group=st.floats(0, 1),
)


def build(cands):
    return SupportIndex.build(cands, labels=LABELS, related_groups=RELATED, today=TODAY)


def everything(index, query, w=None):
    """Rank with a limit large enough to return every passing supporter."""
    return index.rank(query, w or Weights(), limit=max(len(index), 1))


def shown(result):
    """Every match of a result: the main list, then the online section."""
    return [*result.matches, *result.online]


@SETTINGS
@given(candidates(), queries(), weights)
def test_every_result_obeys_every_hard_rule(cands, query, w):
    assume(not near_boundary(cands, query))
    result = everything(build(cands), query, w)
    by_id = {c.id: c for c in cands}
    wanted = query.roles or frozenset(SUPPORT_ROLES)
    for section, in_person in ((result.matches, query.mode != "online"),
                               (result.online, False)):
        seen_waitlist = False
        for m in section:
            c = by_id[m.id]
            assert m.roles and set(m.roles) <= wanted & c.roles
            if query.countries:
                assert c.country in query.countries
            if query.only_ids is not None:
                assert c.id in query.only_ids
            comparable = (query.framework is None or c.framework is None
                          or c.framework == query.framework)
            for role in m.roles:
                low, high = LADDER[role].lowest_gap, LADDER[role].highest_gap
                assert not comparable or low <= c.level - query.level <= high
            d = distance_km(query.lat, query.lon, c.lat, c.lon)
            assert m.distance_km == pytest.approx(d, rel=1e-9, abs=1e-9)
            # Each section holds its own kind only: the in-person list never an
            # online-only match, the online section never an in-person one.
            assert (m.mode == "in_person") == in_person
            if m.mode == "in_person":
                assert query.mode != "online" and d <= query.radius_km and d <= c.travel_km
            else:
                assert query.mode != "in_person" and c.offers_online
            assert m.available == (c.capacity_left > 0) != m.waitlist
            assert not (seen_waitlist and m.available), "an available match after the waitlist"
            seen_waitlist |= m.waitlist
            if query.require_event_group and query.event_groups:
                related = set().union(*(RELATED.get(g, ()) for g in query.event_groups)) | {
                    k for k, v in RELATED.items() if v & query.event_groups}
                assert c.event_groups & (query.event_groups | related)
    d = result.diagnostics
    assert d.considered == len(cands) == sum(d.removed.values()) + d.passed
    assert d.passed == len(shown(result)) and d.available + d.waitlist == d.passed
    assert (d.in_person, d.online) == (len(result.matches), len(result.online)) or (
        query.mode == "online" and (d.in_person, d.online) == (0, len(result.matches)))


@SETTINGS
@given(candidates(), queries(), weights)
def test_ranking_equals_a_plain_python_reference(cands, query, w):
    assume(not near_boundary(cands, query))
    result = build(cands).rank(query, w, fallback_below=0)
    main, online = reference_rank(cands, query, w, related=RELATED, today=TODAY)
    for got, expected in ((result.matches, main), (result.online, online)):
        top = expected[:query.limit]
        assert len(got) == len(top)
        by_id = {e.id: e for e in expected}
        for m in got:
            e = by_id[m.id]
            assert m.score == pytest.approx(e.score, rel=1e-9, abs=1e-9)
            assert (m.available, m.mode == "in_person", m.roles) == (
                e.available, e.in_person, e.roles)
        # The same supporters, in the same order, except where scores tie to the
        # last digits (then either order is right).
        for a, b in zip(got, top, strict=True):
            assert a.id == b.id or math.isclose(by_id[a.id].score, b.score, rel_tol=1e-9,
                                                abs_tol=1e-9)


@SETTINGS
@given(candidates(min_size=1), queries(), st.data())
def test_moving_a_supporter_closer_never_lowers_their_score(cands, query, data):
    target = data.draw(st.sampled_from(cands))
    share = data.draw(st.floats(0.05, 1.0))
    closer = dataclasses.replace(
        target, lat=target.lat + (query.lat - target.lat) * share,
        lon=target.lon + (query.lon - target.lon) * share)
    before_km = distance_km(query.lat, query.lon, target.lat, target.lon)
    after_km = distance_km(query.lat, query.lon, closer.lat, closer.lon)
    assume(after_km < before_km)
    assume(not near_boundary(cands + [closer], query))
    before = _match(build(cands), query, target.id)
    after = _match(build([closer if c.id == target.id else c for c in cands]), query, target.id)
    if before is not None:
        # Still a match; within one section (in person, or online) never lower.
        assert after is not None
        if after.mode == before.mode:
            assert after.score >= before.score - 1e-12
        else:  # moved into the mutual radius: from the online section to the local list
            assert (before.mode, after.mode) == ("online", "in_person")


@SETTINGS
@given(candidates(min_size=1), queries(), st.data())
def test_adding_a_need_they_cover_never_lowers_their_score(cands, query, data):
    target = data.draw(st.sampled_from(cands))
    missing = sorted(set(query.needs) - target.needs)
    assume(missing)
    need = data.draw(st.sampled_from(missing))
    assume(not near_boundary(cands, query))
    more = dataclasses.replace(target, needs=target.needs | {need})
    before = _score(build(cands), query, target.id)
    after = _score(build([more if c.id == target.id else c for c in cands]), query, target.id)
    if before is not None:
        assert after is not None
        assert after >= before


@SETTINGS
@given(candidates(), queries(), weights, st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_order(cands, query, w, rnd):
    index = build(cands)
    first = index.rank(query, w)
    assert index.rank(query, w) == first
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert build(shuffled).rank(query, w) == first


@SETTINGS
@given(candidates(min_size=1), queries(), weights)
def test_one_element_index_ranks_like_the_large_index_filtered(cands, query, w):
    # Text similarity weighs terms by how rare they are in the whole index
    # (IDF), so it is left out here: it depends on the other supporters by design.
    w = dataclasses.replace(w, text=0.0)
    full = {m.id: m for m in shown(everything(build(cands), query, w))}
    for c in cands:
        alone = shown(everything(build([c]), query, w))
        if c.id in full:
            assert alone == [full[c.id]]
        else:
            assert alone == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruned_online_ranking_equals_the_exhaustive_one(monkeypatch, seed):
    """Online supporters skipped by their bound could never have made the top k."""
    from matching import _online

    rng = random.Random(seed)
    cands = []
    for i in range(1, 3001):
        cands.append(Candidate(
            i, rng.uniform(50.5, 55.5), rng.uniform(-4.5, 0.5),
            roles=frozenset(rng.sample(SUPPORT_ROLES, rng.randint(1, 2))),
            event_groups=frozenset(rng.sample(GROUPS, rng.randint(0, 2))),
            needs=frozenset(rng.sample(NEEDS, rng.randint(0, 4))),
            level=rng.randint(0, 6), club=rng.choice(CLUBS), travel_km=rng.choice([5, 30, 80]),
            offers_online=rng.random() < 0.6, capacity_left=rng.randint(-1, 3),
            response_rate=rng.random(), last_active=rng.randint(0, 90),
            bio=" ".join(rng.choices(WORDS, k=rng.randint(0, 8)))))
    index = build(cands)
    # Force the block search with small steps, so bounds and thresholds are used.
    monkeypatch.setattr(_online, "_SCORE_ALL_ROWS", 0)
    monkeypatch.setattr(_online, "_CHUNK_ROWS", 3)
    monkeypatch.setattr(_online, "_CHUNK_BLOCKS", 3)
    for _ in range(25):
        query = Query(
            rng.uniform(51, 55), rng.uniform(-4, 0), radius_km=rng.choice([10.0, 40.0]),
            roles=frozenset(rng.sample(SUPPORT_ROLES, rng.randint(0, 2))),
            event_groups=frozenset(rng.sample(GROUPS, rng.randint(0, 2))),
            needs={k: float(rng.randint(1, 3)) for k in rng.sample(NEEDS, rng.randint(0, 4))},
            level=rng.randint(0, 4), club=rng.choice(CLUBS),
            mode=rng.choice(["online", "either"]),
            goals_text=" ".join(rng.choices(WORDS, k=rng.randint(0, 5))),
            limit=rng.choice([1, 5, 20]))
        every = everything(index, query)
        for _ in range(3):  # bounds by block, then by row, then kept and sorted
            top = index.rank(query)
            assert top.matches == every.matches[:query.limit]
            assert top.online == every.online[:query.limit]
            assert top.diagnostics == every.diagnostics
        # As the service asks: a page of the main list, and only as many online as
        # it shows beside it (at least online_min), which is all that is looked for.
        offset, online_min = rng.choice([0, 1, 5]), rng.choice([0, 2, 5])
        page = index.rank(query, offset=offset, online_min=online_min)
        assert page.matches == every.matches[offset:offset + query.limit]
        shown = len(page.matches) if query.mode == "either" else query.limit
        assert page.online == every.online[:min(query.limit, max(online_min, query.limit - shown))]
        assert page.diagnostics == every.diagnostics


@pytest.mark.parametrize("seed", [4, 5])
def test_online_supporters_tied_on_score_are_ranked_nearest_first(monkeypatch, seed):
    """Thousands of online supporters with equal scores: the nearest win, as unpruned.

    With no needs, event groups or goals, scores tie (same places free, no
    requests answered yet), so distance decides among far more than a page.
    """
    from matching import _online

    rng = random.Random(seed)
    cands = [Candidate(i, rng.uniform(50.0, 58.0), rng.uniform(-6.0, 1.5),
                       roles=frozenset({"mentor"}), level=rng.choice([3, 4]),
                       offers_online=True, capacity_left=rng.choice([0, 3, 5]),
                       travel_km=rng.choice([5, 20]))
             for i in range(1, 4001)]
    index = build(cands)
    monkeypatch.setattr(_online, "_SCORE_ALL_ROWS", 0)
    monkeypatch.setattr(_online, "_CHUNK_ROWS", rng.choice([2, 16, 256]))
    for _ in range(15):
        query = Query(rng.uniform(51, 57), rng.uniform(-5, 1), radius_km=rng.choice([5.0, 30.0]),
                      roles=frozenset({"mentor"}), level=rng.choice([None, 1, 2]),
                      mode=rng.choice(["online", "either"]), limit=rng.choice([1, 10, 40]))
        top = index.rank(query)
        every = everything(index, query)
        assert top.matches == every.matches[:query.limit]
        assert top.online == every.online[:query.limit]
        assert top.diagnostics == every.diagnostics
        shown = top.online if query.mode == "either" else top.matches
        if len(shown) > 1:  # ties were decided by distance
            assert len({m.score for m in shown}) < len(shown)


def test_the_nearest_of_tied_online_supporters_wins_wherever_it_is_kept(monkeypatch):
    """The supporter first in the index, tied with everyone, found when it is the nearest.

    Kept bounds are sorted with ties in index order, so the first row is the
    last to be scored: pruning must keep it.
    """
    from matching import _online

    rng = random.Random(6)
    cands = [Candidate(i, rng.uniform(51.0, 55.0), rng.uniform(-4.0, 0.0),
                       roles=frozenset({"mentor"}), level=3, offers_online=True,
                       capacity_left=3)
             for i in range(1, 61)]
    index = build(cands)
    monkeypatch.setattr(_online, "_SCORE_ALL_ROWS", 0)
    monkeypatch.setattr(_online, "_CHUNK_ROWS", 2)
    first = index.candidate(int(index.ids[0]))
    query = Query(first.lat, first.lon, roles=frozenset({"mentor"}), level=1, mode="online",
                  limit=1)
    for _ in range(3):  # by block, then by row, then kept
        assert [m.id for m in index.rank(query).matches] == [first.id]


def _score(index, query, candidate_id):
    match = _match(index, query, candidate_id)
    return None if match is None else match.score


def _match(index, query, candidate_id):
    for m in shown(everything(index, query)):
        if m.id == candidate_id:
            return m
    return None


def test_reference_agrees_on_a_fixed_example():
    """The reference itself, on a hand-checked case: the properties compare to truth."""
    c = Candidate(1, 53.8, -1.5, roles={"mentor"}, level=3, needs={"peaking"}, capacity_left=3,
                  response_rate=1.0, last_active=0, travel_km=50)
    q = Query(53.8, -1.5, radius_km=10, roles={"mentor"}, level=1, needs={"peaking": 1.0})
    (e,), online = reference_rank([c], q, Weights(), related={}, today=TODAY)
    # proximity 3*1 + needs 3*1 + ladder 1.5*1 + availability 0.05*1 + responsiveness 1*1
    assert e.score == pytest.approx(8.55)
    assert online == []
    assert float(np.round(e.distance_km, 9)) == 0.0


# --------------------------------------------------------------------------- reference
# A slow, plain-Python ranking written straight from the rules, to check the
# index: every rule and part is computed candidate by candidate with ``math``,
# sharing no code with the vectorised implementation but its published constants.

# A candidate this close (km) to a radius or travel limit could fall either side
# through rounding; examples containing one are skipped.
BOUNDARY_KM = 1e-6


@dataclass
class Expected:
    id: int
    score: float
    distance_km: float
    available: bool
    in_person: bool
    roles: tuple[str, ...]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def near_boundary(candidates: list[Candidate], query: Query) -> bool:
    """Whether any candidate sits within rounding distance of a radius limit."""
    for c in candidates:
        d = distance_km(query.lat, query.lon, c.lat, c.lon)
        if abs(d - query.radius_km) < BOUNDARY_KM or abs(d - c.travel_km) < BOUNDARY_KM:
            return True
        if abs(d - SUPERVISION_NEARBY_KM) < BOUNDARY_KM:
            return True
    return False


def comparable(c: Candidate, q: Query) -> bool:
    """Whether the ladder rules apply: levels on one framework's ladder (or none said)."""
    return q.framework is None or c.framework is None or c.framework == q.framework


def passing_roles(c: Candidate, q: Query) -> tuple[str, ...]:
    wanted = q.roles or frozenset(LADDER)
    out = []
    for role in sorted(c.roles & wanted):
        low, high = LADDER[role].lowest_gap, LADDER[role].highest_gap
        if not comparable(c, q) or low <= c.level - q.level <= high:
            out.append(role)
    return tuple(out)


def group_fit(c: Candidate, q: Query, related: dict, w: Weights) -> float:
    if not q.event_groups:
        return 0.0
    total = 0.0
    for g in sorted(q.event_groups):
        if g in c.event_groups:
            total += 1.0
        elif c.event_groups & related.get(g, frozenset()):
            total += w.related_group
    return total / len(q.event_groups)


def ladder_fit(c: Candidate, q: Query, roles: tuple[str, ...]) -> float:
    if not comparable(c, q):
        return 0.5  # neutral: another framework's ladder
    best = 0.0
    for role in roles:
        pl, ph = LADDER[role].preferred_gap
        gap = c.level - q.level
        best = max(best, 0.5 ** (max(pl - gap, 0) + max(gap - ph, 0)))
    return best


def days_since(c: Candidate, today: date) -> float | None:
    last = c.last_active
    if last is None:
        return None
    if isinstance(last, datetime):
        last = last.date()
    if isinstance(last, date):
        return max((today - last).days, 0)
    return float(last)


def reference_rank(candidates: list[Candidate], q: Query, w: Weights, *, related: dict,
         today: date) -> tuple[list[Expected], list[Expected]]:
    """Return every passing candidate, ranked: available by score, then waitlist.

    Two lists: the main one (in person, or online for an online search) and
    the online section of an "either" search.
    """
    related = {k: frozenset(v) for k, v in related.items()}
    symmetric: dict[str, set[str]] = {}
    for k, vs in related.items():
        for v in vs:
            if v != k:
                symmetric.setdefault(k, set()).add(v)
                symmetric.setdefault(v, set()).add(k)
    related = {k: frozenset(v) for k, v in symmetric.items()}

    text = {}
    if q.goals_text.strip() and w.text:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        try:
            bios = vectorizer.fit_transform([c.bio for c in candidates])
        except ValueError:
            bios = None
        if bios is not None:
            goal = vectorizer.transform([q.goals_text])
            sims = (bios @ goal.T).toarray().ravel()
            text = {c.id: min(1.0, float(s)) for c, s in zip(candidates, sims, strict=True)}

    out = []
    for c in candidates:
        if q.countries and c.country not in q.countries:
            continue
        roles = passing_roles(c, q)
        if not roles:
            continue
        fit = group_fit(c, q, related, w)
        held = set(q.event_groups).union(*(related.get(g, ()) for g in q.event_groups))
        if q.require_event_group and q.event_groups and not c.event_groups & held:
            continue
        if q.only_ids is not None and c.id not in q.only_ids:
            continue
        if q.mode == "online" and not c.offers_online:
            continue
        d = distance_km(q.lat, q.lon, c.lat, c.lon)
        in_person = q.mode != "online" and d <= q.radius_km and d <= c.travel_km
        if not in_person and not (q.mode != "in_person" and c.offers_online):
            continue

        # In person: distance alone (online matches are ranked apart).
        real = w.proximity_half_km / (w.proximity_half_km + d)
        proximity = real if in_person else w.online_proximity
        total = math.fsum(q.needs.values())
        covered = sum(p for k, p in q.needs.items() if k in c.needs)
        needs = covered / total if total else 0.0
        availability = (min(c.capacity_left, AVAILABILITY_FULL_AT) / AVAILABILITY_FULL_AT
                        if c.capacity_left > 0 else 0.0)
        rate = 0.5 if c.response_rate is None else c.response_rate
        days = days_since(c, today)
        recency = 0.5 if days is None else 0.5 ** (days / w.recency_half_life_days)
        responsiveness = 0.5 * rate + 0.5 * recency
        supervision = 0.0
        if q.level == 0 and c.level > q.level:
            if q.club is not None and c.club == q.club:
                supervision = 1.0
            elif in_person and d <= SUPERVISION_NEARBY_KM:
                supervision = 0.5
        score = (w.proximity * proximity + w.event_group * fit + w.needs * needs
                 + w.ladder * ladder_fit(c, q, roles) + w.availability * availability
                 + w.responsiveness * responsiveness + w.text * text.get(c.id, 0.0)
                 + w.supervision * supervision)
        out.append(Expected(c.id, score, d, c.capacity_left > 0, in_person, roles))
    out.sort(key=lambda e: (not e.available, -round(e.score, 9), round(e.distance_km, 6), e.id))
    if q.mode == "online":
        return out, []
    return [e for e in out if e.in_person], [e for e in out if not e.in_person]


@st.composite
def changes(draw, cands):
    """Edits to some supporters: some replaced (same id, new details), some gone, some new."""
    ids = [c.id for c in cands]
    edited = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    gone = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    fresh = draw(candidates(max_size=4))
    replacements = [dataclasses.replace(draw(candidates(min_size=1, max_size=1))[0], id=i)
                    for i in edited]
    taken = set(ids) | set(edited)
    added = [c for c in fresh if c.id not in taken]
    return replacements + added, gone


@SETTINGS
@given(st.data(), candidates(), st.lists(queries(), min_size=1, max_size=3), weights,
       st.booleans())
def test_a_changed_index_ranks_exactly_as_one_built_afresh(data, cands, qs, w, fitted):
    index = build(cands)
    if fitted:  # the text model carries counted bios over, or the bios themselves
        index.fit_text()
    upserts, gone = data.draw(changes(cands))
    changed = index.with_changes(upserts, removed=gone)
    after = {c.id: c for c in cands}
    for c in upserts:
        after[c.id] = c
    for i in set(gone) - {c.id for c in upserts}:
        after.pop(i, None)
    fresh = build(list(after.values()))
    assert sorted(changed.ids.tolist()) == sorted(after)
    assert changed.ids.tolist() == fresh.ids.tolist()  # the same rows in the same order
    for keys in ("group_keys", "need_keys", "club_keys", "country_keys", "framework_keys"):
        # No key that nobody holds any more is kept.
        assert getattr(changed.arrays.columns, keys) == getattr(fresh.arrays.columns, keys)
    for query in qs:
        assert changed.rank(query, w) == fresh.rank(query, w)
        assert everything(changed, query, w) == everything(fresh, query, w)
    assert len(index) == len(cands)  # the old index is untouched


def test_changing_nobody_returns_the_same_index():
    index = build([Candidate(1, 53.8, -1.5, roles={"mentor"})])
    assert index.with_changes([], removed=[99]) is index
    assert len(index.without([1])) == 0


def test_a_word_no_bio_holds_any_more_leaves_the_text_model():
    # "hurdles" was only in the bio that changed: a query naming it must
    # weigh its words as a fresh model would, where "hurdles" is unknown.
    a = Candidate(1, 53.80, -1.55, roles={"mentor"}, level=3, bio="sprint starts and relays")
    b = Candidate(2, 53.81, -1.56, roles={"mentor"}, level=3, bio="hurdles rhythm drills")
    index = build([a, b])
    index.fit_text()
    changed = index.with_changes([dataclasses.replace(b, bio="throws technique")])
    fresh = build([a, dataclasses.replace(b, bio="throws technique")])
    query = Query(53.8, -1.55, radius_km=20, roles={"mentor"}, level=1,
                  goals_text="hurdles sprint")
    w = Weights(text=5.0)
    result = changed.rank(query, w)
    assert result.ids == (1, 2)
    assert result == fresh.rank(query, w)


@pytest.mark.parametrize("change", ["places only", "a new word", "a word gone",
                                    "a common word", "one more", "one fewer"])
def test_a_fitted_model_moved_weighs_every_bio_as_a_fresh_fit(change, monkeypatch):
    """Weights carried over from the old model, and those weighed again, are exactly
    a fresh fit's, change after change; online searches pruned by the carried
    block bounds find exactly what a fresh index finds."""
    from matching import _online

    rng = random.Random(7)
    cands = [Candidate(i, rng.uniform(53.0, 54.0), rng.uniform(-2.0, -1.0),
                       roles=frozenset({"mentor"}), level=3, offers_online=i % 2 == 0,
                       capacity_left=rng.randint(0, 3),
                       bio=" ".join(rng.choices(WORDS, k=rng.randint(0, 6))))
             for i in range(1, 301)]
    edits = {
        "places only": lambda c: ([dataclasses.replace(c, capacity_left=c.capacity_left + 1)],
                                  []),
        "a new word": lambda c: ([dataclasses.replace(c, bio=c.bio + " steeplechase")], []),
        "a word gone": lambda c: ([dataclasses.replace(c, bio="")], []),
        "a common word": lambda c: ([dataclasses.replace(c, bio=f"{c.bio} {WORDS[0]}")], []),
        "one more": lambda c: ([dataclasses.replace(c, id=1000 + c.id)], []),
        "one fewer": lambda c: ([], [c.id]),
    }[change]
    index = build(cands)
    index.fit_text()
    current = {c.id: c for c in cands}
    for _ in range(3):  # a model moved from a moved one, too
        upserts, gone = edits(current[rng.choice(sorted(current))])
        index = index.with_changes(upserts, removed=gone)
        for i in gone:
            del current[i]
        current.update((c.id, c) for c in upserts)
        index.fit_text()  # as goals searches between changes do: weights carried again
    fresh = build(list(current.values()))
    fresh.fit_text()
    rows = np.arange(len(fresh))
    for goals in ("hurdles rhythm", "steeplechase sprint drills", " ".join(WORDS)):
        moved_text, fresh_text = index.arrays.text, fresh.arrays.text
        vector, expected = moved_text.query_vector(goals), fresh_text.query_vector(goals)
        assert (vector is None) == (expected is None)
        if expected is not None:
            assert np.array_equal(vector.weights, expected.weights)
            assert np.array_equal(moved_text.similarities(vector, rows),
                                  fresh_text.similarities(expected, rows))
            # Block bounds carried over may be looser than a fresh fit's, never lower.
            n_blocks = len(fresh.arrays.blocks.start)
            assert len(index.arrays.blocks.start) == n_blocks
            bounds = moved_text.block_bounds(vector, n_blocks)
            assert (bounds >= fresh_text.block_bounds(expected, n_blocks)).all()
    # Bounds in use: the online search by blocks, in small steps.
    monkeypatch.setattr(_online, "_SCORE_ALL_ROWS", 0)
    monkeypatch.setattr(_online, "_CHUNK_BLOCKS", 2)
    for mode in ("online", "either"):
        for goals in ("hurdles rhythm", "steeplechase sprint drills", WORDS[0]):
            query = Query(53.5, -1.5, radius_km=15.0, roles={"mentor"}, level=1, mode=mode,
                          goals_text=goals, limit=5)
            assert index.rank(query, Weights(text=3.0)) == fresh.rank(query, Weights(text=3.0))


# Where boxes wrap or reach a pole, with somewhere ordinary.
CENTRES = [(0.0, 179.95), (-33.9, -179.99), (64.1, 179.2), (89.5, 10.0), (-89.2, -170.0),
           (53.8, -1.55)]


@SETTINGS
@given(st.sampled_from(CENTRES),
       st.lists(st.tuples(st.floats(-6.0, 6.0), st.floats(-12.0, 12.0)), max_size=30),
       st.sampled_from([1.0, 25.0, 160.0, 500.0]), st.sampled_from([0.01, 0.1, 1.0]))
def test_the_radius_finds_exactly_who_is_inside_anywhere_on_earth(centre, offsets, radius,
                                                                   scale):
    # Across 180 degrees and near the poles as well as in Leeds.
    lat0, lon0 = centre
    points = [(max(min(lat0 + scale * dlat, 89.99), -89.99),
               (lon0 + scale * dlon + 180.0) % 360.0 - 180.0) for dlat, dlon in offsets]
    cands = [Candidate(i + 1, lat, lon, roles={"mentor"}, level=3, travel_km=20_000.0)
             for i, (lat, lon) in enumerate(points)]
    distance = {c.id: float(haversine_km(c.lat, c.lon, lat0, lon0)) for c in cands}
    assume(all(abs(d - radius) > 1e-6 * radius for d in distance.values()))
    query = Query(lat0, lon0, radius_km=radius, roles={"mentor"}, level=1)
    found = {m.id for m in everything(build(cands), query).matches}
    assert found == {i for i, d in distance.items() if d <= radius}
