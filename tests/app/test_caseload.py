"""The caseload: overdue logs and reviews by a controllable clock, the dashboard, reviews,
closing an engagement, and the reminder command."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import DevelopmentPlan, Engagement, OutboxMessage, PlanReview, ReflectiveLogEntry
from app.services.caseload import caseload, log_status

TODAY = date.today()
DAY = date(2027, 3, 1)  # a fixed "today" for the clock-driven tests


def entry(session, plan, on, minutes=30):
    session.add(ReflectiveLogEntry(plan_id=plan.id, author_id=plan.coach_id, occurred_on=on,
                                   what_happened="Session", minutes=minutes))
    session.commit()


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- overdue, by the clock -------------------------------------------------------------


@pytest.mark.parametrize("starts, last, today, overdue_since", [
    (date(2027, 1, 1), None, date(2027, 1, 21), None),                  # 20 days: not yet
    (date(2027, 1, 1), None, date(2027, 1, 22), date(2027, 1, 22)),     # 3 weeks to the day
    (date(2027, 1, 1), date(2027, 2, 1), date(2027, 2, 21), None),      # counted from the entry
    (date(2027, 1, 1), date(2027, 2, 1), date(2027, 2, 22), date(2027, 2, 22)),
    (date(2027, 3, 1), date(2027, 1, 1), date(2027, 3, 10), None),      # a later start counts
    (date(2027, 5, 1), None, date(2027, 3, 10), None),                  # not started yet
    (None, None, date(2027, 3, 10), None),                              # nothing to count from
])
def test_a_log_is_overdue_three_weeks_after_the_later_of_start_and_last_entry(
        starts, last, today, overdue_since):
    assert log_status(starts, last, today, weeks=3).overdue_since == overdue_since


@pytest.fixture
def caseload_of_two(make_account, make_supporter, make_plan, make_engagement, session):
    """A coach developer (capacity 2) with two coaches; plans started 1 February 2027."""
    developer = make_account(roles=["supporter", "coach_developer"], name="Dana Developer",
                             email="dana@example.com")
    profile = make_supporter(user=developer, roles=["coach_developer", "mentor"], capacity=2)
    coaches, plans = [], []
    for name, email in (("Ann Able", "ann@example.com"), ("Ben Busy", "ben@example.com")):
        coach = make_account(roles=["coach"], name=name, email=email)
        plan = make_plan(coach, starts_on=date(2027, 2, 1), ends_on=date(2027, 12, 1),
                         goals=["Periodise the season", "Coach the hurdles"],
                         review_dates=[date(2027, 3, 10), date(2027, 6, 1)])
        make_engagement(coach, profile, role="coach_developer", plan=plan,
                        started_on=date(2027, 2, 1))
        coaches.append(coach)
        plans.append(plan)
    return {"developer": developer, "profile": profile, "coaches": coaches, "plans": plans}


def rows_on(session, who, today, **args):
    view = caseload(session, who, {"sort": "overdue", **args}, today=today)
    return {r["coach"]["name"]: r for r in view["rows"]}, view


def test_overdue_logs_and_reviews_move_with_the_clock(app, caseload_of_two, session):
    ann_plan, ben_plan = caseload_of_two["plans"]
    entry(session, ben_plan, date(2027, 2, 20))
    who = caseload_of_two["developer"]

    with app.test_request_context():
        rows, view = rows_on(session, who, date(2027, 2, 21))
        assert not rows["Ann Able"]["overdue"] and not rows["Ben Busy"]["overdue"]
        assert view["capacity"]["text"] == "2 of 2"

        rows, view = rows_on(session, who, date(2027, 2, 22))  # Ann: 3 weeks since the start
        assert rows["Ann Able"]["log_overdue_since"] == date(2027, 2, 22)
        assert rows["Ben Busy"]["log_overdue_since"] is None
        assert rows["Ben Busy"]["last_log_on"] == date(2027, 2, 20)
        assert view["overdue_count"] == 1

        rows, _ = rows_on(session, who, date(2027, 3, 10))  # due today: not overdue yet
        assert rows["Ben Busy"]["overdue_reviews"] == []
        assert rows["Ben Busy"]["next_review_on"] == date(2027, 3, 10)

        rows, _ = rows_on(session, who, date(2027, 3, 11))
        assert rows["Ben Busy"]["overdue_reviews"] == [date(2027, 3, 10)]
        assert rows["Ben Busy"]["log_overdue_since"] is None  # 19 days since the entry
        assert [r["coach"]["name"] for r in caseload(
            session, who, {"sort": "overdue"}, today=date(2027, 3, 11))["rows"]] == [
            "Ann Able", "Ben Busy"]

        review = session.scalar(sa.select(PlanReview).where(
            PlanReview.plan_id == ben_plan.id, PlanReview.due_on == date(2027, 3, 10)))
        review.held_on = date(2027, 3, 11)
        session.commit()
        rows, _ = rows_on(session, who, date(2027, 3, 12))
        assert rows["Ben Busy"]["overdue_reviews"] == []
        assert rows["Ben Busy"]["next_review_on"] == date(2027, 6, 1)

        # Closed work and finished plans are never overdue.
        session.execute(sa.update(DevelopmentPlan).where(DevelopmentPlan.id == ann_plan.id)
                        .values(status="completed"))
        session.commit()
        rows, _ = rows_on(session, who, date(2027, 5, 1))
        assert not rows["Ann Able"]["overdue"]


# --- the dashboard ---------------------------------------------------------------------


@pytest.fixture
def dashboard(make_account, make_supporter, make_plan, make_engagement, session, visitor):
    """Today's caseload: Ann overdue on her log, Ben on track, a closed co-coaching."""
    developer = make_account(roles=["supporter", "coach_developer"], name="Dana Developer")
    profile = make_supporter(user=developer, roles=["coach_developer", "co_coach"], capacity=3)
    ann = make_account(roles=["coach"], name="Ann Able")
    ann_plan = make_plan(ann, starts_on=TODAY - timedelta(days=60), goals=[
        {"title": "Periodise the season", "status": "achieved"}, "Coach the hurdles"],
        review_dates=[TODAY + timedelta(days=40)])
    entry(session, ann_plan, TODAY - timedelta(days=30))
    make_engagement(ann, profile, role="coach_developer", plan=ann_plan)
    ben = make_account(roles=["coach"], name="Ben Busy")
    ben_plan = make_plan(ben, starts_on=TODAY - timedelta(days=30), goals=["Lead a workshop"],
                         review_dates=[TODAY + timedelta(days=10)])
    entry(session, ben_plan, TODAY - timedelta(days=2))
    make_engagement(ben, profile, role="coach_developer", plan=ben_plan)
    cy = make_account(roles=["coach"], name="Cy Closed")
    make_engagement(cy, profile, role="co_coach", status="closed",
                    started_on=TODAY - timedelta(days=200), ended_on=TODAY - timedelta(days=20),
                    outcome="Season over")
    return {"developer": developer, "profile": profile, "ann_plan": ann_plan,
            "as_developer": visitor(developer)}


def names(response):
    assert response.status_code == 200, response.get_json()
    return [r["coach"]["name"] for r in response.get_json()["rows"]]


def test_the_dashboard_sorts_and_filters(dashboard):
    get = dashboard["as_developer"].get
    body = get("/api/v1/caseload").get_json()
    assert body["capacity"] == {"active": 2, "of": 3, "text": "2 of 3", "places_left": 1}
    ann = body["rows"][0]
    assert ann["coach"]["name"] == "Ann Able" and ann["overdue"]
    assert ann["log_overdue_since"] == (TODAY - timedelta(days=9)).isoformat()
    assert ann["goal_counts"] == {"not_started": 1, "in_progress": 0, "achieved": 1, "total": 2}
    assert names(get("/api/v1/caseload?sort=overdue")) == ["Ann Able", "Ben Busy"]
    assert names(get("/api/v1/caseload?sort=next_review")) == ["Ben Busy", "Ann Able"]
    assert names(get("/api/v1/caseload?sort=last_log")) == ["Ann Able", "Ben Busy"]
    assert names(get("/api/v1/caseload?sort=coach&show=all")) == [
        "Ann Able", "Ben Busy", "Cy Closed"]
    assert names(get("/api/v1/caseload?overdue_only=true")) == ["Ann Able"]
    assert names(get("/api/v1/caseload?show=closed")) == ["Cy Closed"]
    assert names(get("/api/v1/caseload?show=all&role=co_coach")) == ["Cy Closed"]
    assert get("/api/v1/caseload?sort=loudest").status_code == 422


def test_the_dashboard_page_works_without_javascript(dashboard):
    page = dashboard["as_developer"].get("/caseload?sort=coach&overdue_only=true")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 of 3 places taken" in html
    assert "Log overdue since" in html and "Ann Able" in html and "Ben Busy" not in html
    assert '<option value="coach" selected>' in html
    assert dashboard["as_developer"].get("/caseload?sort=loudest").status_code == 422


def test_caseloads_are_private(dashboard, make_account, make_supporter, visitor):
    other = make_account(roles=["supporter"])
    other_profile = make_supporter(user=other)
    as_other = visitor(other)
    assert names(as_other.get("/api/v1/caseload")) == []
    assert as_other.get(f"/api/v1/caseload?supporter_id={dashboard['profile'].id}"
                        ).status_code == 404
    assert as_other.get(f"/caseload?supporter_id={dashboard['profile'].id}").status_code == 404
    assert visitor(make_account(roles=["coach"])).get("/api/v1/caseload").status_code == 404
    assert visitor().get("/api/v1/caseload").status_code == 401
    admin = visitor(make_account(roles=["admin"]))
    assert names(admin.get(f"/api/v1/caseload?supporter_id={dashboard['profile'].id}")) == [
        "Ann Able", "Ben Busy"]
    assert names(admin.get(f"/api/v1/caseload?supporter_id={other_profile.id}")) == []


# --- reviews and closing ---------------------------------------------------------------


def test_the_supporter_records_a_review(dashboard, session, make_account, visitor):
    plan = dashboard["ann_plan"]
    review_id = plan.reviews[0].id
    path = f"/api/v1/plans/{plan.id}/reviews"
    as_coach = visitor(plan.coach)
    assert as_coach.api("post", path, json={"held_on": TODAY.isoformat(),
                                            "notes": "x"}).status_code == 409
    future = dashboard["as_developer"].api("post", path, json={
        "review_id": review_id, "held_on": (TODAY + timedelta(days=1)).isoformat(),
        "notes": "Went well"})
    assert future.status_code == 422 and "held_on" in future.get_json()["errors"]
    held = dashboard["as_developer"].api("post", path, json={
        "review_id": review_id, "held_on": TODAY.isoformat(), "notes": "Goal one met."})
    assert held.status_code == 201
    review = next(r for r in held.get_json()["reviews"] if r["id"] == review_id)
    assert (review["held_on"], review["reviewer"], review["notes"]) == (
        TODAY.isoformat(), "Dana Developer", "Goal one met.")
    again = dashboard["as_developer"].api("post", path, json={
        "review_id": review_id, "held_on": TODAY.isoformat(), "notes": "Again"})
    assert again.status_code == 409
    between = dashboard["as_developer"].api("post", path, json={
        "held_on": TODAY.isoformat(), "notes": "A quick check-in."})
    assert between.status_code == 201
    assert count(session, PlanReview, PlanReview.plan_id == plan.id) == 2


def test_closing_an_engagement_with_an_outcome(dashboard, session, make_account, visitor):
    engagement = session.scalar(sa.select(Engagement).where(
        Engagement.plan_id == dashboard["ann_plan"].id))
    path = f"/caseload/engagements/{engagement.id}/close"
    stranger = visitor(make_account(roles=["supporter"]))
    assert stranger.get(path).status_code == 404
    assert stranger.post(path, data={"outcome": "Stolen"}).status_code == 404

    form = dashboard["as_developer"].get(path)
    assert form.status_code == 200 and "complete_plan" in form.get_data(as_text=True)
    empty = dashboard["as_developer"].post(path, data={"outcome": ""})
    assert empty.status_code == 422 and 'id="outcome-error"' in empty.get_data(as_text=True)
    session.expire_all()
    assert session.get(Engagement, engagement.id).status == "active"

    closed = dashboard["as_developer"].post(path, data={"outcome": "Assessed: passed",
                                                        "complete_plan": "1"})
    assert closed.status_code == 302
    session.expire_all()
    engagement = session.get(Engagement, engagement.id)
    assert (engagement.status, engagement.ended_on, engagement.outcome) == (
        "closed", TODAY, "Assessed: passed")
    plan = session.get(DevelopmentPlan, dashboard["ann_plan"].id)
    assert (plan.status, plan.outcome) == ("completed", "Assessed: passed")
    mail = session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "engagement_closed"))
    assert "Assessed: passed" in mail.body and mail.user_id == plan.coach_id
    body = dashboard["as_developer"].get("/api/v1/caseload").get_json()
    assert body["capacity"]["text"] == "1 of 3"
    twice = dashboard["as_developer"].api(
        "post", f"/api/v1/caseload/engagements/{engagement.id}/close", json={"outcome": "x"})
    assert twice.status_code == 409


# --- reminders -------------------------------------------------------------------------


def remind(runner, day):
    result = runner.invoke(args=["send-caseload-reminders", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_go_once_a_week_to_the_right_people(caseload_of_two, runner, session):
    ann_plan, ben_plan = caseload_of_two["plans"]
    entry(session, ben_plan, date(2027, 3, 5))

    assert "0 overdue log reminder(s), 0 overdue review reminder(s)" in remind(
        runner, date(2027, 2, 21))
    remind(runner, date(2027, 2, 22))  # Ann's log is three weeks overdue
    logs = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "caseload_log_overdue")).all()
    assert [m.to_address for m in logs] == ["ann@example.com"]
    assert "3 weeks" in logs[0].body

    remind(runner, date(2027, 2, 22))  # the same day again
    remind(runner, date(2027, 2, 28))  # six days later
    assert count(session, OutboxMessage, OutboxMessage.kind == "caseload_log_overdue") == 1

    output = remind(runner, date(2027, 3, 11))  # a week on; Ben's review passed yesterday
    assert "1 overdue log reminder(s), 2 overdue review reminder(s)" in output
    assert sorted(m.to_address for m in session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "caseload_log_overdue"))) == ["ann@example.com"] * 2
    reviews = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "caseload_review_overdue")).all()
    assert [m.to_address for m in reviews] == ["dana@example.com"] * 2  # one per coach
    assert {("Ann Able" in m.body or "Ben Busy" in m.body) for m in reviews} == {True}

    entry(session, ann_plan, date(2027, 3, 17))  # Ann writes; Ben's log is fine too
    for review in session.scalars(sa.select(PlanReview)):
        review.held_on = date(2027, 3, 17)
    session.commit()
    assert "0 overdue log reminder(s), 0 overdue review reminder(s)" in remind(
        runner, date(2027, 3, 20))


def test_no_reminders_for_closed_work(caseload_of_two, runner, session):
    session.execute(sa.update(Engagement).values(status="closed", ended_on=date(2027, 2, 10)))
    session.commit()
    remind(runner, date(2027, 4, 1))
    assert count(session, OutboxMessage) == 0
