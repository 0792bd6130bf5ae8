"""Supporter profiles: saving, pausing, and the owner's view.

A new profile waits for an admin's verification before it is searchable. Later
changes to what an admin checks (see ``profile_changes``) wait beside the
verified version, which stays public. Operational changes (place, pausing,
capacity, travel distance, online, visibility) need no verification.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.models import EventGroup, Need, SupporterProfile, SupportRole, User
from app.services import audit, profile_changes
from app.services.capacity import lock_supporter, places_left
from app.services.eligibility import supporter_status
from app.services.profile_fields import (
    by_keys,
    locate,
    location_text,
    place_publicly,
    public_town,
    qualification_of,
    require_role,
    sanitise_bio,
    stored_location,
)
from app.services.request_closing import close_waiting
from app.services.waitlists import offer_open_places


def supporter_profile(session: Session, user: User) -> SupporterProfile | None:
    """Return ``user``'s own supporter profile, if they have one."""
    return session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))


def save_supporter_profile(session: Session, user: User, data: dict, *,
                           now: datetime | None = None) -> SupporterProfile:
    """Create or update ``user``'s supporter profile from validated ``data``.

    Operational fields (place, travel, capacity, online, visibility) change at
    once; what an admin checks waits beside the verified version (see
    ``profile_changes.stage``).
    """
    now = now or datetime.now(UTC)
    require_role(user, "supporter", "offer support")
    profile = supporter_profile(session, user)
    created = profile is None
    wanted = _checked_fields(session, data, profile)
    if not wanted.get("roles", [] if created else [r.key for r in profile.roles]):
        raise InvalidInput("Choose the support you offer.",
                           errors={"roles": ["Choose at least one kind of support."]})
    if created:
        profile = SupporterProfile(user_id=user.id, visible=True, paused=False)
        session.add(profile)

    if "search_area" in data and data["search_area"] != profile.search_area:
        profile.search_area = data["search_area"]
        if profile.latitude is not None:
            place_publicly(profile, stored_location(profile))
    if "location" in data or created:
        locate(session, profile, data.get("location"))
    for name in ("travel_km", "offers_online", "capacity", "visible"):
        if name in data:
            setattr(profile, name, data[name])
    profile.last_active_at = now
    session.flush()
    profile_changes.stage(session, profile, user, wanted, now=now, created=created)

    if not created and _takes_no_coaches(profile, now.date()):
        # Hidden, or a check or licence dated in the past: waiting coaches are
        # told at once, kindly, to look elsewhere.
        close_waiting(session, lock_supporter(session, profile.id), now)
    elif not created:
        # More places, perhaps: the waitlist hears of any that opened.
        offer_open_places(session, profile, now=now)
    return profile


def _checked_fields(session: Session, data: dict, profile: SupporterProfile | None) -> dict:
    """Return the submitted fields an admin checks, validated, as a change stores them.

    A retired taxonomy item the profile holds (verified or waiting) may stay;
    one chosen anew is refused.
    """
    held = {field: [] for field in ("roles", "event_groups", "expertise", "qualification")}
    if profile is not None:
        verified = profile_changes.verified_content(profile)
        change = profile_changes.open_change(session, profile)
        for field in held:
            for source in (verified, change.proposed if change else {}):
                value = source.get(field)
                held[field] += value if isinstance(value, list) else [value] if value else []
    wanted = {}
    for field, model in (("roles", SupportRole), ("event_groups", EventGroup),
                         ("expertise", Need)):
        if field in data:
            rows = by_keys(session, model, data[field], field, held=held[field])
            # In taxonomy order, as the profile reads them: the same set is no change.
            wanted[field] = [row.key for row in sorted(rows, key=lambda r: (r.sort_order, r.id))]
    if "qualification" in data:
        qualification = qualification_of(session, data["qualification"],
                                          held=held["qualification"])
        wanted["qualification"] = qualification.key if qualification else None
    if "years_coaching" in data:
        wanted["years_coaching"] = data["years_coaching"]
    if "club" in data:
        wanted["club"] = (data["club"] or "").strip()
    if "bio" in data:
        wanted["bio"] = sanitise_bio(data["bio"])
    for name in profile_changes.EXPIRY_FIELDS:
        if name in data:
            wanted[name] = data[name].isoformat() if data[name] else None
    return wanted


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
    offer_open_places(session, profile, now=profile.last_active_at)
    return profile


def _own_profile(session: Session, user: User) -> SupporterProfile:
    profile = supporter_profile(session, user)
    if profile is None:
        raise NotFound("You have no supporter profile yet.")
    return profile


def supporter_view(session: Session, user: User, *, today: date | None = None) -> dict | None:
    """Return the owner's view of their supporter profile (None before they make one)."""
    today = today or date.today()
    profile = supporter_profile(session, user)
    if profile is None:
        return None
    notes = supporter_status(profile, today)
    searchable = not notes
    changes = profile_changes.owner_view(session, profile)
    waiting = changes["pending_change"] is not None and \
        changes["pending_change"]["status"] == "pending"
    if profile.verified_at is None and not waiting:
        # Not waiting for an admin but for the supporter: say so, not "waiting".
        notes = [n for n in notes if not n.startswith("Waiting for an admin")]
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
        "place": public_town(profile.outward_code, profile.place_label),
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
        "awaiting_verification": waiting,
        **changes,
        "searchable": searchable,
        "notes": profile_changes.owner_notes(changes) + notes,
    }
