"""Supporter and coach profiles, the verification queue and search defaults.

A supporter's location is stored exactly (latitude, longitude, the postcode
typed) but only its outward code and nearest town are ever shown, and search
knows only the centroid of their postcode sector (or district, if they choose). A new
profile, or a change to what the public sees or to the safeguarding and
licence dates, puts the profile in the admins' verification queue, and it is
not searchable until an admin verifies it. Operational changes (pausing,
capacity, travel distance, online, visibility) need no verification.
"""

from __future__ import annotations

import functools
import html
import re
from datetime import UTC, date, datetime

import nh3
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import geodata
from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    CoachProfile,
    EventGroup,
    Need,
    Qualification,
    SupporterProfile,
    SupportRole,
    User,
)
from app.services import audit, geocoding, mailer, plans
from app.services.plan_access import current_plan, engagements_on

TOWN_MIN_POPULATION = 10_000
TOWN_REACH_KM = 30.0


# --- text and places ------------------------------------------------------------------


def sanitise_bio(text: str) -> str:
    """Return ``text`` as plain text: every tag removed (with nh3), entities decoded.

    The result never contains markup, even when entities spelled a tag
    (``&lt;script&gt;``): cleaning repeats until nothing changes. Pages and
    the API then escape it like any other text.
    """
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    for _ in range(5):
        cleaned = html.unescape(nh3.clean(value, tags=set(),
                                          clean_content_tags={"script", "style"}))
        if cleaned == value:
            break
        value = cleaned
    value = re.sub(r"\n{3,}", "\n\n", value)
    return value.strip()


def public_place(location: geodata.Location, *, area: str = "sector"
                 ) -> tuple[str | None, str | None]:
    """Return the public ``(outward code or ZIP area, town)`` for a private location.

    The town is the one nearest the public point search uses (``area``), never
    the exact position: two people in one sector get the same answer.
    """
    coarse = geodata.coarsen(location)
    if coarse.precision == "zip":  # "902xx, CA" -> "902xx"
        district = coarse.label.split(",")[0]
    else:
        district = coarse.outward_code or location.outward_code
    if location.precision == "place":
        return district, location.label.split(",")[0]
    return district, _nearest_town(geocoding.search_position(location, area))


def _nearest_town(location: geodata.Location) -> str | None:
    if location.country not in {"GB", "US"}:
        return None
    names, lats, lons = _towns(location.country)
    if not names:
        return None
    km = geodata.haversine_km(location.lat, location.lon, lats, lons)
    nearest = int(np.argmin(km))
    return names[nearest] if km[nearest] < TOWN_REACH_KM else None


@functools.lru_cache(maxsize=4)
def _towns(country: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the names and positions of a country's towns, as arrays (once per process)."""
    towns = geodata.places(country, min_population=TOWN_MIN_POPULATION)
    return ([t.name for t in towns], np.array([t.lat for t in towns]),
            np.array([t.lon for t in towns]))


def _locate(session: Session, profile, text: str | None) -> None:
    """Geocode ``text`` onto ``profile`` (exact privately, coarse publicly)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Enter where you are based.",
                           errors={"location": ["Enter a postcode, town or ZIP code."]})
    if text == _location_text(profile):
        return  # unchanged: keep the stored position
    location = geocoding.resolve_place(session, text, field="location").location
    profile.latitude, profile.longitude = location.lat, location.lon
    profile.postcode = location.postcode
    profile.country = location.country or "GB"
    _place_publicly(profile, location)


def _place_publicly(profile, location: geodata.Location) -> None:
    """Set the public area, town and (for a supporter) the position search uses."""
    area = getattr(profile, "search_area", None) or "sector"
    profile.outward_code, profile.place_label = public_place(location, area=area)
    if isinstance(profile, SupporterProfile):
        point = geocoding.search_position(location, area)
        profile.search_latitude, profile.search_longitude = point.lat, point.lon


def _stored_location(profile) -> geodata.Location:
    """Return the private location kept on a profile, as geodata understands it."""
    return geocoding.stored_location(profile.latitude, profile.longitude, profile.postcode,
                                     profile.country)


def _location_text(profile) -> str | None:
    """What the owner typed as their location, to show back in their form."""
    if profile is None:
        return None
    return profile.postcode or profile.place_label


# --- taxonomy lookups --------------------------------------------------------------------


def _by_keys(session: Session, model, keys, field: str) -> list:
    keys = list(dict.fromkeys(keys or []))
    rows = list(session.scalars(select(model).where(model.key.in_(keys)))) if keys else []
    found = {row.key for row in rows}
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise InvalidInput("Some choices are not known.",
                           errors={field: [f"Unknown: {', '.join(unknown)}."]})
    order = {k: i for i, k in enumerate(keys)}
    return sorted(rows, key=lambda row: order[row.key])


def _qualification(session: Session, key: str | None) -> Qualification | None:
    if not key:
        return None
    row = session.scalar(select(Qualification).where(Qualification.key == key))
    if row is None:
        raise InvalidInput("Unknown qualification.",
                           errors={"qualification": [f"Unknown qualification: {key}."]})
    return row


# --- supporter profiles -----------------------------------------------------------------


def supporter_profile(session: Session, user: User) -> SupporterProfile | None:
    """Return ``user``'s own supporter profile, if they have one."""
    return session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))


def _require_role(user: User, role: str, what: str) -> None:
    if not user.has_role(role):
        raise Conflict(f"Add the {role} role on your account page to {what}.",
                       errors={"roles": [f"Your account does not have the {role} role."]})


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
    _require_role(user, "supporter", "offer support")
    profile = supporter_profile(session, user)
    created = profile is None
    before = None if created else _public_content(profile)
    if created:
        profile = SupporterProfile(user_id=user.id, visible=True, paused=False)
        session.add(profile)

    if "roles" in data:
        profile.roles = _by_keys(session, SupportRole, data["roles"], "roles")
    if "event_groups" in data:
        profile.event_groups = _by_keys(session, EventGroup, data["event_groups"],
                                        "event_groups")
    if "expertise" in data:
        profile.expertise = _by_keys(session, Need, data["expertise"], "expertise")
    if "qualification" in data:
        profile.qualification = _qualification(session, data["qualification"])
    if "search_area" in data and data["search_area"] != profile.search_area:
        profile.search_area = data["search_area"]
        if profile.latitude is not None:
            _place_publicly(profile, _stored_location(profile))
    if "location" in data or created:
        _locate(session, profile, data.get("location"))
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
        from app.services.support_requests import close_waiting, lock_supporter

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
    from app.services.support_requests import close_waiting, lock_supporter

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
    if not admin.has_role("admin"):
        raise NotFound("Nothing was found at this address.")
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
    if not admin.has_role("admin"):
        raise NotFound("No profile with that id is waiting for verification.")
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
    from app.services.support_requests import places_left

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
        "location": _location_text(profile),
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


# --- coach profiles and plans -----------------------------------------------------------


def coach_profile(session: Session, user: User) -> CoachProfile | None:
    return session.scalar(select(CoachProfile).where(CoachProfile.user_id == user.id))


def save_coach_profile(session: Session, user: User, data: dict, *,
                       now: datetime | None = None) -> CoachProfile:
    """Create or update the coach's profile and their plan's needs and goals."""
    _require_role(user, "coach", "keep a coach profile")
    profile = coach_profile(session, user)
    if profile is None:
        profile = CoachProfile(user_id=user.id)
        session.add(profile)
    if "qualification" in data:
        profile.qualification = _qualification(session, data["qualification"])
    if "event_groups" in data:
        profile.event_groups = _by_keys(session, EventGroup, data["event_groups"],
                                        "event_groups")
    if "club" in data:
        profile.club = (data["club"] or "").strip() or None
    if "location" in data:
        if (data["location"] or "").strip():
            _locate(session, profile, data["location"])
        else:
            profile.latitude = profile.longitude = None
            profile.postcode = profile.outward_code = profile.place_label = None
    if "needs" in data or "goals" in data:
        # The plan's own use case: versioned, and refused once a supporter shares it.
        plans.edit_needs_and_goals(session, user, needs=data.get("needs"),
                                   goals=data.get("goals"), now=now)
    session.flush()
    return profile


def coach_view(session: Session, user: User) -> dict:
    """Return the coach's own profile and plan, for their form and the API."""
    profile = coach_profile(session, user)
    plan = current_plan(session, user.id)
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order)) if plan else []
    return {
        "qualification": profile.qualification.key if profile and profile.qualification
        else None,
        "event_groups": [g.key for g in profile.event_groups] if profile else [],
        "club": profile.club if profile else None,
        "location": _location_text(profile),
        "near": profile.outward_code if profile else None,
        "needs": [{"key": pn.need.key, "name": pn.need.name, "priority": pn.priority}
                  for pn in needs],
        "goals": [{"id": g.id, "title": g.title, "target_date": g.target_date}
                  for g in plan.goals] if plan else [],
        "plan_id": plan.id if plan else None,
        # Once supporters share the plan, its needs and goals change by proposal.
        "plan_shared_with": [e.supporter.user.display_name
                             for e in engagements_on(session, plan) if e.status == "active"]
        if plan else [],
    }


def search_defaults(session: Session, user: User) -> dict:
    """Return a signed-in coach's search, prefilled from their profile and plan.

    Keys match the search form: ``where``, ``event_groups``, ``needs`` (most
    important first, each with its plan priority: ``"periodisation:5"``),
    ``qualification``, ``club`` and ``goals``. Empty when the person is not a
    coach or has no profile.
    """
    if not user.has_role("coach"):
        return {}
    view = coach_view(session, user)
    defaults = {
        "where": view["location"],
        "event_groups": view["event_groups"],
        "needs": [f"{n['key']}:{n['priority']}" for n in view["needs"]],
        "qualification": view["qualification"],
        "club": view["club"],
        "goals": "; ".join(g["title"] for g in view["goals"]),
    }
    return {k: v for k, v in defaults.items() if v}
