"""The API's request bodies: a JSON object or nothing; anything else a clear 4xx.

Never a 500 from a body nested too deeply to parse, and never a silent 200
for a body the API cannot read (XML, a form, plain text, JSON that is not an
object). The error shape is the API's one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import User


@pytest.fixture
def coach(make_account, visitor):
    return visitor(make_account(roles=["coach"], name="Kim Coach"))


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("[" * 100_000 + "]" * 100_000, "application/json", 400),
    ('{"display_name":' * 50_000 + '"x"' + "}" * 50_000, "application/json", 400),
    ("<me><display_name>Evil</display_name></me>", "application/xml", 415),
    ("display_name=Evil", "application/x-www-form-urlencoded", 415),
    ("display_name=Evil", "text/plain", 415),
    ("null", "application/json", 400),
    ("[]", "application/json", 400),
    ('"Evil"', "application/json", 400),
    ("{", "application/json", 400),
])
def test_a_body_that_is_not_a_json_object_is_refused(coach, session, body, content_type,
                                                     status):
    response = coach.client.patch("/api/v1/me", data=body, headers={
        "Content-Type": content_type, "X-CSRFToken": coach.csrf})
    assert response.status_code == status
    error = response.get_json()
    assert (error["code"], set(error)) == (status, {"code", "status", "message", "errors"}
                                           if "errors" in error else
                                           {"code", "status", "message"})
    assert session.scalar(sa.select(User.display_name)) == "Kim Coach"


def test_an_oversized_body_is_413_in_the_error_shape(coach):
    response = coach.client.patch("/api/v1/me", json={"display_name": "x" * 2_000_000},
                                  headers={"X-CSRFToken": coach.csrf})
    assert response.status_code == 413 and response.get_json()["code"] == 413


def test_an_empty_body_is_fine_for_an_action(coach, make_supporter, session):
    profile = make_supporter()
    sent = coach.api("post", "/api/v1/requests", json={"supporter_id": profile.id,
                                                       "role": "mentor"})
    response = coach.client.post(f"/api/v1/requests/{sent.get_json()['id']}/withdraw",
                                 headers={"X-CSRFToken": coach.csrf})
    assert response.status_code == 200


def test_over_https_a_json_change_needs_a_referer_from_this_site(coach):
    """The documented CSRF policy for JSON clients (Flask-WTF's strict mode on HTTPS)."""
    client, token = coach.client, coach.csrf
    headers = {"X-CSRFToken": token}
    refused = client.patch("/api/v1/me", json={"phone": "07700 900321"}, headers=headers,
                           base_url="https://localhost")
    assert refused.status_code == 400 and "csrf_token" in refused.get_json()["errors"]
    allowed = client.patch("/api/v1/me", json={"phone": "07700 900321"},
                           headers={**headers, "Referer": "https://localhost/account"},
                           base_url="https://localhost")
    assert allowed.status_code == 200, allowed.get_json()


@pytest.mark.parametrize("path", ["/api/v1/admin/import", "/sign-in"])
def test_a_form_part_without_a_name_is_refused_not_a_server_error(client, path):
    body = b'--b\r\nContent-Disposition: form-data\r\n\r\nnull\r\n--b--\r\n'
    response = client.post(path, data=body,
                           headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 400
