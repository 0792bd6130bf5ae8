"""Reply times on cards, and reports of no answer, in real Chromium with axe."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from .conftest import sign_in
from .test_widget import ClubSite, script_embed

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC)


@pytest.fixture
def world(session, make_account, make_supporter):
    """Sol answers in a day, two and three, and let two expire (both reported); Quinn once."""
    from app.models import SupportRequest, SupportRole
    from app.services import unanswered_reports

    make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")
    cora = make_account(roles=["coach"], name="Cora Coach", email="cora@example.com")
    otto = make_account(roles=["coach"], name="Otto Other", email="otto@example.com")
    sol = make_supporter(user=make_account(roles=["supporter"], name="Sol Silent"),
                         last_active_at=NOW - timedelta(days=2))
    quinn = make_supporter(user=make_account(roles=["supporter"], name="Quinn Quiet"))
    mentor = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))

    def sent(profile, coach, *, answered_after=None, days_ago=12):
        created = NOW - timedelta(days=days_ago)
        row = SupportRequest(
            coach_id=coach.id, supporter_id=profile.id, role_id=mentor, message="",
            status="declined" if answered_after else "expired", created_at=created,
            expires_at=created + timedelta(days=7), closed_at=created + timedelta(days=7),
            responded_at=created + timedelta(hours=answered_after) if answered_after else None)
        session.add(row)
        session.flush()
        return row

    for hours in (5, 26, 49):
        sent(sol, otto, answered_after=hours)
    unanswered_reports.report(session, otto, sent(sol, otto).id, "Three emails, no reply.")
    unreported = sent(sol, cora)
    unanswered_reports.report(session, otto, sent(quinn, otto).id)
    session.commit()
    return {"sol": sol, "unreported": unreported}


@pytest.mark.parametrize("width, suffix", [(1280, "desktop"), (390, "phone")])
def test_admin_reports_page_and_a_card_with_the_reply_line(
        live_server, browser, world, width, suffix, check_accessibility, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "ada@example.com")
        tile = page.locator("[data-testid=tile-unanswered-reports]")
        assert "2 open reports about 2 supporters" in tile.inner_text()
        tile.get_by_role("link", name="Reports of no answer").click()
        first = page.locator("[data-testid=reported-supporter]").first
        assert "Sol Silent: 1 report" in first.inner_text()
        assert "3 answered, 2 let expire" in first.inner_text()
        assert "Three emails, no reply." in first.inner_text()
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"admin-unanswered-reports-{suffix}")

        page.locator("[data-testid=reported-supporter]", has_text="Quinn Quiet").get_by_role(
            "button", name="Dismiss").click()
        assert "Report dismissed" in page.inner_text(".flash")
        assert page.locator("[data-testid=reported-supporter]").count() == 1

        page.goto(live_server.url + "/search?where=LS6+3QS")
        card = page.locator(f"article[data-supporter-id='{world['sol'].id}']")
        assert card.locator("[data-testid=responsiveness]").inner_text() == \
            "Usually replies within 3 days · Active this month"
        check_accessibility(page, context="article.card")
        screenshot(page, f"search-card-reply-line-{suffix}")
    finally:
        context.close()


def test_a_coach_reports_no_answer_and_the_widget_card_says_how_quickly_others_reply(
        live_server, phone_page, world, make_widget_key, check_accessibility, screenshot):
    page = phone_page
    sign_in(page, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}/requests/{world['unreported'].id}")
    section = page.locator("[data-testid=unanswered-report]")
    section.get_by_label("Anything the programme team should know").fill("No reply in 7 days.")
    check_accessibility(page)
    screenshot(page, "request-report-form-phone")
    section.get_by_role("button", name="Report that Sol Silent never answered").click()
    assert "You told the programme team" in page.inner_text("[data-testid=unanswered-report]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "request-reported-phone")

    site = ClubSite()
    try:
        key = make_widget_key(allowed_origins=[site.origin], presets={"where": "LS6 3QS"})
        page.goto(site.page("/coaching", script_embed(live_server.url, key.key)))
        line = page.locator("[data-coaching-support] [data-results] [data-responsiveness]")
        assert line.first.inner_text() == "Usually replies within 3 days · Active this month"
        check_accessibility(page, context="[data-coaching-support]")
        screenshot(page, "widget-card-reply-line-phone")
    finally:
        site.close()
