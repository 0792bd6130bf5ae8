"""Location privacy against many questions: no run of searches locates a supporter.

Search measures from the centre of a supporter's postcode sector (or district),
never from where they live, so an attacker who asks as many questions as
they like learns that centre at best: something anyone can work out from the
postcode data, shared by every home in the sector.
"""

from __future__ import annotations

import math

import pytest

import geodata

# Two real postcodes in the LS6 3 sector, 1.3 km apart, each ~0.8 km from its centre.
LS6_3QS = dict(latitude=53.82633749765841, longitude=-1.59074973342507, postcode="LS6 3QS",
               outward_code="LS6", place_label="Leeds")
LS6_3BN = dict(latitude=53.81488522859978, longitude=-1.5773287265100204, postcode="LS6 3BN",
               outward_code="LS6", place_label="Leeds")
# Where an attacker asks from: around Leeds, 5 to 25 km away.
ANCHORS = [(53.90, -1.62), (53.78, -1.40), (53.72, -1.70), (53.83, -1.75)]


def km(a, b) -> float:
    return float(geodata.haversine_km(a[0], a[1], b[0], b[1]))


def found(client, supporter_id: int, lat: float, lon: float, radius_km: float) -> bool:
    response = client.get("/api/v1/search", query_string={
        "lat": lat, "lon": lon, "radius_km": radius_km, "mode": "in_person", "limit": 50})
    assert response.status_code == 200, response.get_json()
    return any(card["id"] == supporter_id for card in response.get_json()["results"])


def threshold_km(client, supporter_id: int, anchor, *, metres: float = 1.0) -> float:
    """Binary-search the smallest radius from ``anchor`` that finds the supporter."""
    low, high = 1.0, 60.0
    assert found(client, supporter_id, *anchor, high)
    while (high - low) * 1000 > metres:
        middle = (low + high) / 2
        if found(client, supporter_id, *anchor, middle):
            high = middle
        else:
            low = middle
    return high


def trilaterate(anchors, distances) -> tuple[float, float]:
    """Return the point whose distances to the anchors best fit (Gauss-Newton)."""
    lat = sum(a[0] for a in anchors) / len(anchors)
    lon = sum(a[1] for a in anchors) / len(anchors)
    for _ in range(50):
        rows, residuals = [], []
        for anchor, d in zip(anchors, distances, strict=True):
            here = km((lat, lon), anchor)
            step = 1e-5
            d_lat = (km((lat + step, lon), anchor) - here) / step
            d_lon = (km((lat, lon + step), anchor) - here) / step
            rows.append((d_lat, d_lon))
            residuals.append(d - here)
        # Normal equations of the 2x2 least-squares step.
        a11 = sum(r[0] * r[0] for r in rows)
        a12 = sum(r[0] * r[1] for r in rows)
        a22 = sum(r[1] * r[1] for r in rows)
        b1 = sum(r[0] * e for r, e in zip(rows, residuals, strict=True))
        b2 = sum(r[1] * e for r, e in zip(rows, residuals, strict=True))
        det = a11 * a22 - a12 * a12
        lat += (a22 * b1 - a12 * b2) / det
        lon += (a11 * b2 - a12 * b1) / det
    return lat, lon


@pytest.fixture
def app_config():
    # The rate limit is not the defence: the attacker may ask as often as they like.
    return {"RATELIMIT_ENABLED": False}


def test_trilateration_gets_no_closer_than_the_sector_centre(client, make_supporter):
    home = (LS6_3QS["latitude"], LS6_3QS["longitude"])
    target = make_supporter(travel_km=100.0, **LS6_3QS)
    sector = geodata.geocode("LS6 3")
    centre = (sector.lat, sector.lon)
    assert km(home, centre) > 0.5  # a test that means something: home is not the centre

    distances = [threshold_km(client, target.id, anchor) for anchor in ANCHORS]
    guess = trilaterate(ANCHORS, distances)

    # The attack works: it finds the point search measures from, to a few metres...
    assert km(guess, centre) < 0.02
    # ...and that point is the sector's centre, no nearer the home than it is.
    assert km(guess, home) >= km(centre, home) - 0.02


@pytest.mark.parametrize("mode", ["in_person", "either", "online"])
def test_two_supporters_in_one_sector_are_indistinguishable(client, make_user, make_supporter,
                                                            mode):
    same = dict(roles=["mentor"], event_groups=["jumps"], expertise=["technical_model"],
                travel_km=30.0, capacity=2, offers_online=True, bio="Jumps coach.")
    a = make_supporter(user=make_user(roles=["supporter"], name="Alex Able"), **same, **LS6_3QS)
    b = make_supporter(user=make_user(roles=["supporter"], name="Alex Baker"), **same,
                       **LS6_3BN)
    assert km((a.latitude, a.longitude), (b.latitude, b.longitude)) > 1.0
    centre = geodata.geocode("LS6 3")
    # Questions from all around, at radii just either side of each answer's edge.
    questions = []
    for anchor in [*ANCHORS, (centre.lat + 0.001, centre.lon), (53.80, -1.55)]:
        edge = km(anchor, (centre.lat, centre.lon))
        for radius in sorted({max(1.0, r) for r in (edge - 0.05, edge + 1e-6, edge + 0.05, 25)}):
            questions.append({"lat": anchor[0], "lon": anchor[1], "radius_km": radius})
    questions += [{"where": "LS6 3QS"}, {"where": "LS6 3BN"}, {"where": "LS6"},
                  {"where": "Leeds", "sort": "distance"}]
    seen_both = 0
    for question in questions:
        body = client.get("/api/v1/search", query_string={**question, "mode": mode}).get_json()
        cards = {c["id"]: c for key in ("results", "online", "beyond_radius") for c in body[key]}
        assert (a.id in cards) == (b.id in cards), question
        if a.id in cards:
            seen_both += 1
            assert _public(cards[a.id]) == _public(cards[b.id]), question
    assert seen_both >= len(questions) // 2
    profiles = [client.get(f"/api/v1/supporters/{s.id}").get_json() for s in (a, b)]
    assert _public(profiles[0]) == _public(profiles[1])


def _public(card: dict) -> dict:
    """Everything in a card but who the supporter is."""
    return {k: v for k, v in card.items() if k not in ("id", "name")}


def test_a_supporter_may_be_placed_only_at_their_district(client, make_supporter):
    district = geodata.geocode("LS6")
    target = make_supporter(travel_km=100.0, search_area="district", **LS6_3QS)
    card = client.get(f"/api/v1/supporters/{target.id}").get_json()
    assert (card["area_lat"], card["area_lon"]) == pytest.approx((district.lat, district.lon))
    # Distances are from the district's centre: a search from there finds them
    # "under 1 km" away whatever their sector.
    body = client.get("/api/v1/search", query_string={
        "lat": district.lat, "lon": district.lon, "radius_km": 1, "mode": "in_person"}).get_json()
    assert [c["id"] for c in body["results"]] == [target.id]
    assert body["results"][0]["reasons"][0] == "under 1 km away"
    assert math.isclose(card["area_lat"], district.lat, abs_tol=1e-9)
