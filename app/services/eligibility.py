"""Who may appear in search: the safeguarding-first rule, in one place."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

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


def may_share_contact(profile: SupporterProfile, today: date) -> bool:
    """Return whether a supporter may exchange contact details with coaches today.

    The safeguarding rules of ``searchable`` that are about the person, checked
    again whenever contact details would be shown: verified, safeguarding check
    and licence in date, account open. Pausing or hiding from search does not
    end the relationships a supporter already has.
    """
    user = profile.user
    return (profile.verified_at is not None
            and profile.safeguarding_expires_on is not None
            and profile.safeguarding_expires_on >= today
            and profile.licence_expires_on is not None
            and profile.licence_expires_on >= today
            and user.active and user.deleted_at is None)


def is_searchable(session: Session, profile: SupporterProfile, today: date) -> bool:
    """Return whether a supporter may appear in search today, read from the database now.

    For every step that takes a place or shares contact details: never a cached
    index, which may be a moment behind.
    """
    return session.scalar(
        select(func.count()).select_from(SupporterProfile)
        .join(User, User.id == SupporterProfile.user_id)
        .where(SupporterProfile.id == profile.id, searchable(today))) == 1


def supporter_status(profile: SupporterProfile | None, today: date) -> list[str]:
    """Say in words why a profile is or is not in search today."""
    if profile is None:
        return ["You have no supporter profile yet."]
    notes = []
    if profile.verified_at is None:
        notes.append("Waiting for an admin to verify your profile: you are not in search yet.")
    for label, expires in (("safeguarding check", profile.safeguarding_expires_on),
                           ("licence", profile.licence_expires_on)):
        if expires is None:
            notes.append(f"Add your {label} expiry date: you are not in search without it.")
        elif expires < today:
            notes.append(f"Your {label} expired on {expires:%d %B %Y}: renew it to appear "
                         "in search again.")
    if profile.paused:
        notes.append(f"Paused: {profile.paused_reason or 'you are not taking requests.'}")
    if not profile.visible:
        notes.append("Hidden: you chose not to appear in search.")
    return notes
