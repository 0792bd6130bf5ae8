"""Cohort allocation at national scale, in real Chromium: 220 coach developers (three of
them called Sam Patel), twelve pilot coaches of whom three are already placed.

The admin proposes, moves a coach by typing a coach developer (a name that three
people share is refused beside the field; adding the place settles it), reads
what publishing will do, and publishes. Desktop with JavaScript, a phone
without it; every page passes axe-core, never scrolls sideways, and is
photographed under test-artifacts/.
"""

import re
from itertools import product

import pytest
import sqlalchemy as sa

from app.models import AllocationPlacement, CoachProfile, Engagement, Qualification

from ..places import BRADFORD, CITY_CENTRE, HEADINGLEY, LONDON, MANCHESTER, YORK
from .conftest import sign_in

pytestmark = pytest.mark.browser
PILOT = "Advanced Coach pilot"
FIRST = ["Alex", "Amira", "Ben", "Chris", "Dana", "Femi", "Grace", "Hamid", "Isla", "Jo",
         "Kate", "Liam", "Maya", "Nia", "Omar"]
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Green", "Hughes", "Jones", "Khan",
        "Lewis", "Moore", "Okafor", "Price", "Smith", "Wright"]
PLACES = [HEADINGLEY, CITY_CENTRE, BRADFORD, YORK, MANCHESTER, LONDON]
GROUPS = ["jumps", "sprints_hurdles_relays", "endurance", "throws"]


@pytest.fixture
def national(make_account, make_supporter, make_plan, make_engagement, session):
    developers = []
    for n, (first, last) in enumerate(product(FIRST, LAST)):  # 225 different names
        user = make_account(roles=["supporter", "coach_developer"], name=f"{first} {last}",
                            email=f"developer{n}@example.com")
        developers.append(make_supporter(
            user=user, roles=["coach_developer"], capacity=1 + n % 4,
            qualification="uk_advanced_coach", event_groups=[GROUPS[n % 4]],
            offers_online=n % 3 == 0, club=f"{last} Harriers", **PLACES[n % len(PLACES)]))
    # Three people share a name; at the coaches' own level, so only a typed choice picks them.
    sams = {}
    for place, club in ((HEADINGLEY, "Leeds City AC"), (CITY_CENTRE, "Kirkstall Harriers"),
                        (YORK, "York Acorn")):
        user = make_account(roles=["supporter", "coach_developer"], name="Sam Patel")
        sams[place["place_label"] + club] = make_supporter(
            user=user, roles=["coach_developer"], capacity=2, club=club,
            qualification="uk_sessional_coach", offers_online=True, **place)
    sessional = session.scalar(sa.select(Qualification).where(
        Qualification.key == "uk_sessional_coach"))
    coaches = []
    for n, name in enumerate(["Amy Ash", "Bo Birch", "Cal Cedar", "Di Dogwood", "Ed Elm",
                              "Fay Fir", "Gil Gorse", "Hal Hazel", "Ivy Iris", "Jon Juniper",
                              "Kit Kale", "Lou Larch"]):
        coach = make_account(roles=["coach"], name=name)
        session.add(CoachProfile(user_id=coach.id, qualification=sessional,
                                 **(HEADINGLEY if n % 2 else BRADFORD)))
        session.commit()
        plan = make_plan(coach, programme=PILOT, needs={"training_planning": 5})
        if n >= 9:  # placed earlier: counted apart, not allocated again
            make_engagement(coach, developers[n], role="coach_developer", plan=plan)
        coaches.append(coach)
    make_account(roles=["admin", "coach"], name="Ada Admin", email="ada@example.com")
    return {"developers": developers, "sams": sams, "coaches": coaches}


def looks_right(page, width, check_accessibility, screenshot, name, twin=None):
    """One h1, axe-clean, no sideways scrolling; then photographed.

    axe needs JavaScript (its timers never fire in a page without it): for a page
    seen without JavaScript, ``twin`` (the same size, with it) is given the very
    same HTML on the same origin, and axe runs there.
    """
    assert page.locator("h1").count() == 1
    if twin is None:
        check_accessibility(page)
    else:
        twin.goto(page.url.split("/admin", 1)[0] + "/")
        twin.set_content(page.content(), wait_until="load")
        check_accessibility(twin)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px)"
    screenshot(page, name)


def counted(page):
    """Return the cohort's counts as the page shows them: paired, cohort, placed, unpaired."""
    text = page.inner_text("[data-testid=counts]")
    paired, cohort = map(int, re.search(r"(\d+)\s+of\s+(\d+)\s+coaches paired", text).groups())
    placed = re.search(r"(\d+)\s+already placed", text)
    unpaired = re.search(r"(\d+)\s+not paired", text)
    return paired, cohort, int(placed.group(1)) if placed else 0, \
        int(unpaired.group(1)) if unpaired else 0


def allocate_and_publish(page, base, width, suffix, national, session, check_accessibility,
                         screenshot, twin=None):
    def look(name):
        looks_right(page, width, check_accessibility, screenshot,
                    f"allocation-national-{name}-{suffix}", twin)

    sign_in(page, base, "ada@example.com")
    page.goto(base + "/admin/allocations")
    assert f"{PILOT}: 12 coaches, 9 waiting for a coach developer, 3 already placed" in \
        page.inner_text("[data-testid=cohorts]")
    page.click("summary:has-text('Choose who is in the pool')")
    sams = page.locator(".pool-choices label:has-text('Sam Patel')").all_inner_texts()
    assert len(sams) == 3 and len(set(sams)) == 3  # namesakes told apart by place and club
    assert "(228 of 228 in)" in page.inner_text("main summary")
    look("pool")

    page.click("button:has-text('Propose an allocation')")
    page.wait_for_url(re.compile(r"/admin/allocations/\d+$"))
    paired, cohort, placed, unpaired = counted(page)
    assert (cohort, placed) == (12, 3) and paired + unpaired + placed == cohort
    assert page.locator("[data-testid=pairs] tbody tr").count() == paired
    assert page.locator("[data-testid=already-placed] li").count() == 3
    look("proposal")
    run_id = int(page.url.rsplit("/", 1)[1])

    # Move the first coach to "Sam Patel": three people answer to that name.
    row = page.locator("[data-testid=pairs] tbody tr").first
    coach = row.get_attribute("data-coach")
    field = row.locator("input[type=text]")
    field.fill("Sam Patel")
    page.click("button:has-text('Re-run')")
    error = page.locator(f"#{field.get_attribute('id')}-error")
    assert error.inner_text().startswith(
        "3 coach developers match “Sam Patel”: add the place or number")
    assert field.get_attribute("aria-invalid") == "true"
    look("choice-error")

    page.fill(f"#{field.get_attribute('id')}", "Sam Patel York")
    page.click("button:has-text('Re-run')")
    page.wait_for_url(re.compile(rf"/admin/allocations/{run_id}$"))
    moved = page.locator(f"[data-testid=pairs] tr[data-coach='{coach}']")
    assert "Sam Patel" in moved.inner_text() and "York (YO1)" in moved.inner_text()
    assert "Locked" in moved.inner_text()
    york = national["sams"]["YorkYork Acorn"].id
    placement = session.scalar(sa.select(AllocationPlacement).where(
        AllocationPlacement.run_id == run_id, AllocationPlacement.supporter_id == york))
    assert placement is not None and placement.locked
    paired, cohort, placed, unpaired = counted(page)
    assert paired + unpaired + placed == cohort == 12

    page.click("text=Review and publish")
    page.wait_for_url(re.compile(rf"/admin/allocations/{run_id}/publish$"))
    sentence = page.inner_text("[data-testid=what-happens]")
    developers = page.locator("[data-testid=publication] tbody tr").count()
    assert sentence.startswith(f"This creates {paired} pairings and emails {paired} coaches "
                               f"and {developers} coach developers")
    look("publish")
    before = session.scalar(sa.select(sa.func.count()).select_from(Engagement))
    page.click("button:has-text('Publish and send')")
    page.wait_for_url(re.compile(rf"/admin/allocations/{run_id}$"))
    assert "Published" in page.inner_text("main")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Engagement)) == \
        before + paired
    look("published")


def test_allocating_a_cohort_from_a_national_pool_on_a_desktop(
        live_server, page, national, session, check_accessibility, screenshot):
    allocate_and_publish(page, live_server.url, 1280, "desktop", national, session,
                         check_accessibility, screenshot)


def test_allocating_a_cohort_on_a_phone_without_javascript(
        live_server, browser, national, session, check_accessibility, screenshot):
    phone = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    without_js = browser.new_context(java_script_enabled=False, **phone)
    with_js = browser.new_context(**phone)
    try:
        allocate_and_publish(without_js.new_page(), live_server.url, 390, "phone", national,
                             session, check_accessibility, screenshot, with_js.new_page())
    finally:
        without_js.close()
        with_js.close()
