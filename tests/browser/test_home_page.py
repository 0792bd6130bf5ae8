"""The home page in a real browser."""

import pytest

pytestmark = pytest.mark.browser


def test_home_page_shows_counts_and_passes_axe(live_server, page, make_supporter,
                                              check_accessibility, screenshot):
    make_supporter(roles=["mentor"])
    make_supporter(roles=["coach_developer", "mentor"])
    page.goto(live_server.url + "/")
    assert page.title() == "Find My Coaching Support"
    assert page.locator("[data-role=mentor] .role-count-number").inner_text() == "2"
    assert page.locator("[data-role=coach_developer] .role-count-number").inner_text() == "1"
    assert page.locator("[data-role=co_coach] .role-count-name").inner_text() == "Co-coaches"
    check_accessibility(page)
    screenshot(page, "home-desktop")


def test_home_page_on_a_phone_fits_the_screen(live_server, phone_page, screenshot):
    phone_page.goto(live_server.url + "/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot(phone_page, "home-phone")


def test_skip_link_is_first_for_keyboard_users(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
