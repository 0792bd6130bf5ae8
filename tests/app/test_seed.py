"""Taxonomy and demo data commands: idempotent, deterministic, representative."""

import hashlib
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    CoachProfile,
    Engagement,
    EventGroup,
    Need,
    Qualification,
    SupporterProfile,
    SupportRole,
    User,
)
from app.services.data_version import current_version

from ..conftest import empty_all_tables

TODAY = "2026-11-23"


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seed_taxonomy_is_idempotent(runner, session):
    first = runner.invoke(args=["seed-taxonomy"])
    assert first.exit_code == 0, first.output
    counts = {m: count(session, m) for m in (SupportRole, EventGroup, Need, Qualification)}
    version = current_version(session)

    second = runner.invoke(args=["seed-taxonomy"])
    assert second.exit_code == 0
    assert {m: count(session, m) for m in counts} == counts
    assert current_version(session) == version, "an unchanged taxonomy must not bump search"
    assert counts[SupportRole] == 4 and counts[EventGroup] == 9 and counts[Need] >= 17


def test_seed_taxonomy_keeps_an_admins_name(runner, session):
    # Names are the admins' to edit (/admin/taxonomy): seeding again never undoes them.
    role = session.scalar(sa.select(SupportRole).where(SupportRole.key == "mentor"))
    role.name = "Mentor coach"
    session.commit()
    runner.invoke(args=["seed-taxonomy"])
    session.expire_all()
    assert session.scalar(sa.select(SupportRole.name).where(SupportRole.key == "mentor")) == \
        "Mentor coach"


def _seed(runner, seed=11, supporters=60, coaches=20):
    result = runner.invoke(args=["seed-demo", "--seed", str(seed), "--supporters",
                                 str(supporters), "--coaches", str(coaches), "--today", TODAY])
    assert result.exit_code == 0, result.output
    return result


def _digest(session) -> str:
    """A fingerprint of everything the demo seeding decides."""
    rows = session.execute(sa.text(
        "SELECT u.email, u.display_name, u.phone, s.latitude, s.longitude, s.postcode, "
        "s.outward_code, s.capacity, s.travel_km, s.offers_online, s.safeguarding_expires_on, "
        "s.licence_expires_on, s.paused, s.bio, s.qualification_id "
        "FROM users u JOIN supporter_profiles s ON s.user_id = u.id ORDER BY u.email"
    )).all()
    coaches = session.execute(sa.text(
        "SELECT u.email, c.postcode, c.club FROM users u JOIN coach_profiles c "
        "ON c.user_id = u.id ORDER BY u.email")).all()
    links = session.execute(sa.text(
        "SELECT u.email, r.key FROM supporter_roles sr JOIN support_roles r ON r.id = sr.role_id "
        "JOIN supporter_profiles s ON s.id = sr.supporter_id JOIN users u ON u.id = s.user_id "
        "ORDER BY u.email, r.key")).all()
    return hashlib.sha256(repr((rows, coaches, links)).encode()).hexdigest()


def test_seed_demo_is_idempotent(runner, session):
    first = _seed(runner)
    # 60 and 20 asked for, plus the named demo accounts: two supporters and two coaches.
    assert "Demo data created: 62 supporters, 22 coaches" in first.output
    users = count(session, User)
    second = _seed(runner)
    assert "nothing changed" in second.output
    assert count(session, User) == users


def test_seed_demo_is_deterministic(app, runner, session):
    _seed(runner, seed=11)
    first = _digest(session)
    session.remove()
    empty_all_tables(db.engine)
    runner.invoke(args=["seed-taxonomy"])
    _seed(runner, seed=11)
    assert _digest(session) == first
    session.remove()
    empty_all_tables(db.engine)
    runner.invoke(args=["seed-taxonomy"])
    _seed(runner, seed=12)
    assert _digest(session) != first


def test_the_full_demo(runner, session, client, subtests):
    """One seeding of the full demo (half a minute on PostgreSQL), checked for each promise."""
    result = runner.invoke(args=["seed-demo", "--today", TODAY])
    assert result.exit_code == 0, result.output
    for check in (represents_every_case, accounts_can_be_named,
                  coach_finds_the_demo_mentor_nearby, stamps_are_already_past_when_seeded):
        with subtests.test(check.__name__):
            check(session, client)


def represents_every_case(session, client):
    today = date.fromisoformat(TODAY)
    supporters = session.scalars(sa.select(SupporterProfile)).all()
    assert len(supporters) >= 2000
    assert count(session, CoachProfile) >= 500
    assert {s.country for s in supporters} == {"GB", "US"}

    assert {r.key for s in supporters for r in s.roles} == {
        "mentor", "coach_developer", "technical_advisor", "co_coach"}
    all_groups = set(session.scalars(sa.select(EventGroup.key)))
    assert {g.key for s in supporters for g in s.event_groups} == all_groups
    levels = {s.qualification.key for s in supporters} | set(session.scalars(
        sa.select(Qualification.key).join(CoachProfile,
                                          CoachProfile.qualification_id == Qualification.id)))
    assert levels == set(session.scalars(sa.select(Qualification.key)))

    assert any(s.offers_online for s in supporters)
    assert any(not s.offers_online for s in supporters)
    assert any(s.safeguarding_expires_on < today for s in supporters)
    assert any(s.licence_expires_on < today for s in supporters)
    assert any(s.paused for s in supporters)
    assert any(s.verified_at is None for s in supporters)
    engaged = dict(session.execute(
        sa.select(Engagement.supporter_id, sa.func.count()).group_by(Engagement.supporter_id)
    ).all())
    full = [s for s in supporters if s.capacity > 0 and engaged.get(s.id, 0) >= s.capacity]
    free = [s for s in supporters if engaged.get(s.id, 0) < s.capacity]
    assert full and free

    # Real places: every GB supporter sits on a real postcode in its outward code.
    import geodata

    for s in [s for s in supporters if s.country == "GB"][:50]:
        loc = geodata.geocode(s.postcode)
        assert (round(loc.lat, 5), round(loc.lon, 5)) == (round(s.latitude, 5),
                                                          round(s.longitude, 5))
        assert loc.outward_code == s.outward_code


def accounts_can_be_named(session, client):
    emails = set(session.scalars(sa.select(User.email)))
    assert {"admin@example.org", "coach@example.org", "supporter@example.org",
            "developer@example.org"} <= emails
    # A club's widget key, live for `make run`'s address, so its page previews the widget.
    from app.models import WidgetKey

    key = session.scalar(sa.select(WidgetKey))
    assert key.revoked_at is None and "http://127.0.0.1:5000" in key.allowed_origins


def coach_finds_the_demo_mentor_nearby(session, client):
    body = client.get("/api/v1/search", query_string={
        "where": "LS6 3QS", "roles": "mentor", "event_groups": "jumps",
        "needs": "technical_model", "mode": "in_person", "limit": 10}).get_json()
    names = [r["name"] for r in body["results"]]
    assert "Demo Supporter" in names
    # The demo developer's two places are both taken: listed, if at all, as full.
    developer = [r for r in body["results"] if r["name"] == "Demo Coach Developer"]
    assert not developer or developer[0]["availability"]["places_free"] == 0


def stamps_are_already_past_when_seeded(session, client):
    # Seeding for a day stamps nothing later than that day's first moment, so
    # activity and verification are never in the future, whatever the hour.
    from datetime import UTC, datetime

    start = datetime.fromisoformat(TODAY).replace(tzinfo=UTC)
    latest = session.execute(sa.select(
        sa.func.max(SupporterProfile.last_active_at),
        sa.func.max(SupporterProfile.verified_at))).one()
    for stamp in latest:
        assert stamp is not None
        assert (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)) <= start


@pytest.fixture
def small_demo_today(runner, session):
    """A small demo seeded for the real today, as `make run` does, for clock-bound views."""
    result = runner.invoke(args=["seed-demo", "--supporters", "300", "--coaches", "60"])
    assert result.exit_code == 0, result.output
    return session


def test_demo_developer_has_a_full_caseload_with_both_kinds_of_overdue(small_demo_today,
                                                                       visitor):
    developer = small_demo_today.scalar(
        sa.select(User).where(User.email == "developer@example.org"))
    body = visitor(developer).api("get", "/api/v1/caseload?sort=coach").get_json()
    assert body["capacity"]["text"] == "2 of 2"
    rows = {r["coach"]["name"]: r for r in body["rows"]}
    assert set(rows) == {"Demo Coach", "Priya Shah"}
    on_track, lapsed = rows["Demo Coach"], rows["Priya Shah"]
    assert not on_track["overdue"] and on_track["last_log_on"]
    assert on_track["goal_counts"]["in_progress"] == 1
    assert lapsed["log_overdue_since"] and lapsed["overdue_reviews"]


def test_demo_coach_log_shows_the_developers_comment(small_demo_today, visitor):
    coach = small_demo_today.scalar(sa.select(User).where(User.email == "coach@example.org"))
    plan_id = visitor(coach).api("get", "/api/v1/plans").get_json()[0]["id"]
    log = visitor(coach).api("get", f"/api/v1/plans/{plan_id}/log").get_json()
    entries = log["entries"]
    assert len(entries) == 2 and log["total_minutes"] == 135
    commented = [(e, c) for e in entries for c in e["comments"]]
    assert [c["author"] for _, c in commented] == ["Demo Coach Developer"]
    # Answered the day after the entry, not on the day the demo was made.
    entry, comment = commented[0]
    assert date.fromisoformat(comment["at"][:10]) == \
        date.fromisoformat(entry["occurred_on"]) + timedelta(days=1)


def test_demo_pilot_cohort_can_be_allocated_at_once(small_demo_today, visitor):
    from app.demo import PILOT_COHORT, PILOT_PROGRAMME

    admin = small_demo_today.scalar(sa.select(User).where(User.email == "admin@example.org"))
    response = visitor(admin).api("post", "/api/v1/admin/allocations",
                                  json={"programme": PILOT_PROGRAMME})
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert len(run["pairs"]) + len(run["unplaced"]) + len(run["left_out"]) == PILOT_COHORT
    assert run["pairs"], "the demo pool must have coach developers with places"
