"""Searching in a real browser: with and without JavaScript, by keyboard, on a phone."""

import re

import pytest
from playwright.sync_api import expect

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


def heading(page) -> str:
    return " ".join(page.locator("[data-testid=results-heading]").inner_text().split())


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
    settle_map(page)  # Leaflet animates its zoom to fit the radius
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
    # They join in a section of their own, counted apart: never among those near.
    assert heading(page) == "1 within 10 km of LS6 3QS · 1 online"
    assert result_names(page) == ["Nia Near"]
    assert result_names(page, "online") == ["Olu Online"]


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
    assert heading(page) == "0 within 10 km of LS6 3QS"
    explanation = page.locator("[data-testid=explanation]").inner_text()
    assert "10 km" in explanation
    # The nearest in person beyond the radius, then those who would meet online.
    assert result_names(page, "beyond-radius") == ["Yan York"]
    assert result_names(page, "online") == ["Olu Online"]
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
    assert page.locator("text=Sign in to send a request").count() == 1
    check_accessibility(page)
    screenshot(page, "profile-desktop")


def test_the_search_in_welsh_at_both_widths(live_server, page, phone_page, population,
                                            check_accessibility, screenshot):
    for browser, name in ((page, "desktop"), (phone_page, "phone")):
        browser.goto(live_server.url + "/search?where=LS6+3QS&mode=in_person")
        # The language link sits beside the menu on a desktop, in it on a phone.
        if name == "phone":
            browser.locator("summary.menu-button").first.click()
        browser.get_by_role("link", name="Cymraeg").first.click()
        browser.wait_for_url(re.compile(r"/search\?where=LS6"))
        assert browser.locator("html").get_attribute("lang") == "cy"
        assert browser.locator("h1").inner_text() == "Dod o hyd i gymorth hyfforddi"
        assert result_names(browser)[0] == "Nia Near"
        first = browser.locator("[data-testid=results] article").first
        assert "4 km i ffwrdd" in first.locator(".reasons").inner_text()
        check_accessibility(browser)
        screenshot(browser, f"search-welsh-{name}")


def test_search_on_a_phone(live_server, phone_page, population, screenshot):
    phone_page.goto(live_server.url + "/search?where=LS6+3QS&mode=in_person")
    assert result_names(phone_page)[0] == "Nia Near"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the results page scrolls sideways on a phone"
    screenshot(phone_page, "search-results-phone")


# --- Sections: in person first, online apart, and a map of the in-person ones ----------

def at(postcode, outward_code, place_label, latitude, longitude, **fields):
    return dict(postcode=postcode, outward_code=outward_code, place_label=place_label,
                latitude=latitude, longitude=longitude, **fields)


# Near LS6 3QS (within 25 km of it, and of their own travel distance).
LOCAL = {
    "Nia Near": at("LS1 4DY", "LS1", "Leeds", 53.7951, -1.5467),
    "Tom Technical": at("LS1 4DY", "LS1", "Leeds", 53.7951, -1.5467),
    "Lee Local": at("LS6 1AN", "LS6", "Leeds", 53.8078, -1.5607, offers_online=True),
    "Una University": at("LS2 9JT", "LS2", "Leeds", 53.8080, -1.5533),
    "Faye Further": at("BD1 1HY", "BD1", "Bradford", 53.7923, -1.7533),
}
# Far away, but they meet online.
ONLINE = {
    "Olu Online": at("M1 1AD", "M1", "Manchester", 53.4838, -2.2449, offers_online=True),
    "Mo Moss": at("M14 5AA", "M14", "Manchester", 53.4514, -2.2254, offers_online=True),
    "Lena London": at("SW1A 1AA", "SW1A", "London", 51.5010, -0.1416, offers_online=True),
}
ABROAD = {"Uma US": dict(latitude=34.0901, longitude=-118.4065, postcode="90210",
                         outward_code="902xx", place_label="Beverly Hills", country="US",
                         offers_online=True)}
# Neither near nor online: in no list and not on the map.
ELSEWHERE = {"Yan York": YORK}


@pytest.fixture
def spread(make_user, make_supporter):
    for name, where in {**LOCAL, **ONLINE, **ABROAD, **ELSEWHERE}.items():
        make_supporter(user=make_user(roles=["supporter"], name=name), **where)


def in_document_order(page, *selectors) -> bool:
    for selector in selectors:
        assert page.locator(selector).count() == 1, f"{selector} is not on the page once"
    return page.evaluate("""(selectors) => {
      const els = selectors.map((s) => document.querySelector(s));
      return els.every((el, i) => i === 0 ||
        Boolean(els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
    }""", list(selectors))


def settle_map(page):
    """Wait until Leaflet has finished fitting the map: nothing on it moves for 10 frames."""
    settled = page.evaluate("""async () => {
      const map = document.querySelector('#map');
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      const where = () => JSON.stringify([...map.querySelectorAll(
          '.leaflet-overlay-pane path, .leaflet-marker-icon')].map((el) => {
        const b = el.getBoundingClientRect();
        return [b.x, b.y, b.width, b.height].map(Math.round);
      }));
      let last = null, still = 0;
      for (let i = 0; i < 600 && still < 10; i++) {
        await frame();
        const now = where();
        still = now === last && !map.querySelector('.leaflet-zoom-anim') ? still + 1 : 0;
        last = now;
      }
      return still >= 10;
    }""")
    assert settled, "the map never stopped moving"


def map_shapes(page) -> tuple[dict, dict, dict]:
    """Return the bounding boxes of the map, its radius circle and the searched place's dot."""
    # The circle is drawn in the overlay pane, the searched place's dot above the pins.
    paths = page.locator("#map .leaflet-overlay-pane path, #map .leaflet-origin-pane path")
    boxes = sorted((paths.nth(i).bounding_box() for i in range(paths.count())),
                   key=lambda b: b["width"] * b["height"])
    assert len(boxes) == 2, f"expected the radius circle and the place's dot, got {boxes}"
    dot, circle = boxes
    return page.locator("#map").bounding_box(), circle, dot


def marker_names(page) -> dict[str, list[str]]:
    """Return ``{marker title: names in its popup}``, opening each marker's popup."""
    markers = page.locator("#map .leaflet-marker-icon")
    popup = page.locator("#map .leaflet-popup")
    found = {}
    for i in range(markers.count()):
        title = markers.nth(i).get_attribute("title")
        # Markers of nearby sectors overlap: a click at a point could hit another one.
        markers.nth(i).dispatch_event("click")
        expect(popup.locator("strong")).to_contain_text(f"Near {title.split(':')[0]}")
        found[title] = popup.locator(".leaflet-popup-content a").all_inner_texts()
        popup.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)
    return found


@pytest.mark.parametrize("viewer, width", [("page", 1280), ("phone_page", 390)],
                         ids=["desktop", "phone"])
def test_in_person_and_online_have_sections_and_the_map_shows_in_person_only(
        request, live_server, spread, viewer, width, check_accessibility, screenshot):
    page = request.getfixturevalue(viewer)
    page.goto(live_server.url + "/search")
    assert page.is_checked("input[name=mode][value=either]"), "not 'in person or online'"
    page.fill("#where", "LS6 3QS")
    page.press("#where", "Escape")  # close suggestions
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"where=LS6"))

    # Counted apart; those near first, those online in a section of their own.
    assert heading(page) == "5 within 25 km of LS6 3QS · 3 online"
    in_person, online = result_names(page), result_names(page, "online")
    assert sorted(in_person) == sorted(LOCAL), "the in-person list is not the local supporters"
    assert sorted(online) == sorted(ONLINE), "the online section is not the online supporters"
    assert page.locator("#in-person-heading").inner_text() == "In person, within 25 km"
    assert page.locator("#online-heading").inner_text() == (
        "Online: 3 supporters in your country, best fit first")
    assert in_document_order(page, "[data-testid=results]", "[data-testid=online]")
    for card in page.locator("[data-testid=results] article").all():
        assert re.search(r"· \d+ km$", card.locator(".card-where").inner_text()), (
            "an in-person card without its distance")
    # Neither the supporter abroad nor the one far away and not online is anywhere.
    assert "Uma US" not in page.content()
    assert "Yan York" not in page.content()

    # The map: the search radius, fitted, and one marker per sector with someone in person.
    settle_map(page)
    box, circle, dot = map_shapes(page)
    for side in ("x", "y"):
        size = "width" if side == "x" else "height"
        assert box[side] - 1 <= circle[side], f"the radius circle spills out of the map ({side})"
        assert circle[side] + circle[size] <= box[side] + box[size] + 1, (
            f"the radius circle spills out of the map ({side})")
        centre = circle[side] + circle[size] / 2
        assert abs(centre - (dot[side] + dot[size] / 2)) <= 2, "the circle is not around the place"
    assert circle["width"] > box["width"] / 2 or circle["height"] > box["height"] / 2, (
        f"the map is not fitted to the radius: circle {circle}, map {box}")
    sectors = {where["postcode"][:-2] for where in LOCAL.values()}
    markers = page.locator("#map .leaflet-marker-icon")
    expect(markers).to_have_count(len(sectors))
    for i in range(markers.count()):
        m = markers.nth(i).bounding_box()
        assert box["x"] <= m["x"] + m["width"] / 2 <= box["x"] + box["width"], "marker off the map"
        assert box["y"] <= m["y"] + m["height"] <= box["y"] + box["height"], "marker off the map"
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "sideways scrolling"
    screenshot(page, f"search-sections-{'desktop' if width > 500 else 'phone'}")

    shown = marker_names(page)
    for title, names in shown.items():
        assert title.split(": ", 1)[1].split(", ") == names, f"{title!r} but its popup: {names}"
    on_map = [name for names in shown.values() for name in names]
    assert sorted(on_map) == sorted(LOCAL), f"the map shows {on_map}"

    # Other countries, when asked for: online, never on the map.
    page.check("input[name=other_countries]")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"other_countries=true"))
    assert heading(page) == "5 within 25 km of LS6 3QS · 4 online"
    assert sorted(result_names(page)) == sorted(LOCAL)
    assert sorted(result_names(page, "online")) == sorted({**ONLINE, **ABROAD})
    assert page.locator("#online-heading").inner_text() == (
        "Online: 4 supporters, best fit first")
    expect(markers).to_have_count(len(sectors))
    assert not any("Uma US" in (markers.nth(i).get_attribute("title") or "")
                   for i in range(markers.count()))


WICK = at("KW1 4AA", "KW1", "Wick", 58.4454, -3.0942)


def test_a_thin_search_explains_offers_the_nearest_then_online_and_widens(
        live_server, page, make_user, make_supporter, check_accessibility, screenshot):
    def named(name, **fields):
        return make_supporter(user=make_user(roles=["supporter"], name=name), **fields)

    named("Wes Wick", travel_km=300, **WICK)
    named("Sal Short", travel_km=10, **WICK)  # 28 km from Thurso: too far for her
    named("Olu Online", offers_online=True, **MANCHESTER)
    named("Nia Near", **CITY_CENTRE)
    page.goto(live_server.url + "/search?where=Thurso&mode=in_person")

    assert heading(page) == "0 within 25 km of Thurso, Scotland"
    assert page.locator("[data-testid=results]").count() == 0
    assert "25 km" in page.locator("[data-testid=explanation]").inner_text()
    beyond = page.locator("[data-testid=beyond-radius] article")
    assert sorted(result_names(page, "beyond-radius")) == ["Sal Short", "Wes Wick"]
    for card in beyond.all():
        assert card.locator(".distance").inner_text() == "28 km"
    short = beyond.filter(has_text="Sal Short")
    assert "travels up to 10 km" in short.locator(".reasons").inner_text()
    assert "travels up to" not in beyond.filter(has_text="Wes Wick").inner_text()
    assert page.locator("#beyond-heading").inner_text() == "Nearest beyond 25 km"
    assert result_names(page, "online") == ["Olu Online"]
    assert page.locator("#online-heading").inner_text() == "Online, if you would meet online"
    assert in_document_order(page, "[data-testid=explanation]", "[data-testid=beyond-radius]",
                             "[data-testid=online]")
    # The map has the nearest in person (one sector), not the online supporter.
    marker = page.locator("#map .leaflet-marker-icon")
    expect(marker).to_have_count(1)
    assert marker.get_attribute("title") in ("KW1: Wes Wick, Sal Short",
                                             "KW1: Sal Short, Wes Wick")
    check_accessibility(page)
    screenshot(page, "search-thin-desktop")

    widen = page.locator("[data-testid=widen]")
    assert widen.inner_text() == "Widen the search to 30 km"
    widen.click()
    page.wait_for_url(re.compile(r"radius_km=30"))
    assert heading(page) == "1 within 30 km of Thurso, Scotland"
    assert result_names(page) == ["Wes Wick"]
    assert page.input_value("#radius_km") == "30"
    assert page.is_checked("input[name=mode][value=in_person]"), "widening lost the mode"


def test_use_my_location_names_the_area_and_keeps_the_point_coarse(
        live_server, phone_page, population, check_accessibility, screenshot):
    phone_page.context.grant_permissions(["geolocation"], origin=live_server.url)
    phone_page.context.set_geolocation({"latitude": 53.81764, "longitude": -1.58223})
    phone_page.goto(live_server.url + "/search")
    phone_page.click("#use-location")
    phone_page.wait_for_url(re.compile(r"lat="))
    # The link carries the point to two decimals (about a kilometre), and no place text.
    assert "lat=53.82&lon=-1.58&" in phone_page.url and "where=&" in phone_page.url
    assert phone_page.input_value("#where") == "LS6"
    assert heading(phone_page).startswith("3 within 25 km of your location (near LS6)")
    assert phone_page.title().startswith("Supporters near LS6 · ")
    assert "near near" not in phone_page.locator("body").inner_text()
    assert result_names(phone_page)[0] == "Nia Near"
    # Changing the search keeps searching from there; typing a place replaces it.
    phone_page.select_option("#radius_km", "10")
    phone_page.locator(".search-form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"radius_km=10"))
    assert heading(phone_page).startswith("2 within 10 km of your location (near LS6)")
    phone_page.fill("#where", "Bradford")
    phone_page.locator(".search-form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"where=Bradford"))
    assert "lat=&lon=&" in phone_page.url
    check_accessibility(phone_page)
    screenshot(phone_page, "search-from-my-location-phone")
