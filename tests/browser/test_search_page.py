"""Searching in a real browser: with and without JavaScript, by keyboard, on a phone."""

import re

import pytest

pytestmark = pytest.mark.browser

CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")
BRADFORD = dict(latitude=53.7950, longitude=-1.7520, postcode="BD1 1HY", outward_code="BD1",
                place_label="Bradford")
YORK = dict(latitude=53.9590, longitude=-1.0815, postcode="YO1 7HH", outward_code="YO1",
            place_label="York")
MANCHESTER = dict(latitude=53.4794, longitude=-2.2453, postcode="M1 1AD", outward_code="M1",
                  place_label="Manchester")


@pytest.fixture
def population(make_user, make_supporter):
    def named(name, **fields):
        return make_supporter(user=make_user(roles=["supporter"], name=name), **fields)

    return {
        "near_mentor": named("Nia Near", roles=["mentor"], **CITY_CENTRE),
        "far_mentor": named("Faye Further", roles=["mentor"], **BRADFORD),
        "advisor": named("Tom Technical", roles=["technical_advisor"], **CITY_CENTRE),
        "online": named("Olu Online", roles=["mentor"], offers_online=True, **MANCHESTER),
    }


def result_names(page, testid="results"):
    return page.locator(f"[data-testid={testid}] .card-title").all_inner_texts()


def test_search_from_a_postcode_ranks_and_explains(live_server, page, population,
                                                   check_accessibility, screenshot):
    page.goto(live_server.url + "/search")
    page.fill("#where", "LS6 3QS")
    page.select_option("#radius_km", "25")
    page.check("input[name=mode][value=in_person]")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"where=LS6"))
    assert result_names(page) == ["Nia Near", "Tom Technical", "Faye Further"]
    first = page.locator("[data-testid=results] article").first
    assert "4 km away" in first.locator(".reasons").inner_text()
    markers = page.locator(".leaflet-marker-icon")
    assert markers.count() == 2  # the LS1 and BD1 areas
    box = page.locator("#map").bounding_box()
    for i in range(markers.count()):
        m = markers.nth(i).bounding_box()
        assert box["x"] <= m["x"] <= box["x"] + box["width"], "marker outside the map"
        assert box["y"] <= m["y"] <= box["y"] + box["height"], "marker outside the map"
    check_accessibility(page)
    screenshot(page, "search-results-desktop")


def test_filters_change_the_results(live_server, page, population):
    page.goto(live_server.url + "/search?where=LS6+3QS&mode=in_person")
    assert "Tom Technical" in result_names(page)
    page.check("input[name=roles][value=mentor]")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"roles=mentor"))
    assert result_names(page) == ["Nia Near", "Faye Further"]


def test_online_supporters_join_when_online_is_fine(live_server, page, population):
    page.goto(live_server.url + "/search?where=LS6+3QS&roles=mentor&mode=either&radius_km=10")
    assert result_names(page) == ["Nia Near", "Olu Online"]


def test_works_without_javascript(live_server, no_js_page, population):
    no_js_page.goto(live_server.url + "/search")
    no_js_page.fill("#where", "LS6 3QS")
    no_js_page.check("input[name=roles][value=mentor]")
    no_js_page.click("button[type=submit]")
    no_js_page.wait_for_url(re.compile(r"where=LS6"))
    assert result_names(no_js_page)[0] == "Nia Near"
    no_js_page.click("text=Nia Near")
    assert no_js_page.locator("h1").inner_text() == "Nia Near"


def test_keyboard_only_search(live_server, page, population):
    page.goto(live_server.url + "/search")
    page.keyboard.press("Tab")  # skip link
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "where":
            break
    assert page.evaluate("document.activeElement.id") == "where"
    page.keyboard.type("LS6 3QS")
    page.keyboard.press("Escape")  # close suggestions
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"where=LS6"))
    assert result_names(page)[0] == "Nia Near"


def test_place_suggestions_as_you_type(live_server, page, population):
    page.goto(live_server.url + "/search")
    page.locator("#where").press_sequentially("Gatesh", delay=30)
    option = page.locator("#where-suggestions [role=option]").first
    option.wait_for()
    assert "Gateshead" in option.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#where").startswith("Gateshead")


def test_nothing_nearby_explains_and_offers_fallbacks(live_server, page, make_user,
                                                      make_supporter, check_accessibility):
    make_supporter(user=make_user(roles=["supporter"], name="Yan York"), roles=["mentor"],
                   event_groups=["jumps"], travel_km=60, **YORK)
    make_supporter(user=make_user(roles=["supporter"], name="Olu Online"), roles=["mentor"],
                   event_groups=["jumps"], offers_online=True, **MANCHESTER)
    page.goto(live_server.url +
              "/search?where=LS6+3QS&roles=mentor&event_groups=jumps&radius_km=10"
              "&mode=in_person")
    assert page.locator("#results-heading").inner_text().startswith("0 supporters")
    explanation = page.locator("[data-testid=explanation]").inner_text()
    assert "10 km" in explanation
    assert sorted(result_names(page, "fallbacks")) == ["Olu Online", "Yan York"]
    check_accessibility(page)


def test_bad_input_shows_message_beside_the_field(live_server, page):
    page.goto(live_server.url + "/search?where=LS6+3Q")
    error = page.locator("#where-error")
    assert "LS6 3" in error.inner_text()
    assert page.get_attribute("#where", "aria-invalid") == "true"


def test_profile_page_passes_axe(live_server, page, population, check_accessibility,
                                 screenshot):
    page.goto(f"{live_server.url}/supporters/{population['near_mentor'].id}")
    assert page.locator("h1").inner_text() == "Nia Near"
    assert page.locator("text=Request support").count() == 1
    check_accessibility(page)
    screenshot(page, "profile-desktop")


def test_search_on_a_phone(live_server, phone_page, population, screenshot):
    phone_page.goto(live_server.url + "/search?where=LS6+3QS&mode=in_person")
    assert result_names(phone_page)[0] == "Nia Near"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the results page scrolls sideways on a phone"
    screenshot(phone_page, "search-results-phone")
