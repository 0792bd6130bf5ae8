"""The taxonomy editor in real Chromium: plain forms that work without JavaScript, pass
axe-core, fit a phone, and change what the search page offers at once."""

import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = "ada@example.com"


@pytest.fixture
def admin(make_account, make_supporter):
    make_supporter(roles=["mentor"], event_groups=["jumps"], expertise=["talent_pathway"])
    return make_account(roles=["admin"], name="Ada Admin", email=ADMIN)


def need_labels(page, base) -> list[str]:
    page.goto(base + "/search?where=LS6+3QS")
    return page.locator("input[name=needs]").evaluate_all(
        "boxes => boxes.map(b => b.closest('label').textContent.trim())")


def test_rename_move_and_retire_without_javascript(live_server, no_js_page, admin):
    page, base = no_js_page, live_server.url
    sign_in(page, base, ADMIN)
    page.goto(base + "/admin/taxonomy")
    assert page.locator("#need-talent_pathway").is_visible()

    # Rename from the item's own page.
    page.click("#need-talent_pathway >> text=Edit")
    page.wait_for_url(re.compile(r"/admin/taxonomy/needs/talent_pathway$"))
    page.fill("#name", "Talent pathway and selection")
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/taxonomy#need-talent_pathway$"))
    assert "Talent pathway and selection is saved" in page.inner_text(".flashes")
    assert "Talent pathway and selection" in need_labels(page, base)

    # Move it up with a button, then to the top by its position; retire it: the search
    # form drops it.
    page.goto(base + "/admin/taxonomy")
    assert "6" == page.locator("#need-talent_pathway").get_attribute("data-position")
    page.click("#need-talent_pathway button:has-text('Up')")
    page.click("#need-talent_pathway button:has-text('Up')")
    assert "4" == page.locator("#need-talent_pathway").get_attribute("data-position")
    page.goto(base + "/admin/taxonomy/needs/talent_pathway")
    page.fill("#position", "1")
    page.click("button:has-text('Move')")
    page.wait_for_url(re.compile(r"/admin/taxonomy#need-talent_pathway$"))
    assert "1" == page.locator("#need-talent_pathway").get_attribute("data-position")
    assert need_labels(page, base)[0] == "Talent pathway and selection"
    page.goto(base + "/admin/taxonomy/needs/talent_pathway")
    page.click("text=Retire Talent pathway and selection")
    page.wait_for_url(re.compile(r"/admin/taxonomy#need-talent_pathway$"))
    row = page.inner_text("#need-talent_pathway")
    assert "Retired" in row
    assert "Talent pathway and selection" not in need_labels(page, base)

    # A bad name is shown beside its field (axe checks this page with JavaScript, below).
    page.goto(base + "/admin/taxonomy/needs/talent_pathway")
    page.fill("#name", "")
    page.click("form.form-panel button[type=submit]")
    assert page.inner_text("#name-error") == "Give a name of 1 to 120 characters."


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_taxonomy_pages_pass_axe_and_fit_the_screen(live_server, browser, admin, width, suffix,
                                                    check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    base = live_server.url
    try:
        sign_in(page, base, ADMIN)
        page.goto(base + "/admin/taxonomy/event-groups/race_walking")
        page.click("text=Retire Race walking")
        for path, name in (("/admin/taxonomy", "taxonomy"),
                           ("/admin/taxonomy/roles/mentor", "taxonomy-role"),
                           ("/admin/taxonomy/event-groups/race_walking", "taxonomy-retired"),
                           ("/admin/taxonomy/qualifications?framework=us", "taxonomy-new-rung")):
            page.goto(base + path)
            check_accessibility(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} scrolls sideways at {width}px"
            screenshot(page, f"{name}-{suffix}")
        assert page.input_value("#framework") == "us"
        page.fill("#name", "")
        page.click("form.form-panel button[type=submit]")
        assert "Give a name of 1 to 120 characters." in page.inner_text("#name-error")
        check_accessibility(page)
        screenshot(page, f"taxonomy-error-{suffix}")
    finally:
        context.close()
