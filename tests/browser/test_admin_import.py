"""The licence-list import and the CSV exports in real Chromium, with and without JavaScript.

Each page is checked with axe-core and photographed at phone and desktop widths.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

NEXT_YEAR = (date.today() + timedelta(days=365)).strftime("%d/%m/%Y")
HEADER = ["Membership number", "Name", "Email", "Support roles", "Event groups",
          "Qualification", "Licence expiry", "Safeguarding expiry", "Safeguarding scheme",
          "Postcode", "Capacity"]
GOOD = [["UKA100", "Sue Supporter", "sue@example.com", "mentor; coach developer", "jumps",
         "uk_coach", NEXT_YEAR, NEXT_YEAR, "DBS", "LS6 3QS", "2"],
        ["UKA200", "Cai Coach", "cai@example.com", "", "endurance", "Sessional Coach",
         NEXT_YEAR, "", "", "M1 1AD", ""]]
BAD = [["UKA300", "=HYPERLINK(\"http://evil.example\")", "bad-address", "wizard", "", "",
        "31/02/2027", "", "", "ZZ99 9ZZ", "lots"]]


def licence_list(rows) -> dict:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return {"name": "licences.csv", "mimeType": "text/csv",
            "buffer": ("\ufeff" + out.getvalue()).encode()}


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_an_admin_dry_runs_fixes_and_applies_a_licence_list(
        live_server, browser, admin, width, suffix, check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "ada@example.com")
        page.goto(live_server.url + "/admin/import")
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"admin-import-{suffix}")

        # A list with a row in error: the dry run says which field and why, and offers
        # the rows in error to download; nothing can be applied.
        page.set_input_files("#file", licence_list(GOOD + BAD))
        page.click("text=Check the file (dry run)")
        page.wait_for_url(re.compile(r"/admin/import/[\w-]+$"))
        row = page.locator("tr[data-row='4']")
        assert "Error" in row.inner_text()
        for field in ("Name", "Email", "Support roles", "Licence expiry", "Postcode or ZIP",
                      "Capacity"):
            assert row.locator("strong", has_text=field).count() == 1, field
        assert page.locator("text=Apply this import").count() == 0
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"admin-import-errors-{suffix}")
        with page.expect_download() as download:
            page.click("text=Download the rows in error (CSV)")
        failed = download.value.path().read_text(encoding="utf-8-sig")
        assert "UKA300" in failed and "UKA100" not in failed

        # The corrected list: every row new, then applied in one go.
        page.goto(live_server.url + "/admin/import")
        page.set_input_files("#file", licence_list(GOOD))
        page.click("text=Check the file (dry run)")
        page.wait_for_url(re.compile(r"/admin/import/[\w-]+$"))
        assert page.locator("tr[data-outcome='create']").count() == 2
        check_accessibility(page)
        screenshot(page, f"admin-import-dry-run-{suffix}")
        page.click("text=Apply this import")
        page.wait_for_url(re.compile(r"/admin/import/[\w-]+$"))
        assert "Applied: 2 created" in page.inner_text(".flashes")
        check_accessibility(page)
        screenshot(page, f"admin-import-applied-{suffix}")

        page.goto(live_server.url + "/admin/exports")
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"admin-exports-{suffix}")
        with page.expect_download() as download:
            page.click("text=Supporters (CSV)")
        assert download.value.suggested_filename == f"supporters-{date.today().isoformat()}.csv"
        assert "Sue Supporter" in download.value.path().read_text(encoding="utf-8-sig")
    finally:
        context.close()


def test_the_import_works_without_javascript(live_server, no_js_page, admin, session):
    from sqlalchemy import select

    from app.models import User

    page = no_js_page
    sign_in(page, live_server.url, "ada@example.com")
    page.goto(live_server.url + "/admin/import")
    page.set_input_files("#file", licence_list(GOOD))
    page.click("text=Check the file (dry run)")
    page.wait_for_url(re.compile(r"/admin/import/[\w-]+$"))
    assert "Nothing has been written yet" in page.inner_text("main")
    page.click("text=Apply this import")
    page.wait_for_url(re.compile(r"/admin/import/[\w-]+$"))
    assert "Applied" in page.inner_text("main")
    session.expire_all()
    assert set(session.scalars(select(User.membership_number).where(
        User.membership_number.is_not(None)))) == {"UKA100", "UKA200"}
