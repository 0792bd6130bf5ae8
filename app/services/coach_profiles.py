"""Coach profiles: what a coach tells us once, so every search starts from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CoachProfile, EventGroup, User
from app.services import plans
from app.services.plan_access import current_plan, engagements_on
from app.services.profile_fields import (
    by_keys,
    locate,
    location_text,
    qualification_of,
    require_role,
)


def coach_profile(session: Session, user: User) -> CoachProfile | None:
    return session.scalar(select(CoachProfile).where(CoachProfile.user_id == user.id))


def save_coach_profile(session: Session, user: User, data: dict, *,
                       now: datetime | None = None) -> CoachProfile:
    """Create or update the coach's profile and their plan's needs and goals."""
    require_role(user, "coach", "keep a coach profile")
    profile = coach_profile(session, user)
    if profile is None:
        profile = CoachProfile(user_id=user.id)
        session.add(profile)
    # What the profile holds may stay even once retired; nothing retired is chosen anew.
    if "qualification" in data:
        profile.qualification = qualification_of(session, data["qualification"],
                                                 held=[profile.qualification])
    if "event_groups" in data:
        profile.event_groups = by_keys(session, EventGroup, data["event_groups"],
                                        "event_groups", held=profile.event_groups)
    if "club" in data:
        profile.club = (data["club"] or "").strip() or None
    if "location" in data:
        if (data["location"] or "").strip():
            locate(session, profile, data["location"])
        else:
            profile.latitude = profile.longitude = None
            profile.postcode = profile.outward_code = profile.place_label = None
    if "needs" in data or "goals" in data:
        # The plan's own use case: versioned, and refused once a supporter shares it.
        plans.edit_needs_and_goals(session, user, needs=data.get("needs"),
                                   goals=data.get("goals"), now=now)
    session.flush()
    return profile


def coach_view(session: Session, user: User, *, with_sharing: bool = True) -> dict:
    """Return the coach's own profile and plan, for their form and the API."""
    profile = coach_profile(session, user)
    plan = current_plan(session, user.id)
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order)) if plan else []
    return {
        "qualification": profile.qualification.key if profile and profile.qualification
        else None,
        "event_groups": [g.key for g in profile.event_groups] if profile else [],
        "club": profile.club if profile else None,
        "location": location_text(profile),
        "near": profile.outward_code if profile else None,
        "needs": [{"key": pn.need.key, "name": pn.need.name, "priority": pn.priority}
                  for pn in needs],
        "goals": [{"id": g.id, "title": g.title, "target_date": g.target_date}
                  for g in plan.goals] if plan else [],
        "plan_id": plan.id if plan else None,
        # Once supporters share the plan, its needs and goals change by proposal.
        "plan_shared_with": [e.supporter.user.display_name
                             for e in engagements_on(session, plan) if e.status == "active"]
        if plan and with_sharing else [],
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
    view = coach_view(session, user, with_sharing=False)  # every search page: no extra query
    defaults = {
        "where": view["location"],
        "event_groups": view["event_groups"],
        "needs": [f"{n['key']}:{n['priority']}" for n in view["needs"]],
        "qualification": view["qualification"],
        "club": view["club"],
        "goals": "; ".join(g["title"] for g in view["goals"]),
    }
    return {k: v for k, v in defaults.items() if v}
