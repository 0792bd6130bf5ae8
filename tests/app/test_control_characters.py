"""No control characters in: line breaks in a name, NUL bytes anywhere, a 422 naming the field.

A line break in a display name used to reach an email's Subject header; a NUL
byte is refused by PostgreSQL (a 500) but kept by SQLite. Both are refused at
the door, the same way on both databases, and nothing is written.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import SupporterProfile, SupportRequest, User

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()
CONTROLS = {"line break": "Kim\r\nBcc: everyone@example.com", "NUL": "Kim\x00",
            "escape": "Kim\x1b[31m", "C1": "Ki\x85m", "line separator": "Kim\u2028x"}


@pytest.mark.parametrize("control", list(CONTROLS))
def test_sign_up_refuses_a_name_with_control_characters(visitor, session, control):
    guest = visitor()
    response = guest.api("post", "/api/v1/accounts", json={
        "display_name": CONTROLS[control], "email": "kim@example.com",
        "password": "correct horse battery staple", "roles": ["coach"]})
    assert response.status_code == 422
    assert "one line" in response.get_json()["errors"]["display_name"][0]
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_sign_up_page_shows_it_beside_the_field(visitor, session):
    response = visitor().post("/sign-up", data={
        "display_name": "Kim\r\nBcc: x", "email": "kim@example.com",
        "password": "correct horse battery staple",
        "password_again": "correct horse battery staple", "roles": ["coach"]})
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.get_data(as_text=True)


def _supporter_profile(**overrides):
    body = {"roles": ["mentor"], "event_groups": ["jumps"], "expertise": [],
            "location": "LS6 3QS", "bio": "Jumps coach.", "club": "Leeds City AC",
            "safeguarding_expires_on": NEXT_YEAR, "licence_expires_on": NEXT_YEAR}
    body.update(overrides)
    return body


@pytest.mark.parametrize(("field", "value"), [
    ("club", "Leeds\nCity AC"),        # one line only
    ("club", "Leeds\x00"),
    ("bio", "Jumps\x00 coach."),        # several lines are fine, a NUL is not
    ("bio", "Jumps\x07 coach."),
    ("location", "LS6\x00 3QS"),
])
def test_profile_fields_refuse_control_characters(make_account, visitor, session, field,
                                                  value):
    supporter = make_account(roles=["supporter"])
    response = visitor(supporter).api("put", "/api/v1/me/profile",
                                      json=_supporter_profile(**{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(SupporterProfile)) == 0


def test_a_bio_keeps_its_line_breaks(make_account, visitor, session):
    supporter = make_account(roles=["supporter"])
    response = visitor(supporter).api("put", "/api/v1/me/profile", json=_supporter_profile(
        bio="Jumps coach.\n\nAlso hurdles,\tsome throws."))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["bio"] == "Jumps coach.\n\nAlso hurdles,\tsome throws."


@pytest.mark.parametrize(("params", "field"), [
    ({"where": "LS6\x003QS"}, "where"),
    ({"where": "LS6 3QS", "goals": "jumps\x00"}, "goals"),
    ({"where": "LS6 3QS", "name": "Kim\nx"}, "name"),
])
def test_search_refuses_control_characters(client, params, field):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_request_message_with_a_nul_is_refused(make_account, make_supporter, visitor, session):
    coach = make_account(roles=["coach"])
    profile = make_supporter()
    response = visitor(coach).api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "mentor", "message": "Hello\x00"})
    assert response.status_code == 422
    assert "message" in response.get_json()["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(SupportRequest)) == 0
