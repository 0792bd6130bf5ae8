"""Near means near: in-person first, online apart, one country, and a finder's basics."""

from __future__ import annotations

import pytest

from ..places import BEVERLY_HILLS, BRADFORD, CITY_CENTRE, HEADINGLEY, LONDON, YORK


def search(client, **params):
    params.setdefault("where", "LS6 3QS")
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(body, key="results"):
    return [card["id"] for card in body[key]]


@pytest.fixture
def leeds_and_online(make_supporter):
    """Three supporters who can meet in Leeds, and strong online ones far away."""
    strong = dict(roles=["mentor"], event_groups=["jumps"],
                  expertise=["technical_model", "strength_power", "training_planning"],
                  qualification="uk_advanced_coach")
    return {
        "near": make_supporter(event_groups=["throws"], expertise=[], **CITY_CENTRE),
        "mid": make_supporter(event_groups=["jumps"], **BRADFORD),
        "local_online": make_supporter(event_groups=["jumps"], offers_online=True,
                                       **HEADINGLEY),
        "london": make_supporter(offers_online=True, capacity=5, **strong, **LONDON),
        "us": make_supporter(offers_online=True, capacity=5, **strong, **BEVERLY_HILLS),
    }


def test_in_person_lead_and_online_come_apart(client, leeds_and_online):
    s = leeds_and_online
    body = search(client, event_groups="jumps",
                  needs="technical_model,strength_power,training_planning")
    # Everyone who can meet in person, and only them, in the main list, even
    # the one who fits least; the strongest online fit comes in its own section.
    assert set(ids(body)) == {s["near"].id, s["mid"].id, s["local_online"].id}
    assert all(card["distance_km"] is not None for card in body["results"])
    assert ids(body, "online") == [s["london"].id]
    assert body["online"][0]["distance_km"] is None
    assert body["counts"] == {"in_person": 3, "in_person_available": 3, "online": 1,
                              "online_available": 1}
    assert body["total"] == 3 and body["mode"] == "either"
    # A local who also offers online is in person first, and says they are online too.
    local = next(c for c in body["results"] if c["id"] == s["local_online"].id)
    assert "also online" in local["reasons"]


def test_a_search_keeps_to_its_country_unless_asked(client, leeds_and_online):
    s = leeds_and_online
    gb = search(client)
    assert s["us"].id not in ids(gb) + ids(gb, "online") + ids(gb, "beyond_radius")
    assert gb["diagnostics"]["removed"]["country"] == 1
    assert gb["other_countries"] is False
    anywhere = search(client, other_countries="true")
    assert s["us"].id in ids(anywhere, "online")
    # From a US ZIP code, US supporters only: nobody in Leeds, online or not.
    us = search(client, where="90210", radius_km=25)
    assert ids(us) == [s["us"].id]
    assert ids(us, "online") == []
    assert us["origin"]["country"] == "US"


def test_ladders_compare_levels_within_one_framework(client, make_supporter):
    uk_peer = make_supporter(qualification="uk_sessional_coach", **CITY_CENTRE)
    uk_above = make_supporter(qualification="uk_coach", **CITY_CENTRE)
    us_level_1 = make_supporter(qualification="us_level_1", **CITY_CENTRE)
    body = search(client, roles="mentor", qualification="uk_sessional_coach", other_countries=1)
    # A mentor must be above a UK Sessional Coach on the UK ladder; a US Level 1
    # is on another ladder, so no ladder rule compares them.
    assert set(ids(body)) == {uk_above.id, us_level_1.id}
    assert uk_peer.id not in ids(body)
    reasons = {c["id"]: c["reasons"] for c in body["results"]}
    assert "Coach, one level above you" in reasons[uk_above.id]
    assert "Level 1" in reasons[us_level_1.id]


def test_places_free_do_not_outrank_a_clearly_nearer_supporter(client, make_supporter):
    spacious = make_supporter(capacity=5, **BRADFORD)
    close = make_supporter(capacity=1, **CITY_CENTRE)
    full = make_supporter(capacity=0, **HEADINGLEY)
    body = search(client, mode="in_person")
    assert ids(body) == [close.id, spacious.id, full.id]
    assert body["results"][-1]["waitlist"] is True


def test_an_empty_in_person_search_offers_the_nearest_and_a_wider_radius(client,
                                                                         make_supporter):
    york = make_supporter(travel_km=60, **YORK)
    homebody = make_supporter(travel_km=5, latitude=53.5, longitude=-1.55)  # ~36 km, stays
    online = make_supporter(offers_online=True, **LONDON)
    body = search(client, radius_km=10, mode="in_person")
    assert body["results"] == [] and body["total"] == 0
    # Nearest first, whatever their own travel distance, with the distance...
    assert ids(body, "beyond_radius") == [homebody.id, york.id]
    assert body["beyond_radius"][0]["reasons"][1] == "travels up to 5 km"
    # ...the smallest radius that finds someone in person, and online ones after.
    assert body["widen"] == {"radius_km": 40.0, "found": 1}
    assert ids(body, "online") == [online.id]
    widened = search(client, radius_km=body["widen"]["radius_km"], mode="in_person")
    assert ids(widened) == [york.id]


def test_sort_by_nearest_or_best_fit(client, make_supporter):
    fitting = make_supporter(event_groups=["jumps"], expertise=["technical_model"], **BRADFORD)
    near = make_supporter(event_groups=["throws"], expertise=[], **CITY_CENTRE)
    assert ids(search(client, event_groups="jumps", needs="technical_model")) == [
        fitting.id, near.id]
    nearest = search(client, event_groups="jumps", needs="technical_model", sort="distance")
    assert ids(nearest) == [near.id, fitting.id]
    assert nearest["sort"] == "distance"


def test_find_a_supporter_by_name_or_club(client, make_user, make_supporter):
    def named(name, club, **place):
        return make_supporter(user=make_user(roles=["supporter"], name=name), club=club,
                              **place)

    jo = named("Jo Marsh", "Leeds City AC", **CITY_CENTRE)
    named("Sam Hill", "Bradford Airedale AC", **BRADFORD)
    kim = named("Kim Vale", "Leeds City AC", **BRADFORD)
    assert ids(search(client, name="marsh")) == [jo.id]
    assert set(ids(search(client, name="leeds city"))) == {jo.id, kim.id}
    nobody = search(client, name="Nobody Atall")
    assert nobody["results"] == [] and nobody["diagnostics"]["removed"]["name"] == 3


def test_pages_cover_every_result_and_a_page_past_the_end_is_empty(client, make_supporter):
    supporters = [make_supporter(**CITY_CENTRE) for _ in range(7)]
    pages = [search(client, limit=3, page=n, mode="in_person") for n in (1, 2, 3, 4)]
    assert [p["pages"] for p in pages] == [3, 3, 3, 3]
    seen = [i for p in pages[:3] for i in ids(p)]
    assert sorted(seen) == sorted(s.id for s in supporters)
    assert pages[3]["results"] == [] and pages[3]["total"] == 7


def test_online_section_only_on_the_first_page(client, make_supporter):
    for _ in range(3):
        make_supporter(**CITY_CENTRE)
    remote = make_supporter(offers_online=True, **LONDON)
    assert ids(search(client, limit=2), "online") == [remote.id]
    assert ids(search(client, limit=2, page=2), "online") == []


@pytest.mark.parametrize(("params", "field"), [
    ({"sort": "random"}, "sort"),
    ({"needs": "technical_model:9"}, "needs"),
    ({"page": 0}, "page"),
    ({"other_countries": "perhaps"}, "other_countries"),
    ({"name": "x" * 101}, "name"),
])
def test_bad_finder_input_names_the_field(client, params, field):
    response = client.get("/api/v1/search", query_string={"where": "LS6 3QS", **params})
    assert response.status_code == 422
    assert {key.split(".")[0] for key in response.get_json()["errors"]} == {field}


def test_needs_carry_their_priority_and_zero_is_not_counted(client, make_supporter):
    make_supporter(expertise=["technical_model", "strength_power"], **CITY_CENTRE)
    body = search(client, needs="technical_model:5,strength_power:0,training_planning:2")
    assert "covers 1 of your 2 needs: technical model for an event group" in [
        r.lower() for r in body["results"][0]["reasons"]]
