"""One error shape for the API, a page for people, and nothing half-written."""

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import csrf, db
from app.models import User

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


@pytest.fixture
def app_with_failing_routes(app):
    """Routes that fail the ways a real view can, to reach the handlers."""

    @app.post("/api/v1/_test/invalid")
    def invalid():
        raise InvalidInput("Some of the input is not valid.",
                           errors={"radius_km": ["Must be between 1 and 500."]})

    @app.post("/_test/explode")
    def explode():
        db.session.add(User(email="half@example.com", display_name="Half written"))
        db.session.flush()
        raise RuntimeError("boom")

    @app.post("/api/v1/_test/explode")
    def explode_api():
        return explode()

    # These routes test error shapes, not CSRF (tests/app/test_accounts.py does).
    for view in (invalid, explode, explode_api):
        csrf.exempt(view)
    return app


def _assert_error_shape(response, code):
    body = response.get_json()
    assert response.status_code == code
    assert response.mimetype == "application/json"
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_api_404_is_json(client):
    _assert_error_shape(client.get("/api/v1/no-such-thing"), 404)


def test_page_404_is_html(client):
    response = client.get("/no-such-page", headers=HTML)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Nothing was found at this address" in response.data


def test_page_404_is_json_for_json_clients(client):
    _assert_error_shape(client.get("/no-such-page", headers=JSON), 404)


def test_api_405_is_json_and_says_what_is_allowed(client):
    response = client.delete("/api/v1/taxonomy")
    body = _assert_error_shape(response, 405)
    assert "DELETE" in body["message"]
    assert "GET" in response.headers["Allow"]


def test_page_405_is_html_and_says_what_is_allowed(client):
    response = client.post("/", headers=HTML)
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


def test_422_names_each_field(app_with_failing_routes):
    response = app_with_failing_routes.test_client().post("/api/v1/_test/invalid")
    body = _assert_error_shape(response, 422)
    assert body["errors"] == {"radius_km": ["Must be between 1 and 500."]}


def test_500_is_json_on_the_api_and_writes_nothing(app_with_failing_routes, session):
    response = app_with_failing_routes.test_client().post("/api/v1/_test/explode")
    body = _assert_error_shape(response, 500)
    assert "boom" not in body["message"]  # internals stay inside
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_500_is_a_page_for_people_and_writes_nothing(app_with_failing_routes, session):
    response = app_with_failing_routes.test_client().post("/_test/explode", headers=HTML)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert b"Something went wrong on our side" in response.data
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
