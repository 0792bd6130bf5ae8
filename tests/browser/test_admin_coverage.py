"""The coverage page in real Chromium: the map draws its circles, axe-clean, photographed at
desktop and phone widths."""

from __future__ import annotations

import pytest

from ..places import BRADFORD, HEADINGLEY
from .conftest import sign_in

pytestmark = pytest.mark.browser
ADMIN = "ada@example.com"
# Where searches start, and how many: Thurso and Manhattan find nobody, Leeds does.
SEARCHES = {"KW14": 9, "IV2": 6, "LS6": 7, "BD1": 5, "LS1": 6, "10001": 8, "M1": 2}


@pytest.fixture
def world(make_account, make_supporter, make_engagement, client):
    make_account(roles=["admin"], name="Ada Admin", email=ADMIN)
    make_supporter(**HEADINGLEY, capacity=3)
    full = make_supporter(user=make_account(roles=["supporter"], name="Bea Bradford"),
                          **BRADFORD, capacity=1)
    make_engagement(make_account(), full)
    radius = 10
    for where, times in SEARCHES.items():
        for _ in range(times):
            radius += 1
            response = client.get("/api/v1/search", query_string={"where": where,
                                                                   "radius_km": radius})
            assert response.status_code == 200


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_coverage_map_draws_and_is_accessible(world, live_server, page, phone_page,
                                                  check_accessibility, screenshot, width):
    tab = page if width == "desktop" else phone_page
    sign_in(tab, live_server.url, ADMIN)
    tab.goto(live_server.url + "/admin/coverage")
    map_box = tab.locator("#coverage-map")
    # Every area with a centre is a circle; the map is shown once drawn.
    tab.wait_for_selector("#coverage-map[data-circles]")
    assert map_box.get_attribute("data-circles") == str(len(SEARCHES))
    assert map_box.is_visible() and "leaflet-container" in map_box.get_attribute("class")
    # Both countries searched: the map shows the busier and offers the other.
    assert tab.locator("button[data-fit=GB]").get_attribute("aria-pressed") == "true"
    screenshot(tab, f"admin-coverage-{width}")
    tab.click("button[data-fit=US]")
    assert tab.locator("button[data-fit=US]").get_attribute("aria-pressed") == "true"
    rows = tab.locator("[data-testid=coverage-table] tbody tr")
    assert rows.first.get_attribute("data-area") == "GB-KW14"
    assert "fewer than 5" in tab.locator("[data-testid=coverage-table]").inner_text()
    assert "Bea Bradford" in tab.locator("[data-testid=whom-to-ask]").inner_text()
    # Nothing wider than the screen but the table, which scrolls in its own box.
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= tab.viewport_size["width"]
    check_accessibility(tab)
