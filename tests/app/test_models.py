"""Constraints live in the database: bad rows are refused and nothing is written."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.models import (
    DevelopmentPlan,
    Engagement,
    PlanNeed,
    SupporterProfile,
    SupportRole,
    User,
)


def _count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def _refused(session, *objects):
    """Add ``objects``, expect the database to refuse them, and roll back."""
    for obj in objects:
        session.add(obj)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


@pytest.mark.parametrize("field, value", [
    ("capacity", -1),
    ("travel_km", -5.0),
    ("years_coaching", -2),
    ("latitude", 123.0),
    ("bio", "x" * 5001),
])
def test_supporter_profile_rejects_out_of_range(session, make_user, field, value):
    user = make_user(roles=["supporter"])
    values = {"user_id": user.id, "latitude": 53.8, "longitude": -1.58, field: value}
    _refused(session, SupporterProfile(**values))
    assert _count(session, SupporterProfile) == 0


def test_latitude_without_longitude_is_refused(session, make_user):
    user = make_user(roles=["supporter"])
    _refused(session, SupporterProfile(user_id=user.id, latitude=53.8, longitude=None))
    assert _count(session, SupporterProfile) == 0


def test_emails_are_unique(session, make_user):
    make_user(email="sam@example.com")
    _refused(session, User(email="sam@example.com", display_name="Another Sam"))
    assert _count(session, User) == 1


def test_emails_are_stored_lower_case(session):
    _refused(session, User(email="Sam@Example.com", display_name="Sam"))
    assert _count(session, User) == 0


def test_foreign_keys_are_enforced(session):
    _refused(session, SupporterProfile(user_id=999_999))
    assert _count(session, SupporterProfile) == 0


def test_one_supporter_profile_per_user(session, make_supporter):
    first = make_supporter()
    _refused(session, SupporterProfile(user_id=first.user_id))
    assert _count(session, SupporterProfile) == 1


def test_one_active_engagement_per_pair_and_role(session, make_user, make_supporter):
    coach = make_user(roles=["coach"])
    supporter = make_supporter()
    role = session.scalar(sa.select(SupportRole).where(SupportRole.key == "mentor"))
    today = date.today()

    def engagement(**fields):
        return Engagement(coach_id=coach.id, supporter_id=supporter.id, role_id=role.id,
                          started_on=today, **fields)

    session.add(engagement(status="closed", ended_on=today))
    session.add(engagement())
    session.commit()
    _refused(session, engagement())
    assert _count(session, Engagement) == 2


def test_engagement_status_must_be_known(session, make_user, make_supporter):
    coach = make_user(roles=["coach"])
    supporter = make_supporter()
    role = session.scalar(sa.select(SupportRole).where(SupportRole.key == "mentor"))
    _refused(session, Engagement(coach_id=coach.id, supporter_id=supporter.id,
                                 role_id=role.id, started_on=date.today(), status="maybe"))
    assert _count(session, Engagement) == 0


def test_plan_must_end_after_it_starts(session, make_user):
    coach = make_user(roles=["coach"])
    today = date.today()
    _refused(session, DevelopmentPlan(coach_id=coach.id, starts_on=today,
                                      ends_on=today - timedelta(days=1)))
    assert _count(session, DevelopmentPlan) == 0


def test_plan_need_priority_is_one_to_five(session, make_user):
    coach = make_user(roles=["coach"])
    plan = DevelopmentPlan(coach_id=coach.id)
    session.add(plan)
    session.commit()
    from app.models import Need

    need = session.scalar(sa.select(Need).limit(1))
    _refused(session, PlanNeed(plan_id=plan.id, need_id=need.id, priority=9))
    assert _count(session, PlanNeed) == 0


def test_unknown_user_role_is_refused(session):
    from app.models import UserRole

    user = User(email="x@example.com", display_name="X")
    user.roles = [UserRole(role="superuser")]
    _refused(session, user)
    assert _count(session, User) == 0


def test_deleting_a_user_removes_their_profile(session, make_supporter):
    profile = make_supporter()
    session.delete(session.get(User, profile.user_id))
    session.commit()
    assert _count(session, SupporterProfile) == 0


def test_search_changes_bump_the_data_version(session, make_supporter):
    from app.services.data_version import current_version

    before = current_version(session)
    profile = make_supporter()
    after_create = current_version(session)
    assert after_create > before

    profile.capacity = 5
    session.commit()
    assert current_version(session) > after_create

    unchanged = current_version(session)
    session.commit()
    assert current_version(session) == unchanged
