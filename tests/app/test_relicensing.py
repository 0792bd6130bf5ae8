"""The record for relicensing: a coach's own mentoring and learning, as CSV and a printable page."""

import csv
import io
from datetime import date

import pytest

from app.models import GoalProgress, ReflectiveLogEntry


@pytest.fixture
def record(make_account, make_supporter, make_plan, make_engagement, session, visitor):
    coach = make_account(roles=["coach"], name="Cara Coach")
    mentor = make_supporter(user=make_account(roles=["supporter"], name="Mo Mentor"))
    developer = make_supporter(user=make_account(roles=["supporter"], name="Dee Developer"),
                               roles=["coach_developer"])
    plan = make_plan(coach, title="Pilot plan", goals=[
        {"title": "=HYPERLINK(\"http://evil.example\")", "status": "in_progress"},
        {"title": "Periodise the season", "status": "achieved"}])
    formula, periodise = plan.goals
    make_engagement(coach, mentor, role="mentor", started_on=date(2026, 1, 10),
                    status="closed", ended_on=date(2026, 6, 30), outcome="Goals met")
    make_engagement(coach, developer, role="coach_developer", plan=plan,
                    started_on=date(2026, 9, 1))
    for day, minutes, goals in ((date(2026, 9, 5), 90, [periodise]),
                                (date(2026, 9, 19), 45, [periodise, formula])):
        session.add(ReflectiveLogEntry(plan_id=plan.id, author_id=coach.id, occurred_on=day,
                                       what_happened="Private reflection", minutes=minutes,
                                       goals=goals))
    session.add(GoalProgress(goal_id=periodise.id, status="achieved", recorded_on=date(2026, 9, 20),
                             recorded_by_id=coach.id))
    other = make_account(roles=["coach"], name="Oli Other")
    other_plan = make_plan(other, goals=["Other's goal"])
    session.add(ReflectiveLogEntry(plan_id=other_plan.id, author_id=other.id,
                                   occurred_on=date(2026, 9, 1), what_happened="x", minutes=600))
    make_engagement(other, mentor, role="mentor")
    session.commit()
    return {"as_coach": visitor(coach), "as_mentor": visitor(mentor.user),
            "as_other": visitor(other)}


def test_the_csv_lists_engagements_entries_goals_and_totals(record):
    response = record["as_coach"].get("/record.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="coaching-record-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "date", "until", "role", "supporter", "minutes", "goals",
                       "detail"]
    assert rows[1:] == [
        ["engagement", "2026-01-10", "2026-06-30", "Mentor", "Mo Mentor", "", "", "Goals met"],
        ["engagement", "2026-09-01", "", "Coach developer", "Dee Developer", "", "", ""],
        ["log entry", "2026-09-05", "", "", "", "90", "Periodise the season", ""],
        ["log entry", "2026-09-19", "", "", "", "45",
         "'=HYPERLINK(\"http://evil.example\"); Periodise the season", ""],
        ["goal achieved", "2026-09-20", "", "", "", "", "Periodise the season", "Pilot plan"],
        ["total", date.today().isoformat(), "", "", "", "135", "",
         "2 log entries, 2 engagements, 1 goal achieved"],
    ]
    assert "Private reflection" not in response.get_data(as_text=True)
    assert "Oli Other" not in response.get_data(as_text=True)


def test_the_printable_page(record):
    response = record["as_coach"].get("/record")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "135 minutes (2.2 hours)" in html
    assert "Dee Developer" in html and "Mo Mentor" in html and "Periodise the season" in html
    assert "css/caseload.css" in html  # where the print rules live
    assert "600" not in html and "Other&#39;s goal" not in html


def test_only_coaches_have_a_record_and_only_their_own(record, visitor, make_account):
    assert record["as_mentor"].get("/record").status_code == 404
    assert record["as_mentor"].get("/record.csv").status_code == 404
    other = record["as_other"].get("/record.csv").get_data(as_text=True)
    assert "Dee Developer" not in other and ",600," in other
    anonymous = visitor().get("/record.csv")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/sign-in")
