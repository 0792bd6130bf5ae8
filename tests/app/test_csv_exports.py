"""CSV exports for admins: supporters with their search status, engagements and outcomes,
requests; every cell guarded against spreadsheet formulas; every download audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, ReflectiveLogEntry, SupportRequest, SupportRole
from app.services.csv_files import cell

TODAY = date.today()


@pytest.fixture
def as_admin(visitor, make_account):
    return visitor(make_account(roles=["admin"], email="ada@example.com"))


def download(who, url) -> list[dict]:
    response = who.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/csv; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so Excel reads the names' accents right
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+44 7700 900123", "'+44 7700 900123"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"), ("\rCR", "'\rCR"),
    ("Zoë O'Neil", "Zoë O'Neil"), ("", ""), (None, ""), (3, "3"), (True, "yes"),
    (date(2027, 3, 31), "2027-03-31"),
])
def test_a_cell_is_never_a_formula(value, written):
    assert cell(value) == written


def test_supporters_with_search_status_and_expiry_dates(as_admin, make_account,
                                                         make_supporter, session):
    def supporter(name, **fields):
        user = make_account(roles=["supporter"], name=name,
                            email=f"{name.split()[0].lower()}@example.com",
                            membership_number=f"UKA{len(name)}{name[0]}")
        return make_supporter(user=user, **fields)

    found = supporter("Ann Found", safeguarding_scheme="DBS",
                      safeguarding_checked_on=TODAY - timedelta(days=10))
    lapsed = supporter("Ben Lapsed", licence_expires_on=TODAY - timedelta(days=1))
    waiting = supporter("Cat Waiting", verified_at=None)
    paused = supporter("Dan Paused", paused=True, paused_reason="On holiday")
    nowhere = supporter("Eve Nowhere", search_latitude=None, search_longitude=None)
    formula = supporter("=HYPERLINK(\"http://evil.example\",\"x\")")
    gone = supporter("Fay Gone")
    gone.user.deleted_at = datetime.now(UTC)
    session.commit()

    rows = {int(r["supporter_id"]): r for r in download(as_admin,
                                                          "/admin/exports/supporters.csv")}
    assert set(rows) == {found.id, lapsed.id, waiting.id, paused.id, nowhere.id, formula.id}
    assert rows[found.id]["searchable"] == "yes" and rows[found.id]["status"] == "In search"
    assert rows[found.id]["safeguarding_scheme"] == "DBS"
    assert rows[found.id]["safeguarding_checked_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert rows[found.id]["licence_expires_on"] == (TODAY + timedelta(days=365)).isoformat()
    assert rows[found.id]["membership_number"] == "UKA9A"
    assert rows[found.id]["roles"] == "mentor" and rows[found.id]["places_left"] == "2"
    assert rows[lapsed.id]["searchable"] == "no"
    assert "licence expired on" in rows[lapsed.id]["status"]
    assert "Waiting for an admin to verify" in rows[waiting.id]["status"]
    assert "On holiday" in rows[paused.id]["status"]
    assert "No postcode" in rows[nowhere.id]["status"]
    assert rows[formula.id]["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"

    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.downloaded"))
    assert event.details == {"kind": "supporters", "rows": 6}


def test_engagements_and_their_outcomes(as_admin, make_account, make_supporter, make_plan,
                                        make_engagement, session):
    coach = make_account(roles=["coach"], name="Cai Coach", membership_number="UKA1")
    supporter = make_supporter(user=make_account(roles=["supporter"], name="Sue Supporter"))
    plan = make_plan(coach, programme="Advanced Coach pilot",
                     goals=["Periodise", {"title": "Plan the season", "status": "achieved"}])
    session.add_all([ReflectiveLogEntry(plan_id=plan.id, occurred_on=TODAY, minutes=45),
                     ReflectiveLogEntry(plan_id=plan.id, occurred_on=TODAY, minutes=30)])
    session.commit()
    closed = make_engagement(coach, supporter, plan=plan, status="closed", ended_on=TODAY,
                             outcome="-Goals met; =ready for Level 3")
    active = make_engagement(coach, supporter, role="co_coach")

    rows = download(as_admin, "/api/v1/admin/exports/engagements.csv")
    assert [int(r["engagement_id"]) for r in rows] == [closed.id, active.id]
    first = rows[0]
    assert (first["status"], first["role"], first["coach_name"], first["supporter_name"],
            first["coach_membership_number"]) == ("closed", "mentor", "Cai Coach",
                                                  "Sue Supporter", "UKA1")
    assert first["outcome"] == "'-Goals met; =ready for Level 3"
    assert (first["programme"], first["goals"], first["goals_achieved"], first["log_entries"],
            first["log_minutes"]) == ("Advanced Coach pilot", "2", "1", "2", "75")
    assert rows[1]["plan_id"] == "" and rows[1]["log_minutes"] == "0"


def test_requests_without_what_was_written(as_admin, make_account, make_supporter, session):
    coach = make_account(roles=["coach"], name="Cai Coach")
    supporter = make_supporter(user=make_account(roles=["supporter"], name="Sue Supporter"))
    mentor = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))
    session.add_all([
        SupportRequest(coach_id=coach.id, supporter_id=supporter.id, role_id=mentor,
                       message="Private words about my athletes"),
        SupportRequest(coach_id=coach.id, supporter_id=supporter.id, role_id=mentor,
                       status="declined", message="More private words",
                       closed_at=datetime.now(UTC))])
    session.commit()

    response = as_admin.get("/admin/exports/requests.csv")
    assert f"requests-{TODAY.isoformat()}.csv" in response.headers["Content-Disposition"]
    assert "private words" not in response.get_data(as_text=True).lower()
    rows = download(as_admin, "/admin/exports/requests.csv")
    assert [(r["status"], r["coach_name"], r["supporter_name"], r["role"]) for r in rows] == [
        ("pending", "Cai Coach", "Sue Supporter", "mentor"),
        ("declined", "Cai Coach", "Sue Supporter", "mentor")]


def test_the_exports_page_lists_each_download(as_admin):
    page = as_admin.get("/admin/exports").get_data(as_text=True)
    for kind in ("supporters", "engagements", "requests"):
        assert f'href="/admin/exports/{kind}.csv"' in page
    listed = as_admin.get("/api/v1/admin/exports").get_json()
    assert [e["url"] for e in listed] == [f"/api/v1/admin/exports/{k}.csv" for k in
                                          ("supporters", "engagements", "requests")]
    assert as_admin.get("/admin/exports/passwords.csv").status_code == 404
    assert as_admin.get("/api/v1/admin/exports/passwords.csv").status_code == 404


def test_only_admins_download(visitor, make_account, session):
    for roles in (("coach",), ("supporter", "coach_developer")):
        someone = visitor(make_account(roles=roles))
        assert someone.get("/admin/exports/supporters.csv").status_code == 404
        assert someone.get("/api/v1/admin/exports/supporters.csv").status_code == 404
    assert visitor().get("/api/v1/admin/exports/supporters.csv").status_code == 401
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export.downloaded")) == 0
