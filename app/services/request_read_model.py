"""Support requests as their coach and supporter see them: the inbox and one request."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
    name_of,
)
from app.services import unanswered_reports
from app.services.eligibility import may_share_contact
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
    return {"received": [summary(r, user) for r in received],
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
