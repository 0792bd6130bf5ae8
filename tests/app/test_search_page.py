"""The search page works as plain HTML: form in, ranked cards out, errors by the field."""

import re

import pytest
from bs4 import BeautifulSoup

CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")
BRADFORD = dict(latitude=53.7950, longitude=-1.7520, postcode="BD1 1HY", outward_code="BD1",
                place_label="Bradford")


@pytest.fixture
def two_supporters(make_supporter):
    return make_supporter(**CITY_CENTRE), make_supporter(**BRADFORD)


def page(client, **params):
    response = client.get("/search", query_string=params)
    return response, BeautifulSoup(response.data, "html.parser")


def test_empty_search_page_shows_the_form(client):
    response, soup = page(client)
    assert response.status_code == 200
    assert soup.find("input", {"name": "where"})
    assert {i["value"] for i in soup.find_all("input", {"name": "roles"})} == {
        "mentor", "coach_developer", "technical_advisor", "co_coach"}
    assert soup.find("input", {"name": "needs", "value": "training_planning"})


def test_results_are_ranked_cards_with_reasons(client, two_supporters):
    near, far = two_supporters
    response, soup = page(client, where="LS6 3QS", roles="mentor")
    cards = soup.select("[data-testid=results] article")
    assert response.status_code == 200
    assert [int(c["data-supporter-id"]) for c in cards] == [near.id, far.id]
    first = cards[0]
    assert "near LS1" in first.get_text(" ", strip=True)
    assert "4 km" in first.select_one(".distance").get_text()
    assert first.select(".reasons li")
    heading = re.sub(r"\s+", " ", soup.find(id="results-heading").get_text()).strip()
    assert heading == "2 within 25 km of LS6 3QS · 0 online"


def test_the_query_lives_in_the_url_and_the_form_keeps_it(client, two_supporters):
    response, soup = page(client, where="LS6 3QS", roles="mentor", radius_km="50",
                          needs="training_planning", mode="in_person")
    assert soup.find("input", {"name": "where"})["value"] == "LS6 3QS"
    assert soup.find("input", {"name": "roles", "value": "mentor"}).has_attr("checked")
    assert soup.find("input", {"name": "needs", "value": "training_planning"}).has_attr(
        "checked")
    assert soup.find("option", {"value": "50"}).has_attr("selected")
    assert soup.find("input", {"name": "mode", "value": "in_person"}).has_attr("checked")


def test_errors_show_beside_the_field_and_keep_the_input(client):
    response, soup = page(client, where="LS6 3Q")
    assert response.status_code == 422
    where = soup.find("input", {"name": "where"})
    assert where["aria-invalid"] == "true"
    error = soup.find(id=where["aria-describedby"])
    assert "LS6 3" in error.get_text()
    assert where["value"] == "LS6 3Q"


def test_unknown_place_is_explained(client):
    response, soup = page(client, where="LS99 9ZZ")
    assert response.status_code == 404
    assert "LS99 9ZZ" in soup.find(id="where-error").get_text()


def test_radius_out_of_range_is_explained(client):
    response, soup = page(client, where="LS6 3QS", radius_km="-5")
    assert response.status_code == 422
    assert soup.find(id="radius_km-error")


def test_profile_page_has_a_call_to_action(client, two_supporters):
    near, _ = two_supporters
    response = client.get(f"/supporters/{near.id}")
    soup = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 200
    assert soup.h1.get_text(strip=True) == near.user.display_name
    # Signed out, the call is to sign in and come back here.
    action = soup.find("a", string=re.compile("Sign in to send a request"))
    assert action["href"] == f"/sign-in?next=/supporters/{near.id}"


def test_unknown_profile_is_404_page(client):
    response = client.get("/supporters/999999", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


LONDON = dict(latitude=51.5014, longitude=-0.1419, postcode="SW1A 1AA", outward_code="SW1A",
              place_label="London")


def _text(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ", strip=True)).strip()


def test_in_person_and_online_sections_and_a_map_of_the_radius(client, two_supporters,
                                                               make_supporter):
    import json

    near, far = two_supporters
    also_near = make_supporter(**CITY_CENTRE)
    remote = make_supporter(offers_online=True, **LONDON)
    response, soup = page(client, where="LS6 3QS")
    assert _text(soup.find(id="results-heading")) == "3 within 25 km of LS6 3QS · 1 online"
    local = [int(c["data-supporter-id"]) for c in soup.select("[data-testid=results] article")]
    online = [int(c["data-supporter-id"]) for c in soup.select("[data-testid=online] article")]
    assert local == [near.id, also_near.id, far.id] and online == [remote.id]
    # The local list comes first on the page, under its own heading.
    order = [el.get("data-testid") for el in soup.select("[data-testid=results],"
                                                          "[data-testid=online]")]
    assert order == ["results", "online"]
    assert _text(soup.find(id="online-heading")).startswith("Online: 1 supporter")
    data = json.loads(soup.find(id="map-data").string)
    assert data["radius_km"] == 25
    on_map = {s["id"] for area in data["areas"] for s in area["supporters"]}
    assert on_map == {near.id, also_near.id, far.id}  # in person only


def test_an_empty_search_offers_a_wider_radius_and_the_nearest(client, make_supporter):
    york = make_supporter(travel_km=60, latitude=53.9590, longitude=-1.0815, postcode="YO1 7HH",
                          outward_code="YO1", place_label="York")
    response, soup = page(client, where="LS6 3QS", radius_km="10", mode="in_person")
    assert "No supporters within 10 km" in _text(soup.find(attrs={"data-testid": "explanation"}))
    widen = soup.find(attrs={"data-testid": "widen"})
    assert _text(widen).startswith("Widen the search to 40 km")
    beyond = [int(c["data-supporter-id"])
              for c in soup.select("[data-testid=beyond-radius] article")]
    assert beyond == [york.id]
    soup = BeautifulSoup(client.get(widen["href"]).data, "html.parser")
    assert [int(c["data-supporter-id"]) for c in soup.select("[data-testid=results] article")] \
        == [york.id]


def test_a_page_past_the_end_says_so(client, two_supporters):
    response, soup = page(client, where="LS6 3QS", limit="1", page="9")
    assert response.status_code == 200
    notice = soup.find(attrs={"data-testid": "past-the-end"})
    assert "no page 9" in _text(notice) and "page 2" in _text(notice)
    assert "page=2" in notice.find("a")["href"]


def _coach_with_a_plan(visitor, make_account):
    coach = make_account(roles=["coach"])
    signed_in = visitor(coach)
    response = signed_in.post("/profile/coach", data={
        "qualification": "uk_sessional_coach", "event_groups": ["jumps"],
        "club": "Leeds City AC", "location": "LS6 3QS",
        "need-technical_model": "5", "need-training_planning": "3",
        "goal_id": [""], "goal_title": ["Build a jumps technical model"], "goal_target": [""]})
    assert response.status_code == 302, response.get_data(as_text=True)
    return signed_in


def _reasons(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [_text(li) for li in soup.select("[data-testid=results] .reasons li")]


def test_a_coachs_search_starts_from_their_profile_and_plan_everywhere(
        visitor, make_account, make_supporter):
    make_supporter(event_groups=["jumps"], expertise=["technical_model"], **CITY_CENTRE)
    coach = _coach_with_a_plan(visitor, make_account)
    wanted = "covers 1 of your 2 needs: technical model for an event group"
    # The home page's box sends only the place...
    from_home = coach.get("/search?where=LS1+4DY").get_data(as_text=True)
    assert wanted in [r.lower() for r in _reasons(from_home)]
    assert "Jumps" in _reasons(from_home)
    assert "Coach, one level above you" in _reasons(from_home)
    # ...the menu sends nothing at all...
    from_menu = coach.get("/search").get_data(as_text=True)
    assert wanted in [r.lower() for r in _reasons(from_menu)]
    # ...and the plan's own link sends its needs.
    plan = BeautifulSoup(coach.get("/plans").get_data(as_text=True), "html.parser")
    plan_page = plan if plan.find(attrs={"data-testid": "find-support"}) else BeautifulSoup(
        coach.get(plan.select_one("a[href^='/plans/']")["href"]).get_data(as_text=True),
        "html.parser")
    link = plan_page.find(attrs={"data-testid": "find-support"})["href"]
    from_plan = coach.get(link).get_data(as_text=True)
    assert wanted in [r.lower() for r in _reasons(from_plan)]
    # The search form itself says exactly what is wanted: unticked needs stay out.
    from_form = coach.get("/search?where=LS1+4DY&filters=1").get_data(as_text=True)
    assert not any("needs" in r for r in _reasons(from_form))


# --- "Use my location": the page names the area, never the point ---------------------------

def _visible_text(soup) -> str:
    for hidden in soup.select("script, input[type=hidden], [hidden]"):
        hidden.decompose()
    return _text(soup)


@pytest.mark.parametrize("point, area, box", [
    ((53.82, -1.58), "near LS6", "LS6"),  # Leeds, from a browser's position
    ((34.09, -118.41), "near Beverly Hills, CA", "Beverly Hills, CA"),
    ((10.0, -30.0), None, ""),  # mid-Atlantic: no named area, so no name at all
])
def test_a_search_from_a_position_names_the_area_in_the_title_heading_box_and_map(
        client, two_supporters, point, area, box):
    import json

    lat, lon = point
    response, soup = page(client, lat=str(lat), lon=str(lon), other_countries="true")
    assert response.status_code == 200
    where = f"your location ({area})" if area else "your location"
    assert _text(soup.find(id="results-heading")).split(" · ")[0].endswith(f"km of {where}")
    assert soup.title.string.startswith(f"Supporters near {box or 'your location'} · ")
    # The box shows what was searched, and nothing finer than the area.
    assert soup.find("input", id="where")["value"] == box
    data = json.loads(soup.find(id="map-data").string)
    assert data["origin"]["tooltip"] == (f"Your location, {area}" if area else "Your location")
    assert "label" not in data["origin"]
    shown = _visible_text(soup) + " " + soup.title.string
    assert "near near" not in shown
    assert f"{lat:.2f}" not in shown and f"{lat:.4f}" not in shown and f"{lon:.2f}" not in shown
