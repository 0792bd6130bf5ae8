"""Who may appear in search: the safeguarding-first rule, in one place."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_

from app.models import SupporterProfile, User


def searchable(today: date) -> ColumnElement[bool]:
    """Return the SQL condition for a supporter who may appear in search today.

    Verified by an admin, safeguarding check and licence in date (a date that
    has passed hides them that very day), visible, not paused, account active.
    """
    return and_(
        SupporterProfile.verified_at.is_not(None),
        SupporterProfile.safeguarding_expires_on >= today,
        SupporterProfile.licence_expires_on >= today,
        SupporterProfile.visible.is_(True),
        SupporterProfile.paused.is_(False),
        # Search places people at this coarse point, never at their address.
        SupporterProfile.search_latitude.is_not(None),
        User.active.is_(True),
        User.deleted_at.is_(None),
    )
