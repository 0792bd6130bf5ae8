"""From sign-up to an accepted request, in real Chromium: the whole path a coach takes.

The verification email is read from a real SMTP server (aiosmtpd) the app
sends to; each new page is checked with axe-core and photographed at phone
and desktop widths.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import ProfileChange

from ..conftest import PASSWORD
from .conftest import sign_in

pytestmark = pytest.mark.browser

COACH_PASSWORD = "granite kettle orbit"


@pytest.fixture
def mail_now(app, mailbox):
    """Email goes out right after each request, as in development."""
    app.config["MAIL_SEND_IMMEDIATELY"] = True
    return mailbox


@pytest.fixture
def helper(make_account, make_supporter):
    user = make_account(roles=["supporter"], name="Hana Helper", email="hana@example.com",
                        phone="07700 900456")
    return make_supporter(user=user, roles=["mentor"], latitude=53.7960, longitude=-1.5470,
                          postcode="LS1 4DY", outward_code="LS1", place_label="Leeds",
                          capacity=2)


def test_sign_up_verify_search_request_accept(live_server, browser, page, mail_now, helper,
                                              check_accessibility, screenshot):
    base = live_server.url

    # A coach signs up ...
    page.goto(base + "/sign-up")
    check_accessibility(page)
    screenshot(page, "sign-up-desktop")
    page.fill("#display_name", "Cai Coach")
    page.fill("#email", "cai@example.com")
    page.fill("#password", COACH_PASSWORD)
    page.fill("#password_again", COACH_PASSWORD)
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-up/check-email$"))
    check_accessibility(page)
    screenshot(page, "check-email-desktop")

    # ... confirms the address from the email the SMTP server received ...
    (link,) = mail_now.links("cai@example.com")
    assert link.startswith(base + "/verify-email?token=")
    page.goto(link)
    page.wait_for_url(re.compile(r"/sign-in"))
    assert "your email address is confirmed" in page.locator(".flashes").inner_text()
    assert page.input_value("#email") == "cai@example.com"
    check_accessibility(page)
    screenshot(page, "sign-in-desktop")
    page.fill("#password", COACH_PASSWORD)
    page.click("form.form-panel button[type=submit]")
    # A new coach, without a plan yet, lands on search ...
    page.wait_for_url(re.compile(r"/search$"))

    # ... searches, opens a profile and asks for support.
    page.fill("#where", "LS6 3QS")
    page.click("form.search-form button[type=submit]")
    page.wait_for_url(re.compile(r"where=LS6"))
    page.click("text=Hana Helper")
    page.wait_for_url(re.compile(r"/supporters/\d+$"))
    page.click("text=Request support")
    page.wait_for_url(re.compile(r"/supporters/\d+/request$"))
    check_accessibility(page)
    screenshot(page, "request-form-desktop")
    page.fill("#message", "I coach sprinters in Leeds and want help planning the season.")
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    request_url = page.url
    assert "Waiting for an answer" in page.inner_text("main")
    assert "hana@example.com" not in page.content()
    check_accessibility(page)
    screenshot(page, "request-pending-coach-desktop")

    # The supporter, on a phone, gets the email, signs in and accepts.
    (mail,) = [m for m in mail_now.to("hana@example.com") if "Cai Coach" in m["Subject"]]
    assert request_url in mail_now.body(mail)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    supporter_page = phone.new_page()
    try:
        sign_in(supporter_page, base, "hana@example.com", PASSWORD)
        check_accessibility(supporter_page)
        screenshot(supporter_page, "inbox-phone")
        supporter_page.click("[data-testid=received] a")
        supporter_page.wait_for_url(re.compile(r"/requests/\d+$"))
        assert "cai@example.com" not in supporter_page.content()
        check_accessibility(supporter_page)
        screenshot(supporter_page, "request-to-answer-phone")
        width = supporter_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the request page scrolls sideways on a phone"
        supporter_page.click("button:has-text('Accept')")
        supporter_page.wait_for_selector("[data-testid=contact]")
        assert "cai@example.com" in supporter_page.inner_text("[data-testid=contact]")
        screenshot(supporter_page, "request-accepted-phone")
    finally:
        phone.close()

    # The coach now sees the supporter's contact details.
    page.goto(request_url)
    contact = page.inner_text("[data-testid=contact]")
    assert "hana@example.com" in contact and "07700 900456" in contact
    check_accessibility(page)
    screenshot(page, "request-accepted-coach-desktop")
    assert any("accepted" in m["Subject"] for m in mail_now.to("cai@example.com"))


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_account_and_profile_pages_pass_axe_at_both_widths(live_server, browser, make_account,
                                                           make_supporter, session, width, suffix,
                                                           check_accessibility, screenshot):
    person = make_account(roles=["coach", "supporter", "admin"], name="Robin Both",
                          email="robin@example.com")
    make_supporter(user=person, paused=True,
                   paused_reason="Paused automatically: 3 requests in a row expired.",
                   safeguarding_expires_on=date.today() + timedelta(days=20))
    waiting = make_supporter(verified_at=None)
    session.add(ProfileChange(profile_id=waiting.id, new=True, proposed={}, message="",
                              submitted_at=datetime.now(UTC)))
    session.commit()
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "robin@example.com", PASSWORD)
        for path, name in [("/account", "account"), ("/profile/supporter", "supporter-profile"),
                           ("/profile/coach", "coach-profile"),
                           ("/profile/availability", "availability"),
                           ("/admin/verification", "verification-queue"),
                           ("/account/delete", "delete-account"),
                           ("/password/forgot", "forgot-password")]:
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1, path
            check_accessibility(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} scrolls sideways at {width}px"
            screenshot(page, f"{name}-{suffix}")
        # A form error is shown beside its field, and announced.
        page.goto(live_server.url + "/profile/supporter")
        page.fill("#location", "ZZ99 9ZZ")
        page.click("form.form-panel button[type=submit]")
        assert page.locator("#location-error").is_visible()
        assert page.get_attribute("#location", "aria-invalid") == "true"
        check_accessibility(page)
        screenshot(page, f"supporter-profile-error-{suffix}")
    finally:
        context.close()


def test_coach_sees_a_waiting_request_and_the_supporter_sees_where_the_coach_is(
        live_server, browser, page, make_account, make_supporter, make_plan, session,
        check_accessibility, screenshot):
    from sqlalchemy import select

    from app.models import CoachProfile, Qualification

    base = live_server.url
    coach = make_account(roles=["coach"], name="Bea Coach", email="bea@example.com")
    session.add(CoachProfile(user_id=coach.id, latitude=53.7950, longitude=-1.7520,
                             postcode="BD1 1HY", outward_code="BD1", place_label="Bradford",
                             qualification=session.scalar(select(Qualification).where(
                                 Qualification.key == "uk_sessional_coach"))))
    session.commit()
    make_plan(coach, needs={"technical_model": 5})
    helper = make_supporter(user=make_account(roles=["supporter"], name="Ivy Helper",
                                              email="ivy@example.com"),
                            roles=["mentor", "co_coach"])
    profile_url = f"{base}/supporters/{helper.id}"

    # The coach sends the form without choosing the kind of support: told beside it.
    sign_in(page, base, "bea@example.com", PASSWORD)
    page.goto(profile_url + "/request")
    page.click("form.form-panel button[type=submit]")
    page.wait_for_selector("#role-error")
    assert "Choose the support you would like." in page.inner_text("fieldset#role")
    check_accessibility(page)
    screenshot(page, "request-form-error-desktop")
    page.check("input[name=role][value=mentor]")
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+$"))

    # Back on the profile, the request's state, not another offer to send one.
    page.goto(profile_url)
    state = page.inner_text("[data-testid=request-state]")
    assert "Your request is waiting for Ivy Helper's answer (sent today)." in state
    assert page.locator("text=Request support").count() == 0
    check_accessibility(page)
    screenshot(page, "profile-request-waiting-desktop")

    # The supporter, on a phone, sees where the coach is and what they need.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    supporter_page = phone.new_page()
    try:
        sign_in(supporter_page, base, "ivy@example.com", PASSWORD)
        supporter_page.goto(base + "/requests")
        assert "near BD1" in supporter_page.inner_text("[data-testid=received]")
        supporter_page.click("[data-testid=received] a")
        supporter_page.wait_for_url(re.compile(r"/requests/\d+$"))
        area = supporter_page.inner_text("[data-testid=coach-area]")
        assert re.search(r"Near BD1 \(Bradford\), about \d+ km from you", area)
        assert "Technical model" in supporter_page.inner_text("[data-testid=plan-needs]")
        assert "Sessional Coach" in supporter_page.inner_text("main")
        assert "BD1 1HY" not in supporter_page.content()
        check_accessibility(supporter_page)
        screenshot(supporter_page, "request-coach-context-phone")
        width = supporter_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the request page scrolls sideways on a phone"
        supporter_page.goto(profile_url)
        assert "your own profile" in supporter_page.inner_text("[data-testid=request-state]")
        check_accessibility(supporter_page)
        screenshot(supporter_page, "profile-own-phone")
    finally:
        phone.close()
