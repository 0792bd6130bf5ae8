"""The impact report: each figure from a small known world, through the API, the CSV and
the pages; the period and programme filters; a coach developer's own caseload; bad input;
and nobody else sees it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    AllocationPlacement,
    AllocationRun,
    AuditEvent,
    GoalProgress,
    PlanReview,
    ReflectiveLogEntry,
    RequestMessage,
    SupportRequest,
    SupportRole,
)
from app.services.plan_access import add_months

HALF_YEAR = "from=2025-01-01&to=2025-06-30"
PILOT = "Advanced Coach pilot"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def world(session, make_account, make_supporter, make_plan, make_engagement, visitor):
    """Requests in every status with known answer times, engagements with outcomes, goals,
    log entries and reviews (on time and late) around the first half of 2025, and two
    published programmes (and one only proposed)."""
    admin = make_account(roles=["admin"], name="Ada Admin")
    dev_user = make_account(roles=["supporter", "coach_developer"], name="Dana Developer")
    dev = make_supporter(user=dev_user, roles=["coach_developer", "mentor"], capacity=10)
    mentor_user = make_account(roles=["supporter"], name="Milo Mentor")
    mentor = make_supporter(user=mentor_user, roles=["mentor"], capacity=10)
    c1, c2, c3, c4, c5 = (make_account(roles=["coach"], name=name,
                                       email=f"{name[:4].lower()}@ex.org")
                          for name in ("Cara Coach", "Cody Coach", "Cleo Coach", "Cole Coach",
                                       "Cyd Coach"))
    role = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))

    def request(coach, profile, created, status, responded=None):
        r = SupportRequest(coach_id=coach.id, supporter_id=profile.id, role_id=role,
                           status=status, created_at=at(created),
                           responded_at=at(responded) if responded else None,
                           expires_at=at(created) + timedelta(days=7))
        session.add(r)
        session.flush()
        return r

    request(c1, dev, "2024-12-31 23:00", "accepted", "2025-01-01 01:00")    # before the period
    request(c1, dev, "2025-01-10 10:00", "accepted", "2025-01-10 14:00")    # 4 h
    request(c2, dev, "2025-01-20 09:00", "declined", "2025-01-21 09:00")    # 24 h
    request(c3, mentor, "2025-01-25 08:00", "withdrawn")                    # never answered
    asked = request(c4, mentor, "2025-02-03 12:00", "expired")              # a question: 10 h
    session.add(RequestMessage(request_id=asked.id, author_id=mentor_user.id, body="When?",
                               created_at=at("2025-02-03 22:00")))
    both = request(c5, dev, "2025-02-10 08:00", "accepted", "2025-02-12 08:00")
    session.add(RequestMessage(request_id=both.id, author_id=dev_user.id, body="Which club?",
                               created_at=at("2025-02-10 10:00")))              # first: 2 h
    waiting = request(c1, mentor, "2025-02-15 08:00", "pending")
    session.add(RequestMessage(request_id=waiting.id, author_id=c1.id, body="Any news?",
                               created_at=at("2025-02-15 09:00")))  # the coach's: no answer
    request(c2, dev, "2025-07-01 00:00", "pending")                          # after the period

    p1 = make_plan(c1, review_dates=[date(2025, 3, 10), date(2025, 6, 10), date(2025, 9, 10)],
                   goals=["Technical model", "Annual plan", "Peaking"])
    p4 = make_plan(c4, review_dates=[date(2025, 4, 1)], goals=["Throws block"])
    p5 = make_plan(c5)

    def engagement(coach, profile, started, ended=None, outcome=None, plan=None):
        return make_engagement(coach, profile, plan=plan, started_on=date.fromisoformat(started),
                               status="closed" if ended else "active",
                               ended_on=date.fromisoformat(ended) if ended else None,
                               outcome=outcome)

    e1 = engagement(c1, dev, "2025-01-10", plan=p1)
    engagement(c5, dev, "2025-02-12", "2025-04-15", "Assessed: passed", plan=p5)
    engagement(c4, mentor, "2024-06-01", "2025-03-01", "  assessed: passed ")  # c4's plan
    engagement(c2, mentor, "2024-01-01", "2025-05-05", "Assessed: Passed")
    engagement(c3, mentor, "2025-03-01", "2025-03-31", "Coach moved to Leeds after injury")
    engagement(c1, mentor, "2025-08-01")                           # after the period
    engagement(c2, dev, "2024-03-01", "2024-12-01", "Goals met")   # before it
    engagement(c3, dev, "2024-11-01", "2025-07-10", "Assessed: passed")  # active at its end

    g1, g2, g3 = p1.goals
    (g4,) = p4.goals
    for goal, status, on in ((g1, "achieved", "2025-03-10"), (g2, "achieved", "2024-12-20"),
                             (g2, "achieved", "2025-02-01"), (g3, "achieved", "2025-03-05"),
                             (g3, "in_progress", "2025-03-06"), (g4, "achieved", "2025-04-01")):
        session.add(GoalProgress(goal_id=goal.id, status=status,
                                 recorded_on=date.fromisoformat(on)))
        goal.status = status
    for plan, on, minutes in ((p1, "2025-01-15", 60), (p1, "2025-01-20", 30),
                              (p1, "2025-03-03", 45), (p1, "2024-12-30", 90),
                              (p4, "2025-04-02", 120), (p5, "2025-02-20", 15)):
        session.add(ReflectiveLogEntry(plan_id=plan.id, author_id=plan.coach_id, minutes=minutes,
                                       occurred_on=date.fromisoformat(on), what_happened="x"))
    held = {date(2025, 3, 10): date(2025, 3, 8), date(2025, 6, 10): date(2025, 6, 20),
            date(2025, 4, 1): date(2025, 4, 1)}
    for review in session.scalars(sa.select(PlanReview)):
        review.held_on = held.get(review.due_on)

    def run(programme, status, placements):
        session.add(AllocationRun(programme=programme, status=status, placements=[
            AllocationPlacement(coach_id=coach.id, supporter_id=profile.id if profile else None,
                                engagement_id=e1.id if coach is c1 else None)
            for coach, profile in placements]))

    run(PILOT, "published", [(c1, dev), (c2, dev), (c3, None)])
    run("Para pathway", "published", [(c4, mentor)])
    run("Club coach scheme", "proposed", [(c5, dev)])
    session.commit()
    return {"admin": visitor(admin), "dev": visitor(dev_user), "mentor": visitor(mentor_user),
            "coach": visitor(c1),
            "names": ["Cara Coach", "Cody Coach", "Cleo Coach", "Cole Coach", "Cyd Coach",
                      "cara@ex.org", "Milo Mentor", "Dana Developer"]}


def report(visitor, url: str) -> dict:
    response = visitor.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]


# --- the figures -------------------------------------------------------------------------


def test_every_figure_of_the_period_for_every_coach(world):
    view = report(world["admin"], f"/api/v1/admin/impact?{HALF_YEAR}")
    t = view["totals"]
    assert (t["requests_sent"], t["requests_accepted"], t["requests_declined"],
            t["requests_withdrawn"], t["requests_expired"], t["requests_pending"]) == \
        (6, 2, 1, 1, 1, 1)
    # Answered: 4 h, 24 h, 10 h (a question), 2 h (a question before accepting): median 7.
    assert (t["requests_answered"], t["median_hours_to_first_answer"]) == (4, 7.0)
    assert (t["engagements_started"], t["engagements_closed"],
            t["engagements_active_at_end"]) == (3, 4, 2)
    assert (t["goals_achieved"], t["log_entries"], t["log_minutes"]) == (3, 5, 270)
    assert (t["reviews_held"], t["reviews_on_time"]) == (3, 2)
    # One wording in three spellings counts together; a rarer one is merged, unshown.
    assert view["outcomes"] == [{"outcome": "Assessed: Passed", "count": 3},
                                {"outcome": "Other outcomes", "count": 1}]
    assert view["period"] == {"from": "2025-01-01", "to": "2025-06-30", "preset": None,
                              "label": "1 Jan 2025 to 30 Jun 2025", "months": 6}
    assert view["programmes"] == ["Advanced Coach pilot", "Para pathway"]


def test_the_same_figures_by_month(world):
    months = report(world["admin"], f"/api/v1/admin/impact?{HALF_YEAR}")["months"]
    assert [m["month"] for m in months] == MONTHS

    def column(name):
        return [m[name] for m in months]

    assert column("requests_sent") == [3, 3, 0, 0, 0, 0]
    assert column("requests_pending") == [0, 1, 0, 0, 0, 0]
    assert column("median_hours_to_first_answer") == [14.0, 6.0, None, None, None, None]
    assert column("engagements_started") == [1, 1, 1, 0, 0, 0]
    assert column("engagements_closed") == [0, 0, 2, 1, 1, 0]
    assert column("engagements_active_at_end") == [4, 5, 4, 3, 2, 2]
    assert column("goals_achieved") == [0, 1, 1, 1, 0, 0]
    assert column("log_minutes") == [90, 15, 45, 120, 0, 0]
    assert column("reviews_held") == [0, 0, 1, 1, 0, 1]
    assert column("reviews_on_time") == [0, 0, 1, 1, 0, 0]
    assert (months[0]["from"], months[-1]["to"]) == ("2025-01-01", "2025-06-30")


def test_the_csv_holds_the_same_figures_by_month_and_in_total(world):
    api = report(world["admin"], f"/api/v1/admin/impact?{HALF_YEAR}")
    for url in (f"/admin/impact.csv?{HALF_YEAR}", f"/api/v1/admin/impact.csv?{HALF_YEAR}"):
        response = world["admin"].get(url)
        rows = csv_rows(response)
        assert "impact-2025-01-01-to-2025-06-30.csv" in response.headers["Content-Disposition"]
        assert [r["month"] for r in rows] == [*MONTHS, "total"]
        for row, figures in zip(rows, [*api["months"], api["totals"]], strict=True):
            assert row == {k: "" if v is None else str(v) for k, v in figures.items()}


def test_a_shorter_period_counts_only_its_days(world):
    t = report(world["admin"], "/api/v1/admin/impact?from=2025-02-01&to=2025-03-31")["totals"]
    assert (t["requests_sent"], t["median_hours_to_first_answer"]) == (3, 6.0)
    assert (t["engagements_started"], t["engagements_closed"],
            t["engagements_active_at_end"]) == (2, 2, 4)
    assert (t["goals_achieved"], t["log_entries"], t["log_minutes"]) == (2, 2, 60)
    assert (t["reviews_held"], t["reviews_on_time"]) == (1, 1)
    # Part of a month counts only its own days: 10 January, not the 20th or the 25th.
    partial = report(world["admin"], "/api/v1/admin/impact?from=2025-01-05&to=2025-01-15")
    assert partial["totals"]["requests_sent"] == 1
    assert partial["months"][0] == {**partial["totals"], "month": "2025-01"}


def test_a_programme_counts_the_coaches_published_allocations_placed_in_it(world):
    view = report(world["admin"], f"/api/v1/admin/impact?{HALF_YEAR}&programme={PILOT}")
    t = view["totals"]
    assert view["programme"] == PILOT
    # Cara and Cody were placed; Cleo was not (nobody fitted), so she is not in it.
    assert (t["requests_sent"], t["requests_accepted"], t["requests_declined"],
            t["requests_pending"], t["median_hours_to_first_answer"]) == (3, 1, 1, 1, 14.0)
    assert (t["engagements_started"], t["engagements_closed"],
            t["engagements_active_at_end"]) == (1, 1, 1)
    assert (t["goals_achieved"], t["log_entries"], t["log_minutes"]) == (2, 3, 135)
    assert (t["reviews_held"], t["reviews_on_time"]) == (2, 1)
    other = report(world["admin"], f"/api/v1/admin/impact?{HALF_YEAR}&programme=Para+pathway")
    assert (other["totals"]["requests_sent"], other["totals"]["goals_achieved"]) == (1, 1)


def test_a_coach_developer_sees_only_their_own_caseload(world):
    view = report(world["dev"], f"/api/v1/caseload/impact?{HALF_YEAR}")
    t = view["totals"]
    assert view["scope"] == "caseload"
    assert (t["requests_sent"], t["requests_accepted"], t["requests_declined"],
            t["requests_answered"], t["median_hours_to_first_answer"]) == (3, 2, 1, 3, 4.0)
    assert (t["engagements_started"], t["engagements_closed"],
            t["engagements_active_at_end"]) == (2, 1, 2)
    # The plans shared through their engagements only: Cara's and Cyd's.
    assert (t["goals_achieved"], t["log_entries"], t["log_minutes"]) == (2, 4, 150)
    assert (t["reviews_held"], t["reviews_on_time"]) == (2, 1)
    assert view["outcomes"] == [{"outcome": "Other outcomes", "count": 1}]
    # Only the programmes that placed coaches with them; the pilot is theirs.
    assert view["programmes"] == [PILOT]
    pilot = report(world["dev"], f"/api/v1/caseload/impact?{HALF_YEAR}&programme={PILOT}")
    assert (pilot["totals"]["requests_sent"], pilot["totals"]["engagements_started"]) == (2, 1)
    rows = csv_rows(world["dev"].get(f"/caseload/impact.csv?{HALF_YEAR}"))
    assert rows[-1]["requests_sent"] == "3" and rows[-1]["log_minutes"] == "150"


def test_the_default_is_the_last_twelve_months_and_presets_name_periods(world, session):
    today = datetime.now(UTC).date()
    role = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))
    mentor = session.scalar(sa.select(SupportRequest.supporter_id).where(
        SupportRequest.status == "withdrawn"))
    coach = session.scalar(sa.select(SupportRequest.coach_id).limit(1))
    session.add_all([SupportRequest(coach_id=coach, supporter_id=mentor, role_id=role,
                                    status="pending", created_at=datetime.now(UTC)),
                     SupportRequest(coach_id=coach, supporter_id=mentor, role_id=role,
                                    status="pending",
                                    created_at=datetime.now(UTC) - timedelta(days=400))])
    session.commit()
    view = report(world["admin"], "/api/v1/admin/impact")
    first = add_months(today.replace(day=1), -11)
    assert (view["period"]["from"], view["period"]["to"]) == (first.isoformat(),
                                                             today.isoformat())
    # Today's request counts, the one of 400 days ago does not (nor, by now, the world's).
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    expected = session.scalar(sa.select(sa.func.count()).select_from(SupportRequest).where(
        SupportRequest.created_at >= since))
    assert view["period"]["months"] == 12 and view["totals"]["requests_sent"] == expected >= 1
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    expected = {
        "this_quarter": (quarter, today),
        "last_quarter": (add_months(quarter, -3), quarter - timedelta(days=1)),
        "this_year": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    for preset, (starts, ends) in expected.items():
        period = report(world["admin"], f"/api/v1/admin/impact?period={preset}")["period"]
        assert (period["from"], period["to"], period["preset"]) == (
            starts.isoformat(), ends.isoformat(), preset)


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("query, field", [
    ("from=2025-06-01&to=2025-01-01", "to"),                    # from after to
    ("from=2025-02-30", "from"),                                # no such day
    ("to=yesterday", "to"),                                     # not a date at all
    ("from=1999-12-31&to=2000-01-31", "from"),                  # before the service
    ("from=2015-01-01&to=2025-01-01", "from"),                  # more than five years
    ("to=2999-01-01", "to"),                                    # past today
    ("period=fortnight", "period"),
    ("period=this_year&from=2025-01-01", "period"),             # both at once
    ("programme=Nonsense+programme", "programme"),
    ("programme=Club+coach+scheme", "programme"),               # proposed, never published
])
def test_bad_input_names_the_field_in_the_api_and_beside_it_on_the_page(world, query, field):
    answer = world["admin"].get(f"/api/v1/admin/impact?{query}")
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert set(body) >= {"code", "status", "message"} and list(body["errors"]) == [field]
    page = world["admin"].get(f"/admin/impact?{query}")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html or (field == "period" and 'id="period"' in html)
    assert "Requests by month" not in html  # no figures for a period that was not asked


def test_a_coach_developer_cannot_choose_a_programme_that_placed_nobody_with_them(world):
    answer = world["dev"].get("/api/v1/caseload/impact?programme=Para+pathway")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["programme"]


# --- who may see it ---------------------------------------------------------------------


ADMIN_PATHS = ["/api/v1/admin/impact", "/api/v1/admin/impact.csv", "/admin/impact",
               "/admin/impact.csv"]
CASELOAD_PATHS = ["/api/v1/caseload/impact", "/api/v1/caseload/impact.csv",
                  "/caseload/impact", "/caseload/impact.csv"]


@pytest.mark.parametrize("who, paths", [
    ("coach", ADMIN_PATHS), ("dev", ADMIN_PATHS), ("mentor", ADMIN_PATHS),
    ("coach", CASELOAD_PATHS), ("mentor", CASELOAD_PATHS), ("admin", CASELOAD_PATHS),
])
def test_anyone_else_gets_404_before_their_query_is_read(world, who, paths):
    for path in paths:
        for query in ("", "?from=nonsense&programme=x"):
            assert world[who].get(path + query).status_code == 404, (who, path, query)


def test_signed_out_visitors_are_asked_to_sign_in(world, visitor):
    assert visitor().get("/api/v1/admin/impact").status_code == 401
    assert visitor().get("/api/v1/caseload/impact").status_code == 401
    assert "/sign-in" in visitor().get("/admin/impact").location
    assert "/sign-in" in visitor().get("/caseload/impact").location


# --- the pages ----------------------------------------------------------------------------


def test_the_page_shows_the_figures_in_tables_and_svg_charts_and_names_nobody(world, session):
    from bs4 import BeautifulSoup

    response = world["admin"].get(f"/admin/impact?{HALF_YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert "1 Jan 2025 to 30 Jun 2025" in page.select_one("[data-testid=scope]").text
    charts = page.select("svg[role=img]")
    assert len(charts) == 4
    for svg in charts:
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find("title", id=title_id).text and svg.find("desc", id=desc_id).text
    outcomes = page.select_one("[data-chart=chart-outcomes] svg")
    assert "6 requests sent in the period: 2 accepted, 1 declined" in outcomes.desc.text
    assert len(outcomes.select("rect.bar")) == 5
    requests = page.select("[data-testid=requests-by-month] tbody tr")
    assert [c.text for c in requests[1].select("td")] == ["3", "1", "0", "0", "1", "1", "6.0"]
    development = page.select_one("[data-testid=development-by-month] tfoot tr")
    assert [c.text for c in development.select("td")] == ["3", "4", "2", "3", "5", "270",
                                                          "3", "2"]
    assert page.select_one("[data-figure=median_hours_to_first_answer] .impact-number"
                           ).text == "7.0 hours"
    csv_link = page.select_one("a[download]")["href"]
    assert csv_link.startswith("/admin/impact.csv?") and "from=2025-01-01" in csv_link
    assert "impact.css" in html and page.select_one("form.no-print")  # menus and form: not printed
    for name in [*world["names"], "Leeds after injury"]:
        assert name not in html
    api = world["admin"].get(f"/api/v1/admin/impact?{HALF_YEAR}").get_data(as_text=True)
    download = world["admin"].get(f"/admin/impact.csv?{HALF_YEAR}").get_data(as_text=True)
    for name in [*world["names"], "Leeds"]:
        assert name not in api and name not in download


def test_csv_downloads_are_audited_without_personal_data(world, session):
    world["admin"].get(f"/admin/impact.csv?{HALF_YEAR}&programme={PILOT}")
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "impact_report.downloaded"))
    assert event.details == {"scope": "admin", "from": "2025-01-01", "to": "2025-06-30",
                             "programme": PILOT}


def test_the_admin_home_and_the_caseload_link_to_their_reports(world):
    assert 'href="/admin/impact"' in world["admin"].get("/admin/").get_data(as_text=True)
    assert 'href="/caseload/impact"' in world["dev"].get("/caseload").get_data(as_text=True)
    assert "/caseload/impact" not in world["mentor"].get("/caseload").get_data(as_text=True)
    page = world["dev"].get("/caseload/impact?period=last_year")
    assert page.status_code == 200 and "Your impact report" in page.get_data(as_text=True)


def test_the_api_describes_both_reports(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/admin/impact", "/api/v1/caseload/impact",
                 "/api/v1/admin/impact.csv", "/api/v1/caseload/impact.csv"):
        parameters = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert parameters >= {"from", "to", "period", "programme"}
        assert {"200", "404", "422"} <= set(paths[path]["get"]["responses"])

