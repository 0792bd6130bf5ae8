"""Capacity holds under concurrency: 20 simultaneous accepts, 2 places, 2 engagements.

Runs on both databases: PostgreSQL locks the supporter's row, SQLite takes its
one write lock before the places are counted (BEGIN IMMEDIATE).
"""

import threading

import pytest
import sqlalchemy as sa

from app.models import Engagement, SupportRequest

ACCEPTS = 20



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


def test_publishing_and_accepting_at_once_never_exceed_capacity(
        app, make_account, make_supporter, make_plan, visitor, session):
    """An allocation published twice at the moment a request is accepted, one place left."""
    from app.models import CoachProfile, Qualification

    developer = make_account(roles=["supporter", "coach_developer"], name="Dee Developer")
    profile = make_supporter(user=developer, roles=["coach_developer"], capacity=1,
                             qualification="uk_advanced_coach")
    sessional = session.scalar(sa.select(Qualification).where(
        Qualification.key == "uk_sessional_coach"))
    pilot = make_account(roles=["coach"], name="Amy Ash")
    session.add(CoachProfile(user_id=pilot.id, qualification=sessional, latitude=53.8195,
                             longitude=-1.5820, postcode="LS6 3QS", outward_code="LS6"))
    session.commit()
    make_plan(pilot, programme="Advanced Coach pilot", needs={"training_planning": 5})
    asker = make_account(roles=["coach"], name="Bo Birch")
    sent = visitor(asker).api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "coach_developer"})
    assert sent.status_code == 201, sent.get_json()
    admin = make_account(roles=["admin"], name="Ada Admin")
    as_admin = visitor(admin)
    run = as_admin.api("post", "/api/v1/admin/allocations",
                       json={"programme": "Advanced Coach pilot"})
    assert run.status_code == 201, run.get_json()
    assert len(run.get_json()["pairs"]) == 1
    run_id, request_id = run.get_json()["id"], sent.get_json()["id"]
    session.remove()

    calls = [(visitor(admin), f"/api/v1/admin/allocations/{run_id}/publish"),
             (visitor(admin), f"/api/v1/admin/allocations/{run_id}/publish"),
             (visitor(developer), f"/api/v1/requests/{request_id}/accept")]
    prepared = [(v.client, v.csrf, path) for v, path in calls]
    start = threading.Barrier(len(prepared))
    statuses: dict[str, list[int]] = {}
    lock = threading.Lock()

    def call(client, token, path):
        with app.app_context():
            start.wait()
            body = {"confirm": True} if path.endswith("/publish") else None
            response = client.post(path, headers={"X-CSRFToken": token}, json=body)
        with lock:
            statuses.setdefault(path.rsplit("/", 1)[1], []).append(response.status_code)

    threads = [threading.Thread(target=call, args=args) for args in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One place: exactly one of the three took it, and the rest were refused.
    outcomes = sorted(statuses["publish"] + statuses["accept"])
    assert outcomes == [200, 409, 409], statuses
    with app.app_context():
        from app.extensions import db

        active = db.session.scalar(sa.select(sa.func.count()).select_from(Engagement).where(
            Engagement.supporter_id == profile.id, Engagement.status == "active"))
        assert active == 1
