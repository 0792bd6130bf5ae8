"""The admin home and the verification queue in real Chromium, with and without JavaScript.

Each page is checked with axe-core and photographed at phone and desktop widths.
"""

from datetime import date, timedelta

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

NEXT_YEAR = date.today() + timedelta(days=365)


@pytest.fixture
def queue_world(make_account, make_supporter, session):
    """An admin, a verified supporter with a changed bio waiting, and a brand-new profile."""
    from app.services import profiles

    make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")
    pat = make_account(roles=["supporter"], name="Pat Jumps", email="pat@example.com")
    make_supporter(user=pat, bio="Jumps coach for 12 years at Leeds City AC.",
                   safeguarding_expires_on=date.today() + timedelta(days=9))
    profiles.save_supporter_profile(session, pat, {
        "bio": "Jumps and hurdles coach for 13 years at Leeds City AC.",
        "roles": ["mentor", "co_coach"]})
    nia = make_account(roles=["supporter"], name="Nia New", email="nia@example.com")
    profiles.save_supporter_profile(session, nia, {
        "roles": ["technical_advisor"], "event_groups": ["throws"], "location": "LS1 4DY",
        "bio": "Throws coach.", "club": "Leeds City AC",
        "safeguarding_expires_on": NEXT_YEAR, "licence_expires_on": NEXT_YEAR})
    session.commit()


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_admin_lands_on_the_home_and_works_the_queue(live_server, browser, queue_world, width,
                                                     suffix, check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "ada@example.com")
        assert page.url == live_server.url + "/admin/"
        assert "2 changes" in page.inner_text("[data-testid=tile-verification]")
        assert "Pat Jumps" in page.inner_text("[data-testid=tile-expiring]")
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"admin-home-{suffix}")

        page.click("#verification-heading a")
        item = page.locator("article", has_text="Pat Jumps")
        bio = item.locator("[data-field=bio]")
        assert bio.locator("del").all_inner_texts() == ["12"]
        assert "13" in bio.locator("ins").all_inner_texts()
        assert "Co-coach" in item.inner_text()
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"verification-queue-{suffix}")

        # Rejecting without a reason: the message is beside the field, announced.
        item.get_by_role("button", name="Reject Pat Jumps").click()
        assert page.locator("#message-error").is_visible()
        assert page.get_attribute("#message", "aria-invalid") == "true"
        check_accessibility(page)
        screenshot(page, f"verification-error-{suffix}")

        page.fill("#message", "Please say which club you coach hurdles at.")
        page.locator("article", has_text="Pat Jumps").get_by_role(
            "button", name="Ask for changes from Pat Jumps").click()
        assert "asked for changes" in page.inner_text(".flash")
        assert page.locator("article", has_text="Pat Jumps").count() == 0
        page.locator("article", has_text="Nia New").get_by_role(
            "button", name="Approve Nia New").click()
        assert "Approved" in page.inner_text(".flash")
        assert "Nobody is waiting" in page.inner_text("main")
    finally:
        context.close()


def test_the_queue_works_without_javascript(live_server, no_js_page, queue_world):
    page = no_js_page
    sign_in(page, live_server.url, "ada@example.com")
    page.goto(live_server.url + "/admin/verification")
    page.locator("article", has_text="Nia New").get_by_role("button",
                                                            name="Approve Nia New").click()
    assert "Approved" in page.inner_text(".flash")
    page.goto(live_server.url + "/admin/expiring?within_days=abc")
    assert page.locator("#within_days-error").is_visible()
