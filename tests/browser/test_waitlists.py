"""A coach joins a full supporter's waitlist on a phone; the supporter sees the line in order."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.models import WaitlistPlace

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_joining_on_a_phone_and_the_supporters_view_of_the_line(
        live_server, browser, phone_page, page, make_account, make_supporter, make_engagement,
        session, check_accessibility, screenshot):
    base = live_server.url
    sam = make_account(roles=["supporter"], name="Sam Support", email="sam@example.com")
    profile = make_supporter(user=sam, roles=["mentor", "technical_advisor"], capacity=1)
    make_engagement(make_account(roles=["coach"], name="Eve Engaged"), profile)
    ben = make_account(roles=["coach"], name="Ben Coach", email="ben@example.com",
                       phone="07700 900222")
    session.add(WaitlistPlace(coach_id=ben.id, supporter_id=profile.id,
                              role_id=profile.roles[0].id, status="waiting",
                              note="I coach a group of twelve young jumpers on Tuesdays.",
                              joined_at=datetime.now(UTC) - timedelta(days=9)))
    session.commit()
    make_account(roles=["coach"], name="Ann Coach", email="ann@example.com")

    # Ann, on her phone, finds Sam full and joins the line.
    sign_in(phone_page, base, "ann@example.com")
    phone_page.goto(f"{base}/supporters/{profile.id}")
    phone_page.click("text=Join the waitlist")
    phone_page.wait_for_url(re.compile(r"/supporters/\d+/waitlist$"))
    check_accessibility(phone_page)
    screenshot(phone_page, "waitlist-join-phone")
    phone_page.check("input[name=role][value=technical_advisor]")
    phone_page.fill("#note", "Looking for help with the hurdles model.")
    phone_page.click("form.form-panel button[type=submit]")
    phone_page.wait_for_url(re.compile(r"/requests#waitlist-places$"))
    assert "number 2 in line" in phone_page.inner_text(".flashes")
    assert "Number 2 in line" in phone_page.inner_text("[data-testid=waitlist-places]")

    # Sam, on a phone, sees the line oldest first: names, roles, notes and waits only.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    sam_page = phone.new_page()
    try:
        sign_in(sam_page, base, "sam@example.com")
        sam_page.goto(base + "/requests")
        line = sam_page.inner_text("[data-testid=waitlist]")
        assert line.index("Ben Coach") < line.index("Ann Coach")
        assert "waiting 9 days" in line and "hurdles model" in line
        assert "technical advisor" in line
        assert "ben@example.com" not in sam_page.content()
        assert "07700 900222" not in sam_page.content()
        check_accessibility(sam_page)
        width = sam_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the requests page scrolls sideways on a phone"
        screenshot(sam_page, "waitlist-supporter-phone")
    finally:
        phone.close()
    sign_in(page, base, "sam@example.com")
    page.goto(base + "/requests")
    check_accessibility(page)
    screenshot(page, "waitlist-supporter-desktop")
