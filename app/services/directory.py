"""Figures about the directory as a whole, for the home page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import SupporterProfile, SupportRole, User
from app.models.profiles import supporter_roles
from app.services.eligibility import searchable


def supporters_by_role(session: Session, today: date) -> list[dict]:
    """Count the verified, searchable supporters in each support role offered (not retired)."""
    counts = dict(session.execute(
        select(supporter_roles.c.role_id, func.count())
        .join(SupporterProfile, SupporterProfile.id == supporter_roles.c.supporter_id)
        .join(User, User.id == SupporterProfile.user_id)
        .where(searchable(today))
        .group_by(supporter_roles.c.role_id)
    ).all())
    roles = session.scalars(select(SupportRole).where(SupportRole.retired_at.is_(None))
                            .order_by(SupportRole.sort_order))
    return [{"key": r.key, "name": r.name, "description": r.description,
             "count": counts.get(r.id, 0)} for r in roles]


def searchable_supporter_count(session: Session, today: date) -> int:
    """Count the supporters a search can find today."""
    return session.scalar(
        select(func.count()).select_from(SupporterProfile)
        .join(User, User.id == SupporterProfile.user_id).where(searchable(today))) or 0


def public_profile(session: Session, supporter_id: int) -> dict:
    """Return a searchable supporter's public card, or raise NotFound.

    Supporters who may not appear in search (unverified, expired, paused,
    hidden) have no public profile either.
    """
    from app.services.search import index_cache

    card = index_cache().get(session).cards.get(supporter_id)
    if card is None:
        raise NotFound("No supporter with that id is available.")
    return card
