"""A supporter's places: the lock every change to them takes, and how many are left.

Places are capacity minus active engagements. Whatever takes a place (accepting
a request, publishing an allocation) or closes requests locks the supporter's
row first (``lock_supporter``): one order for every writer, so accepts for one
supporter run one at a time and never overfill, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Engagement, SupporterProfile


def lock_supporter(session: Session, supporter_id: int) -> SupporterProfile:
    """Lock the supporter's row: every change to their requests and places takes it first.

    One order for every writer (supporter row, then request rows) means no
    deadlocks, and accepts for one supporter run one at a time.
    """
    return session.scalar(select(SupporterProfile).where(SupporterProfile.id == supporter_id)
                          .with_for_update().execution_options(populate_existing=True))


def active_engagements(session: Session, supporter_id: int) -> int:
    """Return how many coaches the supporter works with now."""
    return session.scalar(select(func.count()).select_from(Engagement).where(
        Engagement.supporter_id == supporter_id, Engagement.status == "active")) or 0


def places_left(session: Session, profile: SupporterProfile) -> int:
    """Return the supporter's capacity minus their active engagements (may be negative)."""
    return profile.capacity - active_engagements(session, profile.id)


def active_engagements_by_supporter(session: Session) -> dict[int, int]:
    """Return each engaged supporter's number of active engagements."""
    return dict(session.execute(
        select(Engagement.supporter_id, func.count())
        .where(Engagement.status == "active").group_by(Engagement.supporter_id)).all())
