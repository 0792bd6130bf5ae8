"""The caseload dashboard in real Chromium: a coach developer with two coaches, one overdue.

Sorting and filtering are plain GET forms (no JavaScript needed); the page, the
plan and the log it opens pass axe-core, and are photographed at phone and
desktop widths.
"""

import re
from datetime import date, timedelta

import pytest

from app.models import CoachProfile, ReflectiveLogEntry

from ..conftest import PASSWORD
from .conftest import sign_in

pytestmark = pytest.mark.browser
TODAY = date.today()


@pytest.fixture
def caseload(make_account, make_supporter, make_plan, make_engagement, session):
    developer = make_account(roles=["supporter", "coach_developer"], name="Dana Developer",
                             email="dana@example.com")
    profile = make_supporter(user=developer, roles=["coach_developer"], capacity=2)
    plans = {}
    for name, started, last_entry, review in (
            ("Ann Able", 60, 30, 40),      # no entry for 30 days: overdue
            ("Ben Busy", 30, 2, 10)):      # wrote two days ago
        coach = make_account(roles=["coach"], name=name)
        plan = make_plan(coach, title=f"{name.split()[0]}'s pilot plan",
                         starts_on=TODAY - timedelta(days=started),
                         ends_on=TODAY + timedelta(days=300), needs={"training_planning": 5},
                         goals=[{"title": "Periodise the season", "status": "in_progress"},
                                {"title": "Coach the hurdles start", "status": "achieved"}],
                         review_dates=[TODAY + timedelta(days=review)])
        session.add(ReflectiveLogEntry(
            plan_id=plan.id, author_id=coach.id, occurred_on=TODAY - timedelta(days=last_entry),
            what_happened="Hurdles session with the U15 group.", minutes=60,
            reflection="Too many athletes per flight.", goals=[plan.goals[0]]))
        session.add(CoachProfile(user_id=coach.id))
        session.commit()
        make_engagement(coach, profile, role="coach_developer", plan=plan,
                        started_on=TODAY - timedelta(days=started))
        plans[name] = plan
    return plans


def coaches(page):
    return page.locator("[data-testid=caseload] tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.coach, r.dataset.overdue])")


def test_the_dashboard_sorts_filters_and_shows_what_is_overdue(
        live_server, page, browser, caseload, check_accessibility, screenshot):
    base = live_server.url
    sign_in(page, base, "dana@example.com")
    page.click("nav >> text=Caseload")
    page.wait_for_url(re.compile(r"/caseload$"))
    assert page.inner_text("[data-testid=capacity]").strip() == "2 of 2 places taken"
    assert coaches(page) == [["Ann Able", "yes"], ["Ben Busy", "no"]]  # overdue first
    ann = page.locator("tr[data-coach='Ann Able']")
    assert f"Log overdue since {(TODAY - timedelta(days=9)):%-d %b %Y}" in ann.inner_text()
    assert "On track" in page.locator("tr[data-coach='Ben Busy']").inner_text()
    check_accessibility(page)
    screenshot(page, "caseload-desktop")

    page.select_option("#sort", "next_review")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"sort=next_review"))
    assert coaches(page) == [["Ben Busy", "no"], ["Ann Able", "yes"]]
    assert page.input_value("#sort") == "next_review"

    page.check("input[name=overdue_only]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"overdue_only=true"))
    assert coaches(page) == [["Ann Able", "yes"]]
    assert "1 with something overdue" in page.inner_text("[data-testid=summary]")
    check_accessibility(page)

    # From the dashboard to the coach's plan and log.
    page.click("tr[data-coach='Ann Able'] >> text=Plan")
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert "Ann's pilot plan" in page.inner_text("h1")
    check_accessibility(page)
    screenshot(page, "plan-supporter-desktop")
    page.click("text=The reflective log")
    page.wait_for_url(re.compile(r"/log$"))
    check_accessibility(page)
    screenshot(page, "log-supporter-desktop")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    small = phone.new_page()
    try:
        sign_in(small, base, "dana@example.com")
        for path, name in (("/caseload", "caseload-phone"),
                           (f"/plans/{caseload['Ann Able'].id}", "plan-supporter-phone")):
            small.goto(base + path)
            check_accessibility(small)
            width = small.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone"
            screenshot(small, name)
        small.goto(base + "/caseload")
        assert "Log overdue since" in small.locator("tr[data-coach='Ann Able']").inner_text()
    finally:
        phone.close()


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_plan_log_record_and_allocation_pages_pass_axe(
        live_server, browser, caseload, make_account, make_supporter, make_plan, session, width,
        suffix, check_accessibility, screenshot):
    """The coach's pages and the admin's allocation pages, checked and photographed."""
    plan = caseload["Ann Able"]
    plan.programme = "Advanced Coach pilot"
    session.commit()
    coach = plan.coach
    # Two pilot coaches with no location (so online only) for one online place: the
    # proposal has a pair, and someone unplaced with the reason.
    for name in ("Gus Nowhere", "Hal Nowhere"):
        make_plan(make_account(roles=["coach"], name=name), programme=plan.programme)
    make_supporter(user=make_account(roles=["supporter", "coach_developer"], name="Vic Vacant"),
                   roles=["coach_developer"], qualification="uk_advanced_coach",
                   offers_online=True, capacity=1)
    make_account(roles=["admin", "coach"], name="Ada Admin", email="admin2@example.com")
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    base = live_server.url
    try:
        for email, paths in (
                (coach.email, [(f"/plans/{plan.id}", "plan-coach"),
                               (f"/plans/{plan.id}/propose", "plan-propose"),
                               (f"/plans/{plan.id}/log/new", "log-entry-form"),
                               ("/record", "relicensing-record")]),
                ("admin2@example.com", [("/admin/allocations", "allocations")])):
            page.context.clear_cookies()
            page.goto(base + "/sign-in")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("form.form-panel button[type=submit]")
            page.wait_for_url(lambda url: "/sign-in" not in url)
            for path, name in paths:
                page.goto(base + path)
                assert page.locator("h1").count() == 1, path
                check_accessibility(page)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{path} scrolls sideways at {width}px"
                screenshot(page, f"{name}-{suffix}")
        page.click("button:has-text('Propose an allocation')")
        page.wait_for_url(re.compile(r"/admin/allocations/\d+$"))
        assert "Vic Vacant" in page.inner_text("[data-testid=pairs]")
        assert "places all went to other coaches" in page.inner_text("[data-testid=unplaced]")
        assert "Ann Able: already works with Dana Developer" in page.inner_text("main")
        check_accessibility(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the allocation proposal scrolls sideways at {width}px"
        screenshot(page, f"allocation-proposal-{suffix}")
    finally:
        context.close()
