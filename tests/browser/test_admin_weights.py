"""The ranking weights page in real Chromium: preview side by side (stacked on a phone),
axe-clean, photographed at both widths, and the whole flow without JavaScript."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.models import CoachProfile, DailySearchCount, EventGroup, WeightSampleSearch
from app.services import search_log

from ..places import BRADFORD, HEADINGLEY
from .conftest import sign_in

pytestmark = pytest.mark.browser
ADMIN = "ada@example.com"
ORIGIN = (53.8263, -1.5907)
NAMES = ["Ava A.", "Ben B.", "Cat C.", "Dev D.", "Eli E.", "Fay F.", "Gus G.", "Hal H.",
         "Ivy I.", "Jo J.", "Kit K.", "Lou L."]
PILOT = "Advanced Coach pilot"


@pytest.fixture
def world(make_account, make_supporter, make_plan, session):
    """Twelve mentors north of Headingley, a kept sample, popular searches and a cohort."""
    admin = make_account(roles=["admin"], name="Ada Admin", email=ADMIN)
    for k, name in enumerate(NAMES):
        make_supporter(user=make_account(roles=["supporter"], name=name), travel_km=50,
                       search_latitude=ORIGIN[0] + 0.018 * k, search_longitude=ORIGIN[1],
                       expertise=("training_planning",) if k % 2 == 0 else ("strength_power",))
    session.add(WeightSampleSearch(name="Headingley mentors", created_by_id=admin.id, params={
        "where": "LS6 3QS", "roles": ["mentor"], "needs": ["training_planning"],
        "mode": "in_person"}))
    for params, searches in (({"where": "LS6", "radius_km": 25, "mode": "either",
                               "roles": ["mentor"]}, 14),
                             ({"where": "BD1", "radius_km": 40, "mode": "in_person"}, 5)):
        text = search_log.canonical(params)
        session.add(DailySearchCount(day=date.today(), key=text[:64], params=text,
                                     searches=searches))
    for name, place, groups in (("Dee Developer", HEADINGLEY, ("sprints_hurdles_relays",)),
                                ("Eve Expert", BRADFORD, ("jumps",))):
        user = make_account(roles=["supporter", "coach_developer"], name=name)
        make_supporter(user=user, roles=["coach_developer"], capacity=2, travel_km=50,
                       qualification="uk_advanced_coach", event_groups=groups, **place)
    jumps = session.scalar(sa.select(EventGroup).where(EventGroup.key == "jumps"))
    for name in ("Amy Ash", "Bo Birch", "Cal Cedar"):
        user = make_account(roles=["coach"], name=name)
        profile = CoachProfile(user_id=user.id, **HEADINGLEY)
        profile.event_groups = [jumps]
        session.add(profile)
        session.commit()
        make_plan(user, programme=PILOT, needs={"training_planning": 5})
    session.commit()


def preview(page, base):
    page.goto(base + "/admin/weights")
    page.fill("#needs", "0")
    page.fill("#event_group", "4")
    page.select_option("#programme", PILOT)
    page.fill("#note", "Nearness before needs")
    page.click("text=Preview the changes")
    page.wait_for_url(re.compile(r"/admin/weights/preview"))


def boxes(page):
    sides = page.locator(".sample.is-changed .side-by-side").first.locator(".side")
    return sides.nth(0).bounding_box(), sides.nth(1).bounding_box()


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_an_admin_previews_side_by_side_and_saves(live_server, browser, world, width, suffix,
                                                  check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, ADMIN)
    page.goto(base + "/admin/weights")
    assert "How much being near counts" in page.inner_text("#propose")
    assert "Headingley mentors" in page.inner_text("[data-testid=saved-samples]")
    assert "14 times" in page.inner_text("[data-testid=popular-searches]")
    check_accessibility(page)
    screenshot(page, f"admin-weights-{suffix}")

    preview(page, base)
    verdict = page.inner_text("[data-testid=verdict]")
    assert re.search(r"\d+ of 3 sample searches would change their top 10", verdict), verdict
    sample = page.locator(".sample.is-changed", has_text="Headingley mentors")
    moves = re.sub(r"\s+", " ", sample.locator(".moves").first.inner_text())
    assert "Ben B. 7 → 2 ▲5" in moves and "Jo J. enters at 10" in moves
    assert "Kit K. leaves the top 10 (was 6)" in moves
    assert page.locator("#needs").input_value() == "0"  # the form keeps what was proposed
    assert page.locator(".weight.is-changed").count() == 2
    assert "Coaches placed" in page.inner_text("[data-testid=cohort]")
    now, after = boxes(page)
    if suffix == "desktop":  # side by side
        assert abs(now["y"] - after["y"]) < 1 and after["x"] >= now["x"] + now["width"]
    else:  # stacked
        assert after["y"] >= now["y"] + now["height"] and abs(now["x"] - after["x"]) < 1
    check_accessibility(page)
    screenshot(page, f"admin-weights-preview-{suffix}")

    page.click("text=Save these weights as version 1")
    page.wait_for_url(re.compile(r"/admin/weights$"))
    assert "Saved as version 1" in page.inner_text(".flashes")
    history = page.inner_text("[data-testid=versions]")
    assert "Nearness before needs" in history
    assert "How much covering the coach's needs counts: 3 → 0" in re.sub(r"\s+", " ", history)
    check_accessibility(page)
    screenshot(page, f"admin-weights-saved-{suffix}")
    context.close()


def test_the_whole_flow_works_without_javascript(live_server, no_js_page, world):
    page, base = no_js_page, live_server.url
    sign_in(page, base, ADMIN)
    preview(page, base)
    assert "Preview: what your changes would do" in page.inner_text("#preview")
    page.click("text=Save these weights as version 1")
    page.wait_for_url(re.compile(r"/admin/weights$"))
    assert "version 1" in page.inner_text("[data-testid=in-force]")

    page.fill("#sample-name", "Bradford, in person")
    page.fill("#sample-address", base + "/search?where=BD1+1HY&mode=in_person&filters=1")
    page.click("text=Keep this search")
    page.wait_for_url(re.compile(r"/admin/weights"))
    assert "Bradford, in person" in page.inner_text("[data-testid=saved-samples]")

    page.fill("#needs", "3")
    page.fill("#event_group", "2")
    page.click("text=Save as version 2")
    page.wait_for_url(re.compile(r"/admin/weights$"))
    page.click("text=Restore version 1")
    page.wait_for_url(re.compile(r"/admin/weights"))
    assert "version 3" in page.inner_text("[data-testid=in-force]")
    assert "Restored version 1" in page.inner_text("[data-testid=versions]")
