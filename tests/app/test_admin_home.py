"""The admin home, its lists, and where each person lands after signing in."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import OutboxMessage, SupportRequest, SupportRole

from ..conftest import PASSWORD

TODAY = date.today()


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")


def sign_in(visitor, email):
    return visitor().post("/sign-in", data={"email": email, "password": PASSWORD})


@pytest.mark.parametrize("roles, where", [
    (["admin"], "/admin/"),
    (["admin", "supporter"], "/admin/"),
    (["coach_developer", "supporter"], "/caseload"),
    (["supporter"], "/requests"),
    (["coach", "supporter"], "/requests"),
    (["coach"], "/search"),
])
def test_each_person_lands_where_their_work_is(visitor, make_account, roles, where):
    make_account(roles=roles, email="lee@example.com")
    response = sign_in(visitor, "lee@example.com")
    assert response.status_code == 302 and response.location == where


def test_a_coach_with_a_plan_lands_on_it_and_next_still_wins(visitor, make_account, make_plan):
    coach = make_account(roles=["coach"], email="cam@example.com")
    plan = make_plan(coach)
    assert sign_in(visitor, "cam@example.com").location == f"/plans/{plan.id}"
    response = visitor().post("/sign-in", data={"email": "cam@example.com",
                                                "password": PASSWORD, "next": "/account"})
    assert response.location == "/account"


def _waiting_world(session, make_account, make_supporter, make_plan, make_engagement):
    """Something on every list of the admin home."""
    soon = make_supporter(user=make_account(roles=["supporter"], name="Sam Soon"),
                          safeguarding_expires_on=TODAY + timedelta(days=12))
    make_supporter(user=make_account(roles=["supporter"], name="Eve Expired"),
                   licence_expires_on=TODAY - timedelta(days=3))
    make_supporter(user=make_account(roles=["supporter"], name="Fay Fine"))
    make_supporter(user=make_account(roles=["supporter"], name="Nia New"), verified_at=None)
    coach = make_account(roles=["coach"], name="Cody Coach")
    role_id = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))
    now = datetime.now(UTC)
    session.add_all([
        SupportRequest(coach_id=coach.id, supporter_id=soon.id, role_id=role_id,
                       message="", status="pending", created_at=now - timedelta(days=5),
                       expires_at=now + timedelta(days=2)),
        SupportRequest(coach_id=coach.id, supporter_id=soon.id, role_id=role_id,
                       message="", status="pending", created_at=now - timedelta(hours=3),
                       expires_at=now + timedelta(days=7)),
    ])
    plan = make_plan(coach, starts_on=TODAY - timedelta(weeks=8),
                     review_dates=[TODAY - timedelta(days=9)])
    make_engagement(coach, soon, plan=plan, started_on=TODAY - timedelta(weeks=8))
    session.add(OutboxMessage(user_id=coach.id, to_address="cody@example.com", subject="Hi",
                              body="Hi", kind="test", created_at=now, next_attempt_at=now,
                              attempts=5, failed_at=now, last_error="550 no such user"))
    session.commit()
    return soon


def test_the_admin_home_shows_what_waits_each_linked_to_its_list(
        visitor, admin, session, make_account, make_supporter, make_plan, make_engagement):
    _waiting_world(session, make_account, make_supporter, make_plan, make_engagement)
    newcomer = make_account(roles=["supporter"], name="Nia Newer")
    visitor(newcomer).post("/profile/supporter", data={
        "roles": ["mentor"], "location": "LS6 3QS",
        "safeguarding_expires_on": (TODAY + timedelta(days=300)).isoformat(),
        "licence_expires_on": (TODAY + timedelta(days=300)).isoformat()})

    overview = visitor(admin).get("/api/v1/admin/overview").get_json()
    assert overview["verification"]["waiting"] == 1
    assert [(r["name"], r["what"]) for r in overview["expiring"]["soon"]] == [
        ("Sam Soon", "Safeguarding check")]
    assert [(r["name"], r["what"], r["days"]) for r in overview["expiring"]["expired"]] == [
        ("Eve Expired", "Licence", -3)]
    assert overview["unanswered"]["count"] == 1  # the 3-hour-old one is not late yet
    assert overview["unanswered"]["requests"][0]["waiting_days"] == 5
    assert overview["overdue"]["log_count"] == 1 and overview["overdue"]["review_count"] == 1
    assert overview["overdue"]["reviews"][0]["days_late"] == 9
    assert overview["dead_letters"] == 1
    assert overview["audit"][0]["action"] == "profile.submitted_for_verification"

    page = visitor(admin).get("/admin/").get_data(as_text=True)
    for path in ("/admin/verification", "/admin/expiring", "/admin/requests/unanswered",
                 "/admin/caseloads/overdue", "/admin/email", "/admin/audit"):
        assert f'href="{path}"' in page, path
        assert visitor(admin).get(path).status_code == 200, path
    assert "Sam Soon" in page and "Eve Expired" in page and "Cody Coach" in page
    assert "Fay Fine" not in page


def test_the_lists_show_everyone_and_their_settings_are_checked(
        visitor, admin, session, make_account, make_supporter, make_plan, make_engagement):
    _waiting_world(session, make_account, make_supporter, make_plan, make_engagement)
    page = visitor(admin).get("/admin/expiring?within_days=5").get_data(as_text=True)
    assert "Sam Soon" not in page and "Eve Expired" in page
    page = visitor(admin).get("/admin/expiring?within_days=20").get_data(as_text=True)
    assert "Sam Soon" in page
    wide = visitor(admin).get("/api/v1/admin/unanswered-requests?older_than_days=0").get_json()
    assert len(wide["requests"]) == 2

    response = visitor(admin).get("/admin/expiring?within_days=-5")
    assert response.status_code == 422
    assert 'id="within_days-error"' in response.get_data(as_text=True)
    response = visitor(admin).get("/api/v1/admin/unanswered-requests?older_than_days=many")
    assert response.status_code == 422
    assert "older_than_days" in response.get_json()["errors"]


def test_the_audit_log_pages_and_filters(visitor, admin, session, make_account):
    from app.services import audit

    for i in range(60):
        audit.record(session, "widget.key_created" if i % 2 else "profile.paused", actor=admin,
                     ip="127.0.0.1")
    session.commit()
    first = visitor(admin).get("/api/v1/admin/audit").get_json()
    assert len(first["events"]) == 50 and first["older_than"]
    rest = visitor(admin).get(f"/api/v1/admin/audit?before={first['older_than']}").get_json()
    ids = [e["id"] for e in first["events"] + rest["events"]]
    assert len(ids) == len(set(ids)) >= 60 and rest["older_than"] is None
    only = visitor(admin).get("/api/v1/admin/audit?action=widget").get_json()
    assert {e["action"] for e in only["events"]} == {"widget.key_created"}
    assert len(only["events"]) == 30
    page = visitor(admin).get("/admin/audit?action=profile.paused").get_data(as_text=True)
    assert "profile.paused" in page and "widget.key_created" not in page
    assert "Ada Admin" in page


@pytest.mark.parametrize("path", [
    "/admin/", "/admin/expiring", "/admin/requests/unanswered", "/admin/caseloads/overdue",
    "/admin/audit", "/api/v1/admin/overview", "/api/v1/admin/expiring",
    "/api/v1/admin/unanswered-requests", "/api/v1/admin/overdue", "/api/v1/admin/audit",
])
def test_only_admins_see_any_of_it(visitor, make_account, path):
    for roles in (["coach"], ["supporter", "coach_developer"]):
        assert visitor(make_account(roles=roles)).get(path).status_code == 404, (path, roles)
    anonymous = visitor().get(path).status_code
    assert anonymous in (302, 401), path
