"""Nothing about demand, waitlists, reports or impact identifies a coach to anyone who may not know.

One coach does everything at once: searches from home, saves a search, waits in
a full supporter's line, is accepted by a coach developer, and reports a
supporter who never answered. Then every page, answer and CSV of these
features is read as each other person would, looking for the coach's name,
email, phone and home postcode.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import SupportRequest, SupportRole
from tests.places import CITY_CENTRE, HEADINGLEY

NAME, EMAIL, PHONE, POSTCODE = ("Quentin Zebedee", "quentin.zebedee@example.net",
                                "07700 912345", "LS6 3QW")
CONTACT = (EMAIL, PHONE, "912345", "3QW")


@pytest.fixture
def world(app, session, visitor, make_account, make_supporter, make_engagement):
    coach = make_account(roles=["coach"], name=NAME, email=EMAIL, phone=PHONE)
    as_coach = visitor(coach)
    for radius in (5, 10, 15, 20, 25, 30):  # enough searches to pass every threshold
        assert as_coach.get(f"/search?where={POSTCODE}&radius_km={radius}").status_code == 200
    assert as_coach.post("/search/alerts", data={"where": POSTCODE, "roles": "mentor",
                                                 "radius_km": "10"}).status_code == 302

    # A full supporter, and the coach in their line.
    full_user = make_account(roles=["supporter"], name="Fay Full")
    full = make_supporter(user=full_user, capacity=1, **CITY_CENTRE)
    make_engagement(make_account(roles=["coach"], name="Other Coach"), full)
    joined = as_coach.api("post", "/api/v1/waitlist", json={
        "supporter_id": full.id, "role": "mentor", "note": "Happy to wait."})
    assert joined.status_code == 201, joined.get_json()

    # A coach developer working with the coach.
    developer_user = make_account(roles=["supporter", "coach_developer"], name="Dev Eloper")
    developer = make_supporter(user=developer_user, roles=("coach_developer",), capacity=3,
                               **HEADINGLEY)
    make_engagement(coach, developer, role="coach_developer")

    # A supporter who never answered, reported.
    silent_user = make_account(roles=["supporter"], name="Sid Silent")
    silent = make_supporter(user=silent_user, **HEADINGLEY)
    asked = datetime.now(UTC) - timedelta(days=12)
    request = SupportRequest(
        coach_id=coach.id, supporter_id=silent.id, message="Hello",
        role_id=session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor")),
        status="expired", created_at=asked, expires_at=asked + timedelta(days=7),
        closed_at=asked + timedelta(days=7))
    session.add(request)
    session.commit()
    reported = as_coach.api("post", f"/api/v1/requests/{request.id}/unanswered-report",
                            json={"note": "No reply."})
    assert reported.status_code == 201, reported.get_json()

    return {"full": visitor(full_user), "full_profile": full,
            "developer": visitor(developer_user), "silent": visitor(silent_user),
            "silent_profile": silent, "request": request,
            "admin": visitor(make_account(roles=["admin"], name="Ada Admin"))}


def text_of(response) -> str:
    assert response.status_code == 200, (response.request.path, response.status_code)
    return response.get_data(as_text=True)


def assert_nothing_identifies(text: str, *, name_allowed: bool = False) -> None:
    for secret in CONTACT + (() if name_allowed else (NAME, "Zebedee")):
        assert secret not in text


def test_admins_see_demand_and_impact_as_counts_only(world):
    admin = world["admin"]
    for url in ("/admin/coverage", "/api/v1/admin/coverage", "/admin/coverage.csv",
                "/api/v1/admin/coverage.csv", "/admin/impact", "/api/v1/admin/impact",
                "/admin/impact.csv", "/api/v1/admin/impact.csv"):
        assert_nothing_identifies(text_of(admin.get(url)))
    # The coverage map saw the coach's searches, by district only.
    coverage = admin.get("/api/v1/admin/coverage").get_json()
    assert "LS6" in str(coverage)


def test_a_coach_developer_sees_their_caseload_s_figures_and_no_contact_details(world):
    developer = world["developer"]
    for url in ("/caseload/impact", "/api/v1/caseload/impact", "/caseload/impact.csv",
                "/api/v1/caseload/impact.csv"):
        assert_nothing_identifies(text_of(developer.get(url)), name_allowed=True)


def test_a_full_supporter_sees_who_waits_as_on_a_request_and_no_contact_details(world):
    full = world["full"]
    line = text_of(full.get("/api/v1/me/waitlist"))
    assert NAME in line or "Quentin Z" in line  # as a request shows them
    assert_nothing_identifies(line, name_allowed=True)
    assert_nothing_identifies(text_of(full.get("/requests")), name_allowed=True)


def test_the_reported_supporter_is_never_told_who_reported_them(world):
    silent = world["silent"]
    detail = silent.get(f"/api/v1/requests/{world['request'].id}")
    assert detail.get_json()["unanswered_report"] is None  # the coach's side sees theirs
    page = text_of(silent.get(f"/requests/{world['request'].id}")).lower()
    for text in (text_of(detail).lower(), page, text_of(silent.get("/requests")).lower()):
        assert "reported" not in text and "no reply." not in text


def test_the_public_sees_nothing_of_the_coach(world, client):
    for url in (f"/supporters/{world['full_profile'].id}",
                f"/api/v1/supporters/{world['full_profile'].id}",
                f"/supporters/{world['silent_profile'].id}",
                "/api/v1/search?where=LS1&radius_km=30", "/search?where=LS1&radius_km=30"):
        assert_nothing_identifies(text_of(client.get(url)))
