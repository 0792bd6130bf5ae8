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


def test_home_place_box_suggests_places_like_the_search_form(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    phone_page.locator("#hero-where").press_sequentially("Gatesh", delay=30)
    option = phone_page.locator("#hero-where-suggestions [role=option]").first
    option.wait_for()
    assert "Gateshead" in option.inner_text()
    phone_page.keyboard.press("ArrowDown")
    assert phone_page.get_attribute("#hero-where", "aria-activedescendant") == \
        option.get_attribute("id")
    phone_page.keyboard.press("Enter")  # chooses the suggestion, does not send yet
    assert phone_page.input_value("#hero-where") == "Gateshead"
    phone_page.keyboard.press("Enter")
    phone_page.wait_for_url("**/search?where=Gateshead")
