"""The search data version: bumped in the same transaction as any change that
affects search, so every worker's index notices it without a restart."""

from __future__ import annotations

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.models import (
    DataVersion,
    Engagement,
    EventGroup,
    Need,
    Qualification,
    RankingWeights,
    SupporterProfile,
    SupportRole,
    User,
    UserRole,
)

SEARCH_AFFECTING = (
    SupporterProfile, User, UserRole, SupportRole, EventGroup, Need, Qualification,
    Engagement, RankingWeights,
)


def current_version(session: Session) -> int:
    """Return the data version, or 0 when the counter row is missing."""
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def bump(session: Session) -> None:
    """Increase the data version (the row is created by the first migration)."""
    session.execute(update(DataVersion).where(DataVersion.id == 1)
                    .values(version=DataVersion.version + 1))


def _touches_search(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, SEARCH_AFFECTING):
            return True
    return any(isinstance(obj, SEARCH_AFFECTING) and session.is_modified(obj)
               for obj in session.dirty)


@event.listens_for(Session, "after_flush")
def _bump_after_search_changes(session: Session, flush_context) -> None:
    """Bump the version on every flush that changes search-relevant rows."""
    if _touches_search(session):
        bump(session)
