"""The menu in real Chromium: folded on a phone, a row on a desktop, with and without scripts."""

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser


def header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def test_a_coach_finds_their_record_from_the_menu_on_a_phone_and_a_desktop(
        live_server, phone_page, page, make_account, check_accessibility, screenshot):
    make_account(roles=["coach"], email="cara@example.com")
    base = live_server.url

    # A phone: one row of header, the links folded behind "Menu", opened by keyboard.
    sign_in(phone_page, base, "cara@example.com")
    phone_page.goto(base + "/search")
    assert header_height(phone_page) <= 64, "the phone's header is more than one row"
    requests = phone_page.get_by_role("link", name="Requests")
    assert not requests.is_visible()
    phone_page.keyboard.press("Tab")  # the skip link
    phone_page.keyboard.press("Tab")  # the service's name
    phone_page.keyboard.press("Tab")
    assert phone_page.evaluate("document.activeElement.textContent") == "Menu"
    phone_page.keyboard.press("Enter")
    assert requests.is_visible()
    assert phone_page.get_by_role("link", name="Find support").get_attribute(
        "aria-current") == "page"
    record = phone_page.get_by_role("link", name="Your record for relicensing")
    assert not record.is_visible()
    phone_page.get_by_text("Your account").click()
    assert record.is_visible()
    check_accessibility(phone_page)
    screenshot(phone_page, "menu-open-phone")
    record.click()
    phone_page.wait_for_url(base + "/record")

    # A desktop: the links are a row at once, with no "Menu" to open.
    sign_in(page, base, "cara@example.com")
    page.goto(base + "/search")
    assert header_height(page) <= 64, "the desktop's header is more than one row"
    assert page.get_by_role("link", name="Requests").is_visible()
    assert not page.get_by_text("Menu", exact=True).is_visible()
    assert page.locator("nav").get_by_role("link", name="API").count() == 0
    assert page.locator("footer").get_by_role("link", name="API for developers").is_visible()
    page.get_by_text("Your account").click()
    page.get_by_role("link", name="Your record for relicensing").click()
    page.wait_for_url(base + "/record")
    check_accessibility(page)
    screenshot(page, "menu-desktop-record")


def test_without_javascript_the_menu_opens_and_use_my_location_stays_hidden(
        live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/search")
        assert page.locator("#use-location").count() == 1
        assert not page.locator("#use-location").is_visible()
        sign_in_link = page.get_by_role("link", name="Sign in")
        assert not sign_in_link.is_visible()
        page.get_by_text("Menu", exact=True).click()
        sign_in_link.click()
        page.wait_for_url(live_server.url + "/sign-in")
    finally:
        context.close()
