"""Capacity holds under concurrency: 20 simultaneous accepts, 2 places, 2 engagements.

Runs on PostgreSQL only (SQLite serialises every writer, so it cannot show a
race); CI sets TEST_DATABASE_URL, and without it the test is skipped loudly.
"""

import threading

import pytest
import sqlalchemy as sa

from app.models import Engagement, SupportRequest

from ..conftest import TEST_DATABASE_URL

ACCEPTS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
    pytest.mark.skipif(not TEST_DATABASE_URL,
                       reason="LOUD SKIP: TEST_DATABASE_URL is not set, so the concurrency "
                              "test cannot run (CI sets it)"),
]


@pytest.fixture
def app_config():
    # Every accept gets its own connection at the same moment.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": ACCEPTS + 5, "max_overflow": 0},
            "RATELIMIT_ENABLED": False}


def test_simultaneous_accepts_never_exceed_capacity(app, make_account, make_supporter,
                                                    visitor, session):
    supporter_user = make_account(roles=["supporter"], name="Popular Mentor")
    profile = make_supporter(user=supporter_user, capacity=2)
    request_ids = []
    for i in range(ACCEPTS):
        coach = make_account(roles=["coach"], name=f"Coach {i}")
        response = visitor(coach).api("post", "/api/v1/requests", json={
            "supporter_id": profile.id, "role": "mentor"})
        assert response.status_code == 201, response.get_json()
        request_ids.append(response.get_json()["id"])
    session.remove()  # the threads below use their own sessions and connections

    # Each thread: its own client (the supporter signed in) and app context.
    prepared = []
    for request_id in request_ids:
        signed_in = visitor(supporter_user)
        prepared.append((signed_in.client, signed_in.csrf, request_id))
    start = threading.Barrier(ACCEPTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def accept(client, token, request_id):
        with app.app_context():
            start.wait()
            response = client.post(f"/api/v1/requests/{request_id}/accept",
                                   headers={"X-CSRFToken": token})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=accept, args=args) for args in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == ACCEPTS
    assert sorted(statuses) == [200, 200] + [409] * (ACCEPTS - 2), statuses
    with app.app_context():
        from app.extensions import db

        active = db.session.scalar(sa.select(sa.func.count()).select_from(Engagement).where(
            Engagement.supporter_id == profile.id, Engagement.status == "active"))
        assert active == 2
        accepted = db.session.scalar(sa.select(sa.func.count()).select_from(SupportRequest)
                                     .where(SupportRequest.status == "accepted"))
        assert accepted == 2
        # The other 18 were closed kindly when the last place went.
        declined = db.session.scalars(sa.select(SupportRequest.status_reason).where(
            SupportRequest.status == "declined")).all()
        assert len(declined) == ACCEPTS - 2
        assert all("not about you" in reason for reason in declined)
