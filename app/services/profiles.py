"""Supporter profiles: saving, verification, pausing, and the owner's view.

A new profile, or a change to what the public sees or to the safeguarding and
licence dates, puts the profile in the admins' verification queue, and it is
not searchable until an admin verifies it. Operational changes (pausing,
capacity, travel distance, online, visibility) need no verification.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import EventGroup, Need, SupporterProfile, SupportRole, User
from app.services import audit, mailer
from app.services.capacity import lock_supporter, places_left
from app.services.eligibility import supporter_status
from app.services.permissions import require_admin
from app.services.profile_fields import (
    by_keys,
    locate,
    location_text,
    place_publicly,
    qualification_of,
    require_role,
    sanitise_bio,
    stored_location,
)
from app.services.request_closing import close_waiting


def supporter_profile(session: Session, user: User) -> SupporterProfile | None:
    """Return ``user``'s own supporter profile, if they have one."""
    return session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))


def _public_content(profile: SupporterProfile) -> tuple:
    """What an admin checks: everything the public sees, and the certificates."""
    return (
        tuple(r.key for r in profile.roles), tuple(g.key for g in profile.event_groups),
        tuple(n.key for n in profile.expertise), profile.qualification_id,
        profile.years_coaching, profile.club or "", profile.bio or "",
        profile.latitude, profile.longitude, profile.postcode,
        profile.safeguarding_expires_on, profile.licence_expires_on,
    )


def save_supporter_profile(session: Session, user: User, data: dict, *,
                           now: datetime | None = None) -> SupporterProfile:
    """Create or update ``user``'s supporter profile from validated ``data``."""
    now = now or datetime.now(UTC)
    require_role(user, "supporter", "offer support")
    profile = supporter_profile(session, user)
    created = profile is None
    before = None if created else _public_content(profile)
    if created:
        profile = SupporterProfile(user_id=user.id, visible=True, paused=False)
        session.add(profile)

    if "roles" in data:
        profile.roles = by_keys(session, SupportRole, data["roles"], "roles")
    if "event_groups" in data:
        profile.event_groups = by_keys(session, EventGroup, data["event_groups"],
                                        "event_groups")
    if "expertise" in data:
        profile.expertise = by_keys(session, Need, data["expertise"], "expertise")
    if "qualification" in data:
        profile.qualification = qualification_of(session, data["qualification"])
    if "search_area" in data and data["search_area"] != profile.search_area:
        profile.search_area = data["search_area"]
        if profile.latitude is not None:
            place_publicly(profile, stored_location(profile))
    if "location" in data or created:
        locate(session, profile, data.get("location"))
    if "bio" in data:
        profile.bio = sanitise_bio(data["bio"])
    if "club" in data:
        profile.club = (data["club"] or "").strip() or None
    for name in ("years_coaching", "travel_km", "offers_online", "capacity",
                 "safeguarding_expires_on", "licence_expires_on", "visible"):
        if name in data:
            setattr(profile, name, data[name])
    if not profile.roles:
        raise InvalidInput("Choose the support you offer.",
                           errors={"roles": ["Choose at least one kind of support."]})
    profile.last_active_at = now
    session.flush()

    if not created and _takes_no_coaches(profile, now.date()):
        # Hidden, or a check or licence dated in the past: waiting coaches are
        # told at once, kindly, to look elsewhere.
        close_waiting(session, lock_supporter(session, profile.id), now)

    if created or _public_content(profile) != before:
        submit_for_verification(session, profile, user, now=now, new=created)
    return profile


def submit_for_verification(session: Session, profile: SupporterProfile, actor: User, *,
                            now: datetime, new: bool = False, what: str = "profile") -> None:
    """Put a profile whose public content changed in the admins' verification queue."""
    was_verified = profile.verified_at is not None
    profile.verified_at = None
    profile.verified_by_id = None
    profile.submitted_at = now
    audit.record(session, "profile.submitted_for_verification", actor=actor, subject=profile,
                 details={"new": new, "was_verified": was_verified, "changed": what})


def _takes_no_coaches(profile: SupporterProfile, today: date) -> bool:
    return (not profile.visible or profile.paused
            or profile.safeguarding_expires_on is None or profile.safeguarding_expires_on < today
            or profile.licence_expires_on is None or profile.licence_expires_on < today)


def pause(session: Session, user: User, reason: str | None, *,
          now: datetime | None = None) -> SupporterProfile:
    """Take ``user`` out of search for now (full, injured, on holiday...).

    Coaches waiting for an answer are told at once, kindly, to look elsewhere.
    """
    now = now or datetime.now(UTC)
    profile = lock_supporter(session, _own_profile(session, user).id)
    profile.paused = True
    profile.paused_reason = (reason or "").strip()[:200] or "Paused by the supporter."
    profile.last_active_at = now
    audit.record(session, "profile.paused", actor=user, subject=profile)
    close_waiting(session, profile, now)
    return profile


def unpause(session: Session, user: User, *, now: datetime | None = None) -> SupporterProfile:
    """Put ``user`` back in search; also confirms they are still available."""
    profile = _own_profile(session, user)
    profile.paused = False
    profile.paused_reason = None
    profile.missed_in_a_row = 0
    profile.last_active_at = now or datetime.now(UTC)
    audit.record(session, "profile.unpaused", actor=user, subject=profile)
    return profile


def _own_profile(session: Session, user: User) -> SupporterProfile:
    profile = supporter_profile(session, user)
    if profile is None:
        raise NotFound("You have no supporter profile yet.")
    return profile


def verification_queue(session: Session, admin: User) -> list[SupporterProfile]:
    """Return the profiles waiting for an admin's verification, oldest first."""
    require_admin(admin)
    return list(session.scalars(
        select(SupporterProfile)
        .where(SupporterProfile.verified_at.is_(None), SupporterProfile.submitted_at.is_not(None))
        .join(User, User.id == SupporterProfile.user_id).where(User.deleted_at.is_(None))
        .options(selectinload(SupporterProfile.user), selectinload(SupporterProfile.roles),
                 selectinload(SupporterProfile.event_groups),
                 selectinload(SupporterProfile.expertise))
        .order_by(SupporterProfile.submitted_at, SupporterProfile.id)))


def verify_supporter(session: Session, admin: User, profile_id: int, *,
                     now: datetime | None = None) -> SupporterProfile:
    """Verify a queued profile: from now on it may appear in search."""
    now = now or datetime.now(UTC)
    require_admin(admin, "No profile with that id is waiting for verification.")
    profile = session.get(SupporterProfile, profile_id)
    if profile is None or profile.user.deleted_at is not None:
        raise NotFound("No profile with that id is waiting for verification.")
    if profile.verified_at is not None:
        raise Conflict("This profile is verified already.")
    if profile.user.email_verified_at is None:
        raise Conflict("This supporter has not confirmed their email address yet.")
    profile.verified_at = now
    profile.verified_by_id = admin.id
    audit.record(session, "profile.verified", actor=admin, subject=profile,
                 details={"user_id": profile.user_id})
    mailer.queue(session, to=profile.user, kind="profile_verified",
                 subject="Your supporter profile is verified", template="profile_verified",
                 context={"profile": profile,
                          "url": mailer.absolute_url("web.supporter", supporter_id=profile.id)},
                 now=now)
    return profile


def supporter_view(session: Session, user: User, *, today: date | None = None) -> dict | None:
    """Return the owner's view of their supporter profile (None before they make one)."""
    today = today or date.today()
    profile = supporter_profile(session, user)
    if profile is None:
        return None
    notes = supporter_status(profile, today)
    return {
        "id": profile.id,
        "roles": [r.key for r in profile.roles],
        "event_groups": [g.key for g in profile.event_groups],
        "expertise": [n.key for n in profile.expertise],
        "qualification": profile.qualification.key if profile.qualification else None,
        "years_coaching": profile.years_coaching,
        "club": profile.club,
        "bio": profile.bio or "",
        "location": location_text(profile),
        "near": profile.outward_code,
        "place": profile.place_label,
        "search_area": profile.search_area,
        "travel_km": profile.travel_km,
        "offers_online": profile.offers_online,
        "capacity": profile.capacity,
        "places_left": max(places_left(session, profile), 0),
        "safeguarding_expires_on": profile.safeguarding_expires_on,
        "licence_expires_on": profile.licence_expires_on,
        "visible": profile.visible,
        "paused": profile.paused,
        "paused_reason": profile.paused_reason,
        "verified": profile.verified_at is not None,
        "awaiting_verification": profile.verified_at is None and profile.submitted_at is not None,
        "searchable": not notes,
        "notes": notes,
    }
