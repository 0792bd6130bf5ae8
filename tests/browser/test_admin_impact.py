"""The impact report in real Chromium: reached from the admin home, its SVG charts drawn,
checked with axe-core at desktop and phone widths, a bad date shown beside its field, and
printed without the menus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def impact_world(session, make_account, make_supporter, make_plan, make_engagement):
    """A year of requests, engagements and reflective practice, counted by month."""
    from app.models import PlanReview, ReflectiveLogEntry, SupportRequest, SupportRole

    make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")
    mentor = make_supporter(capacity=50)
    role = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))
    now = datetime.now(UTC)
    statuses = ["accepted", "accepted", "declined", "expired", "withdrawn", "accepted"]
    sent = 0
    for i in range(8):
        coach = make_account(roles=["coach"])
        started = (now - timedelta(days=40 * i + 5))
        for k in range(i % 3 + 1):
            sent += 1
            status = statuses[(i + k) % len(statuses)]
            session.add(SupportRequest(
                coach_id=coach.id, supporter_id=mentor.id, role_id=role, status=status,
                created_at=started - timedelta(days=k),
                responded_at=started - timedelta(days=k) + timedelta(hours=3 + 5 * k)
                if status in {"accepted", "declined"} else None))
        plan = make_plan(coach, review_dates=[started.date() + timedelta(days=20)])
        make_engagement(coach, mentor, plan=plan, started_on=started.date(),
                        **({"status": "closed", "ended_on": started.date() + timedelta(days=30),
                            "outcome": "Assessed: passed"} if i % 2 else {}))
        for d in range(0, 60, 15):
            session.add(ReflectiveLogEntry(plan_id=plan.id, author_id=coach.id, minutes=45 + d,
                                           occurred_on=started.date() + timedelta(days=d),
                                           what_happened="Session"))
    for review in session.scalars(sa.select(PlanReview)):
        review.held_on = min(review.due_on + timedelta(days=2), now.date())
    session.commit()
    return {"sent": sent}


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_the_admin_reads_the_report_with_its_charts(live_server, browser, impact_world, width,
                                                    suffix, check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/sign-in")
        page.fill("#email", "ada@example.com")
        page.fill("#password", PASSWORD)
        page.click("form.form-panel button[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        page.get_by_role("link", name="Impact report").click()
        page.wait_for_url("**/admin/impact")

        charts = page.locator("svg.chart[role=img]")
        assert charts.count() == 4
        for i in range(4):
            box = charts.nth(i).bounding_box()
            assert box["width"] > 250 and box["height"] > 100
        assert page.locator("[data-chart=chart-requests] rect.bar").count() >= 12
        # Named for screen readers by their title and description.
        assert page.get_by_role("img", name="Requests by outcome").is_visible()
        assert page.locator("[data-figure=requests_sent] .impact-number").inner_text() == str(
            impact_world["sent"])
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"impact-report-{suffix}")

        # On paper: no menus, filters or buttons; the figures and charts stay.
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert not page.locator("form.impact-filters").is_visible()
        assert page.locator("svg.chart").first.is_visible()
        screenshot(page, f"impact-report-print-{suffix}")
        page.emulate_media(media="screen")

        # A start after the end: told beside the field, announced, nothing shown.
        page.fill("#from", "2025-06-01")
        page.fill("#to", "2025-01-01")
        page.get_by_role("button", name="Show").click()
        assert page.locator("#to-error").is_visible()
        assert page.get_attribute("#to", "aria-invalid") == "true"
        assert page.locator("svg.chart").count() == 0
        check_accessibility(page)
    finally:
        context.close()
