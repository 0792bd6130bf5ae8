"""Support requests as their coach and supporter see them: the inbox and one request."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import geodata
from app.models import (
    CoachProfile,
    Engagement,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
    name_of,
)
from app.services import geocoding, unanswered_reports
from app.services.eligibility import may_share_contact
from app.services.profile_fields import public_town
from app.services.support_requests import CONTACT_WITHHELD, visible_request


def inbox(session: Session, user: User) -> dict:
    """Return the user's received and sent requests, newest first."""
    base = (select(SupportRequest)
            .options(selectinload(SupportRequest.coach), selectinload(SupportRequest.role),
                     selectinload(SupportRequest.supporter).selectinload(SupporterProfile.user))
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc()))
    received = session.scalars(base.join(SupporterProfile,
                                         SupporterProfile.id == SupportRequest.supporter_id)
                               .where(SupporterProfile.user_id == user.id)).all()
    sent = session.scalars(base.where(SupportRequest.coach_id == user.id)).all()
    contexts = coach_contexts(session, list(received))
    return {"received": [{**summary(r, user), "coach_context": contexts[r.id]}
                         for r in received],
            "sent": [summary(r, user) for r in sent]}


def summary(support_request: SupportRequest, viewer: User, *,
            today: date | None = None) -> dict:
    """The request as ``viewer`` may see it; contact details only once accepted.

    And only while the supporter may share them: their safeguarding check,
    licence and verification are checked again every time.
    """
    today = today or date.today()
    coach = support_request.coach
    supporter_user = support_request.supporter.user
    as_supporter = supporter_user.id == viewer.id
    other = coach if as_supporter else supporter_user
    contact = withheld = None
    if support_request.status == "accepted":
        if may_share_contact(support_request.supporter, today):
            contact = {"name": other.display_name, "email": other.email, "phone": other.phone}
        else:
            withheld = CONTACT_WITHHELD.format(name=support_request.supporter.shown_name)
    return {
        "id": support_request.id,
        "status": support_request.status,
        "status_reason": support_request.status_reason,
        "your_side": "supporter" if as_supporter else "coach",
        "role": {"key": support_request.role.key, "name": support_request.role.name},
        "coach": {"name": coach.display_name},
        "supporter": {"id": support_request.supporter_id,
                      "name": support_request.supporter.shown_name,
                      "near": support_request.supporter.outward_code},
        "message": support_request.message,
        "created_at": support_request.created_at,
        "expires_at": support_request.expires_at,
        "responded_at": support_request.responded_at,
        "closed_at": support_request.closed_at,
        "contact": contact,
        "contact_withheld": withheld,
        "coach_context": None,  # the supporter's views fill it in (see coach_contexts)
    }


def detail(session: Session, user: User, request_id: int) -> dict:
    """Return one request with its messages and, if shared, the plan."""
    support_request = visible_request(session, user, request_id)
    view = summary(support_request, user)
    messages = session.scalars(select(RequestMessage).where(
        RequestMessage.request_id == support_request.id).order_by(RequestMessage.created_at,
                                                                 RequestMessage.id)).all()
    supporter = support_request.supporter
    view["messages"] = [{"from": "you" if m.author_id == user.id else
                         supporter.shown_name if m.author_id == supporter.user_id else
                         name_of(m.author),
                         "body": m.body, "at": m.created_at} for m in messages]
    view["plan"] = _plan_view(session, support_request)
    view["coach_context"] = (coach_contexts(session, [support_request])[support_request.id]
                             if view["your_side"] == "supporter" else None)
    view["can"] = _allowed_actions(support_request, user)
    view["unanswered_report"] = unanswered_reports.coach_view(session, user, support_request)
    return view


def _plan_view(session: Session, support_request: SupportRequest) -> dict | None:
    from app.models import DevelopmentPlan

    if support_request.plan_id is None:
        return None
    plan = session.get(DevelopmentPlan, support_request.plan_id)
    if plan is None:
        return None
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
    return {"title": plan.title,
            "needs": [{"name": pn.need.name, "priority": pn.priority} for pn in needs],
            "goals": [{"title": g.title, "target_date": g.target_date} for g in plan.goals]}


def _allowed_actions(support_request: SupportRequest, user: User) -> list[str]:
    if support_request.status != "pending":
        return []
    if support_request.supporter.user_id == user.id:
        return ["accept", "decline", "ask"]
    return ["reply", "withdraw"]


def coach_contexts(session: Session, requests: list[SupportRequest]) -> dict[int, dict]:
    """What a supporter needs to judge each request: the coach's area, distance and level.

    The area is the coach's outward code (and town), never their postcode; the
    distance runs between both sides' coarse search points (sector centres) and
    is rounded to the whole km as search shows it, so it says no more about
    where the coach is than the area does. Needs are those of the plan the
    coach shared with the request, most important first. Two queries in all.
    """
    from app.models import DevelopmentPlan, PlanNeed

    coach_ids = {r.coach_id for r in requests}
    profiles = {p.user_id: p for p in session.scalars(select(CoachProfile).where(
        CoachProfile.user_id.in_(coach_ids)).options(
        selectinload(CoachProfile.qualification),
        selectinload(CoachProfile.event_groups)))} if coach_ids else {}
    plan_ids = {r.plan_id for r in requests if r.plan_id is not None}
    plans = {p.id: p for p in session.scalars(select(DevelopmentPlan).where(
        DevelopmentPlan.id.in_(plan_ids)).options(
        selectinload(DevelopmentPlan.needs).selectinload(PlanNeed.need)))} if plan_ids else {}
    return {r.id: _coach_context(r, profiles.get(r.coach_id), plans.get(r.plan_id))
            for r in requests}


def _coach_context(support_request: SupportRequest, profile: CoachProfile | None,
                   plan) -> dict:
    supporter = support_request.supporter
    context = {"near": None, "place": None, "distance_km": None, "qualification": None,
               "event_groups": [], "needs": []}
    if profile is not None:
        context.update(
            near=profile.outward_code, place=public_town(profile.outward_code,
                                                         profile.place_label),
            qualification=profile.qualification.name if profile.qualification else None,
            event_groups=[{"key": g.key, "name": g.name} for g in profile.event_groups])
        if profile.latitude is not None and supporter.search_latitude is not None:
            point = geocoding.search_position(geocoding.stored_location(
                profile.latitude, profile.longitude, profile.postcode, profile.country))
            km = geodata.haversine_km(point.lat, point.lon, supporter.search_latitude,
                                      supporter.search_longitude)
            context["distance_km"] = float(max(1, round(km)))
    if plan is not None:
        needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
        context["needs"] = [{"name": pn.need.name, "priority": pn.priority} for pn in needs]
    return context


def coach_standing(session: Session, coach: User, supporter_id: int, *,
                   now: datetime | None = None) -> dict | None:
    """Where ``coach`` stands with a supporter: their own profile, a request waiting, work
    together under way, or None (nothing between them: a request may be sent).
    """
    supporter = session.get(SupporterProfile, supporter_id)
    if supporter is None:
        return None
    if supporter.user_id == coach.id:
        return {"state": "self"}
    waiting = session.scalar(select(SupportRequest).where(
        SupportRequest.coach_id == coach.id, SupportRequest.supporter_id == supporter_id,
        SupportRequest.status == "pending").order_by(SupportRequest.created_at.desc()).limit(1))
    if waiting is not None:
        now = now or datetime.now(UTC)
        sent = waiting.created_at if waiting.created_at.tzinfo else waiting.created_at.replace(
            tzinfo=UTC)
        return {"state": "waiting", "request_id": waiting.id, "sent_at": waiting.created_at,
                "days_ago": max(0, (now.date() - sent.date()).days),
                "role": waiting.role.name}
    working = session.scalar(select(Engagement).where(
        Engagement.coach_id == coach.id, Engagement.supporter_id == supporter_id,
        Engagement.status == "active").order_by(Engagement.id.desc()).limit(1))
    if working is not None:
        return {"state": "accepted", "request_id": working.request_id,
                "role": working.role.name}
    return None
