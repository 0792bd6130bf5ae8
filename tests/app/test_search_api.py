"""GET /api/v1/search: ranking, hard rules, diagnostics, validation and privacy."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ..places import BRADFORD, CITY_CENTRE, HEADINGLEY, MANCHESTER, YORK


def search(client, **params):
    params.setdefault("where", "LS6 3QS")
    return client.get("/api/v1/search", query_string=params)


def ids(body, key="results"):
    return [r["id"] for r in body[key]]


def test_nearer_supporters_rank_first_all_else_equal(client, make_supporter):
    far = make_supporter(**BRADFORD)
    near = make_supporter(**CITY_CENTRE)
    body = search(client, radius_km=25, mode="in_person").get_json()
    assert ids(body) == [near.id, far.id]
    assert body["origin"]["precision"] == "postcode"
    assert body["results"][0]["distance_km"] == 4  # 4.4 km, shown to the whole km
    assert "4 km away" in body["results"][0]["reasons"]


def test_event_group_and_needs_outrank_a_little_distance(client, make_supporter):
    generic = make_supporter(event_groups=["throws"], expertise=["nutrition_environment"],
                             **CITY_CENTRE)
    fitting = make_supporter(event_groups=["jumps"],
                             expertise=["technical_model", "strength_power", "training_planning"],
                             **BRADFORD)
    body = search(client, event_groups="jumps",
                  needs="technical_model,strength_power,training_planning").get_json()
    assert ids(body) == [fitting.id, generic.id]
    reasons = " | ".join(body["results"][0]["reasons"])
    assert "Jumps" in reasons
    assert "covers all 3 of your needs" in reasons


def test_radius_is_mutual(client, make_supporter):
    stays_home = make_supporter(travel_km=5, **BRADFORD)
    travels = make_supporter(travel_km=20, **BRADFORD)
    body = search(client, radius_km=25, mode="in_person").get_json()
    assert ids(body) == [travels.id]
    assert stays_home.id not in ids(body)
    assert body["diagnostics"]["removed"]["travel_distance"] == 1


def test_online_supporters_appear_regardless_of_distance(client, make_supporter):
    online = make_supporter(offers_online=True, **MANCHESTER)
    offline = make_supporter(offers_online=False, **MANCHESTER)
    either = search(client, radius_km=10, mode="either").get_json()
    # In their own section: never among those who can meet in person.
    assert ids(either, "online") == [online.id] and ids(either) == []
    # Nobody is near: the nearest in person beyond 10 km is offered, with the distance
    # (the online one only once, in the online section).
    assert ids(either, "beyond_radius") == [offline.id]
    assert either["beyond_radius"][0]["distance_km"] == 57
    assert either["counts"]["online"] == 1 and either["counts"]["in_person"] == 0
    in_person = search(client, radius_km=10, mode="in_person").get_json()
    assert online.id not in ids(in_person)
    online_only = search(client, radius_km=10, mode="online").get_json()
    assert ids(online_only) == [online.id] and online_only["results"][0]["distance_km"] is None


def test_only_eligible_supporters_are_searchable(client, make_supporter):
    yesterday = date.today() - timedelta(days=1)
    eligible = make_supporter(**CITY_CENTRE)
    hidden = [
        make_supporter(verified_at=None, **CITY_CENTRE),
        make_supporter(safeguarding_expires_on=yesterday, **CITY_CENTRE),
        make_supporter(licence_expires_on=yesterday, **CITY_CENTRE),
        make_supporter(paused=True, **CITY_CENTRE),
        make_supporter(visible=False, **CITY_CENTRE),
    ]
    body = search(client).get_json()
    assert ids(body) == [eligible.id]
    for profile in hidden:
        assert client.get(f"/api/v1/supporters/{profile.id}").status_code == 404


def test_full_supporters_are_waitlist_after_available_ones(client, make_supporter):
    full = make_supporter(capacity=0, **CITY_CENTRE)
    free = make_supporter(capacity=2, **BRADFORD)
    body = search(client).get_json()
    assert ids(body) == [free.id, full.id]
    assert body["results"][0]["availability"] == {"status": "available", "places_free": 2}
    assert body["results"][1]["waitlist"] is True
    assert body["results"][1]["availability"]["status"] == "waitlist"


def test_wanted_roles_filter(client, make_supporter):
    mentor = make_supporter(roles=["mentor"], **CITY_CENTRE)
    make_supporter(roles=["technical_advisor"], **CITY_CENTRE)
    body = search(client, roles="mentor").get_json()
    assert ids(body) == [mentor.id]
    assert body["diagnostics"]["removed"]["role"] == 1


def test_nothing_nearby_explains_and_offers_fallbacks(client, make_supporter):
    further = make_supporter(roles=["mentor"], event_groups=["jumps"], travel_km=50, **YORK)
    online = make_supporter(roles=["mentor"], event_groups=["jumps"], offers_online=True,
                            **MANCHESTER)
    body = search(client, radius_km=10, roles="mentor", mode="in_person").get_json()
    assert body["results"] == []
    assert body["total"] == 0
    # The nearest in person beyond the radius first, then online ones.
    assert ids(body, "beyond_radius")[0] == further.id
    assert body["beyond_radius"][0]["distance_km"] == 37  # from the YO1 7 sector's centre
    assert ids(body, "online") == [online.id]
    assert body["widen"] == {"radius_km": 40.0, "found": 1}
    explanation = body["diagnostics"]["explanation"]
    assert "10 km" in explanation and "online" in explanation


def test_changes_show_up_without_a_restart(client, session, make_supporter):
    supporter = make_supporter(capacity=1, **CITY_CENTRE)
    assert search(client).get_json()["results"][0]["availability"]["places_free"] == 1
    supporter.capacity = 4
    session.commit()
    assert search(client).get_json()["results"][0]["availability"]["places_free"] == 4
    supporter.paused = True
    session.commit()
    assert search(client).get_json()["results"] == []


@pytest.fixture
def background_rebuilds(app_config):
    # Every rebuild after the first counts as "large" and happens in the background.
    app_config.update(SEARCH_INDEX_INLINE_REBUILD_SECONDS=-1)


def test_large_indexes_rebuild_in_the_background(background_rebuilds, app, client, session,
                                                  make_supporter):
    from app.models import EventGroup
    from app.services.search import index_cache

    def group_name():
        return search(client).get_json()["results"][0]["event_groups"][0]["name"]

    make_supporter(capacity=1, **CITY_CENTRE)
    assert group_name() == "Jumps"
    # A taxonomy change needs the whole index read again (a change to a
    # supporter is applied at once: see test_search_index_changes).
    session.scalar(sa.select(EventGroup).where(EventGroup.key == "jumps")).name = "Jumping"
    session.commit()
    # Searches keep answering from the current index while the next one builds.
    assert group_name() == "Jumps"
    with app.app_context():
        index_cache().wait_for_rebuild(timeout=60)
        # Fitted before it answers: no search with goals text waits for the fit.
        assert index_cache().current.index.text_fitted
    assert group_name() == "Jumping"


def test_outward_codes_and_towns_work_as_places(client, make_supporter):
    near = make_supporter(**CITY_CENTRE)
    for where in ["LS6", "ls63qs", "Leeds"]:
        body = search(client, where=where).get_json()
        assert ids(body) == [near.id], where


def test_coordinates_work_as_a_place(client, make_supporter):
    near = make_supporter(**CITY_CENTRE)
    body = client.get("/api/v1/search",
                      query_string={"lat": 53.82, "lon": -1.58}).get_json()
    assert ids(body) == [near.id]
    assert "LS6" in body["origin"]["label"]


def test_paging(client, make_supporter):
    made = [make_supporter(**CITY_CENTRE) for _ in range(5)]
    first = search(client, limit=2, page=1).get_json()
    third = search(client, limit=2, page=3).get_json()
    assert first["total"] == 5 and first["pages"] == 3
    assert len(first["results"]) == 2 and len(third["results"]) == 1
    everyone = set(ids(first)) | set(ids(search(client, limit=2, page=2).get_json())) | set(
        ids(third))
    assert everyone == {m.id for m in made}


@pytest.mark.parametrize("params, field", [
    ({"radius_km": -5}, "radius_km"),
    ({"radius_km": "far"}, "radius_km"),
    ({"radius_km": 5000}, "radius_km"),
    ({"mode": "carrier pigeon"}, "mode"),
    ({"limit": 0}, "limit"),
    ({"roles": "wizard"}, "roles"),
    ({"event_groups": "quidditch"}, "event_groups"),
    ({"needs": "luck"}, "needs"),
    ({"qualification": "black_belt"}, "qualification"),
    ({"where": "x" * 101}, "where"),
    ({"where": "LS6 3Q"}, "where"),
    ({"where": None, "lat": 53.8}, "lon"),
    ({"where": None}, "where"),
])
def test_bad_input_is_refused_naming_the_field(client, make_supporter, params, field):
    make_supporter(**CITY_CENTRE)
    params = {"where": "LS6 3QS", **params}
    params = {k: v for k, v in params.items() if v is not None}
    response = client.get("/api/v1/search", query_string=params)
    body = response.get_json()
    assert response.status_code == 422
    assert body["code"] == 422
    assert field in body["errors"], body


def test_incomplete_postcode_suggests_the_sector(client):
    body = search(client, where="LS6 3Q").get_json()
    assert "LS6 3" in body["errors"]["where"][0]


def test_unknown_place_is_404_naming_the_input(client):
    response = search(client, where="LS99 9ZZ")
    assert response.status_code == 404
    body = response.get_json()
    assert "LS99 9ZZ" in body["message"]
    assert "where" in body["errors"]


def test_huge_ids_are_simply_not_found(client):
    assert client.get(f"/api/v1/supporters/{2**70}").status_code == 404
    assert client.get("/api/v1/supporters/0").status_code == 404


def test_search_answers_405_with_allow(client):
    response = client.post("/api/v1/search")
    assert response.status_code == 405
    assert response.headers["Allow"] in {"GET, HEAD, OPTIONS", "GET, HEAD", "GET, OPTIONS, HEAD"}


@pytest.fixture
def tight_limits(app_config):
    app_config.update(SEARCH_RATE_LIMIT="3 per minute")


def test_search_is_rate_limited(tight_limits, client, make_supporter):
    make_supporter(**CITY_CENTRE)
    statuses = [search(client).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = search(client)
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["code"] == 429


def test_places_suggests_as_you_type(client):
    body = client.get("/api/v1/places", query_string={"q": "LS6 3"}).get_json()
    assert 1 <= len(body) <= 10
    assert all(p["label"].upper().startswith("LS6 3") for p in body)
    towns = client.get("/api/v1/places", query_string={"q": "Gatesh"}).get_json()
    assert any("Gateshead" in p["label"] for p in towns)


def test_places_needs_a_query(client):
    response = client.get("/api/v1/places")
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


def test_openapi_describes_the_search(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    search_op = spec["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in search_op["parameters"]}
    assert {"where", "lat", "lon", "radius_km", "roles", "event_groups", "needs", "mode",
            "limit", "page"} <= names
    assert "/api/v1/supporters/{supporter_id}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_ladder_rules_apply_only_when_the_coach_says_their_level(client, make_supporter):
    peer = make_supporter(roles=["co_coach"], qualification="uk_advanced_coach", **CITY_CENTRE)
    anyone = search(client, roles="co_coach").get_json()
    assert ids(anyone) == [peer.id]
    assert not any("above you" in r for r in anyone["results"][0]["reasons"])
    # An assistant coach is three rungs below: no peer of theirs.
    assistant = search(client, roles="co_coach", qualification="uk_assistant_coach").get_json()
    assert ids(assistant) == []
    assert assistant["diagnostics"]["removed"]["ladder"] == 1
    # A coach one rung below is a peer.
    coach = search(client, roles="co_coach", qualification="uk_coach").get_json()
    assert ids(coach) == [peer.id]
    assert "Advanced Coach, one level above you" in coach["results"][0]["reasons"]


def test_repeated_searches_are_answered_once_until_the_data_changes(app, client, session,
                                                                     make_supporter):
    from app.extensions import db
    from app.services.search import index_cache

    def answers_kept():
        with app.app_context():
            return len(index_cache().get(db.session).answers)

    supporter = make_supporter(**CITY_CENTRE)
    first = search(client).get_data()
    kept = answers_kept()
    assert kept > 0
    assert search(client).get_data() == first
    assert answers_kept() == kept, "a repeat is answered from what was kept"
    search(client, limit=5)  # a different page of the same search is a different answer
    assert answers_kept() > kept
    supporter.capacity = 5
    session.commit()
    assert search(client).get_data() != first


def test_answers_hold_exactly_the_documented_fields(client, make_supporter):
    make_supporter(**CITY_CENTRE)
    make_supporter(travel_km=50, **YORK)
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    body = search(client, radius_km=10, mode="in_person").get_json()
    assert set(body) == set(schemas["SearchResponse"]["properties"])
    documented = set(schemas["SearchResult"]["properties"])
    assert body["beyond_radius"] and body["online"] == []
    for card in body["results"] + body["beyond_radius"] + body["online"]:
        assert set(card) == documented
        assert set(card["availability"]) == set(schemas["Availability"]["properties"])
    assert body["results"] and body["counts"]["in_person"] == 1
    assert set(body["origin"]) == set(schemas["Origin"]["properties"])
    assert set(body["diagnostics"]) == set(schemas["Diagnostics"]["properties"])


def test_activity_stamped_ahead_of_the_clock_counts_as_today(client, make_supporter):
    from datetime import UTC, datetime, timedelta

    ahead = make_supporter(last_active_at=datetime.now(UTC) + timedelta(hours=7), **CITY_CENTRE)
    body = search(client).get_json()
    assert ids(body) == [ahead.id]


def test_an_unusable_profile_is_left_out_without_breaking_search(client, make_supporter):
    make_supporter(roles=(), **HEADINGLEY)  # verified, yet offering no support role
    usable = make_supporter(**CITY_CENTRE)
    response = search(client)
    assert response.status_code == 200
    assert ids(response.get_json()) == [usable.id]


@pytest.mark.parametrize("change", [
    "UPDATE supporter_profiles SET safeguarding_expires_on = :yesterday",
    "UPDATE supporter_profiles SET licence_expires_on = :yesterday",
    "UPDATE supporter_profiles SET paused = true",
    "UPDATE users SET active = false",
    "DELETE FROM supporter_roles",
])
def test_changes_made_outside_the_app_reach_search(client, session, make_supporter, change):
    """A nightly job or an operator at a psql prompt: no ORM, no app code."""
    supporter = make_supporter(**CITY_CENTRE)
    assert ids(search(client).get_json()) == [supporter.id]
    assert client.get(f"/api/v1/supporters/{supporter.id}").status_code == 200
    session.execute(sa.text(change), {"yesterday": date.today() - timedelta(days=1)})
    session.commit()
    assert ids(search(client).get_json()) == []
    assert client.get(f"/api/v1/supporters/{supporter.id}").status_code == 404


def test_a_login_does_not_rebuild_search(session, make_supporter):
    """Only what search reads bumps the version: not a sign-in's timestamp."""
    from app.services.data_version import current_version

    supporter = make_supporter(**CITY_CENTRE)
    before = current_version(session)
    session.execute(sa.text("UPDATE users SET last_login_at = CURRENT_TIMESTAMP WHERE id = :id"),
                    {"id": supporter.user_id})
    session.commit()
    assert current_version(session) == before
    session.execute(sa.text("UPDATE users SET display_name = 'New Name' WHERE id = :id"),
                    {"id": supporter.user_id})
    session.commit()
    assert current_version(session) > before


def test_no_expired_supporter_is_answered_on_the_day_after_even_mid_rebuild(
        background_rebuilds, app, session, make_supporter):
    """A check expiring today: in search all day, never the day after, whatever is cached."""
    from app.services.search import index_cache

    today = date.today()
    expiring = make_supporter(safeguarding_expires_on=today, **CITY_CENTRE)
    staying = make_supporter(**CITY_CENTRE)
    with app.app_context():
        cache = index_cache()
        assert {expiring.id, staying.id} <= set(cache.get(session, today).cards)
        # Rebuilds of this size happen in the background, but a new day never waits.
        tomorrow = cache.get(session, today + timedelta(days=1))
        assert expiring.id not in tomorrow.cards and staying.id in tomorrow.cards
        assert expiring.id not in tomorrow.index
