"""Tell me when, in real Chromium: saving a search that finds nobody, on a phone and a desktop."""

import re

import pytest

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser

EMPTY = "/search?where=YO1+7HH&radius_km=10&mode=in_person&roles=mentor&filters=1"


@pytest.fixture
def mail_now(app, mailbox):
    """Email goes out right after each request, as in development."""
    app.config["MAIL_SEND_IMMEDIATELY"] = True
    return mailbox


def test_save_from_empty_results_on_a_phone(live_server, phone_page, mail_now,
                                            check_accessibility, screenshot):
    page, base = phone_page, live_server.url
    page.goto(base + EMPTY)
    box = page.locator("[data-testid=tell-me-when]")
    assert "Nobody in person with places free yet" in box.inner_text()
    # Prominent: before the nearest-beyond and online sections, near the top.
    assert box.bounding_box()["y"] < page.locator("[data-testid=results-heading]"
                                                  ).bounding_box()["y"] + 600
    check_accessibility(page)
    screenshot(page, "saved-search-results-phone")

    box.get_by_role("button", name="Tell me when someone new matches").click()
    page.wait_for_url(re.compile(r"/search/alerts/new\?"))
    assert page.locator("[data-testid=saved-summary]").inner_text() == \
        "Mentor · within 10 km of YO1 7HH · in person"
    page.click("form[method=post] button[type=submit]")  # no address yet
    assert page.locator("#email-error").inner_text() == \
        "Enter your email address: the alerts go there."
    check_accessibility(page)
    screenshot(page, "saved-search-new-phone")
    page.fill("#email", "sam@example.net")
    page.click("form[method=post] button[type=submit]")
    page.wait_for_selector("h1:has-text('Check your email')")
    check_accessibility(page)

    (link,) = mail_now.links("sam@example.net")
    page.goto(link)  # opening the link alone starts nothing: its button does
    page.get_by_role("button", name="Start my search alert").click()
    page.wait_for_selector("h1:has-text('Your search alert is on')")
    check_accessibility(page)
    screenshot(page, "saved-search-confirmed-phone")


def test_a_coach_saves_in_one_click_and_manages_alerts(live_server, page, make_account,
                                                       check_accessibility, screenshot):
    make_account(roles=["coach"], email="cara@example.com", name="Cara Coach")
    base = live_server.url
    page.goto(base + "/sign-in")
    page.fill("#email", "cara@example.com")
    page.fill("#password", PASSWORD)
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)

    page.goto(base + EMPTY)
    screenshot(page, "saved-search-results-desktop")
    page.get_by_role("button", name="Tell me when someone new matches").click()
    page.wait_for_url(re.compile(r"/account/alerts$"))
    assert "Search saved" in page.locator(".flashes").inner_text()
    item = page.locator("[data-testid=saved-search]")
    assert item.locator("h2").inner_text() == "Mentor · within 10 km of YO1 7HH · in person"
    check_accessibility(page)
    screenshot(page, "saved-searches-desktop")

    item.get_by_role("button", name="Pause alerts").click()
    page.wait_for_selector("text=Alerts paused for that search")
    assert item.locator(".status-pill").inner_text() == "Paused"
    page.set_viewport_size({"width": 390, "height": 844})
    check_accessibility(page)
    screenshot(page, "saved-searches-phone")
    item.get_by_role("button", name="Delete").click()
    page.wait_for_selector("[data-testid=no-saved-searches]")
