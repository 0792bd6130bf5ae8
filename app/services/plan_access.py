"""Who may see and change a development plan, and which plan is a coach's current one.

Decided here, in ``access``, for every use case on a plan (its content, the
reflective log, reviews, the caseload):

- the coach whose plan it is sees it and changes it;
- a supporter sees the plans of the coaches they support through an engagement
  (the engagement's plan, or the coach's current plan when the engagement names
  none): while the engagement is active they may propose changes, comment,
  record progress and reviews; once it is closed the plan is read-only to them;
- admins see every plan and change none;
- everyone else is told the plan does not exist (404).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound
from app.models import DevelopmentPlan, Engagement, SupporterProfile, User

#: A plan in one of these still changes; "completed" and "closed" are history.
OPEN_PLAN_STATUSES = ("draft", "active")
NOT_FOUND = "No development plan with that id."
DEFAULT_REVIEW_MONTHS = (3, 6, 9)


@dataclass(frozen=True)
class PlanAccess:
    """A plan as one person may use it."""

    plan: DevelopmentPlan
    side: str                              # "coach", "supporter" or "admin"
    mine: tuple[Engagement, ...]           # the actor's own engagements on it (supporters)
    active: tuple[Engagement, ...]         # every active engagement on the plan

    @property
    def can_change(self) -> bool:
        """Whether the actor takes part in the plan now (coach, or active supporter)."""
        if self.side == "coach":
            return True
        return self.side == "supporter" and any(e.status == "active" for e in self.mine)


def current_plan_id(session: Session, coach_id: int) -> int | None:
    """Return the id of the coach's open plan (the newest draft or active one)."""
    return session.scalar(
        select(DevelopmentPlan.id)
        .where(DevelopmentPlan.coach_id == coach_id,
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES))
        .order_by(DevelopmentPlan.id.desc()).limit(1))


def engagements_on(session: Session, plan: DevelopmentPlan) -> list[Engagement]:
    """Return every engagement (active or closed) through which the plan is shared.

    An engagement shares the plan it names; one that names no plan shares the
    coach's current plan.
    """
    condition = Engagement.plan_id == plan.id
    if current_plan_id(session, plan.coach_id) == plan.id:
        condition = or_(condition, Engagement.plan_id.is_(None))
    return list(session.scalars(
        select(Engagement).where(Engagement.coach_id == plan.coach_id, condition)
        .options(selectinload(Engagement.supporter).selectinload(SupporterProfile.user),
                 selectinload(Engagement.role))
        .order_by(Engagement.started_on, Engagement.id)))


def access(session: Session, actor: User, plan_id: int, *, change: bool = False,
           lock: bool = False) -> PlanAccess:
    """Return ``actor``'s access to the plan, or raise NotFound when they may not see it.

    With ``change``, the actor must take part in the plan now: a supporter whose
    engagement has ended, or an admin, is refused (409), as they may read it.
    With ``lock``, the plan's row is locked for the rest of the transaction, so
    two changes to one plan happen one after the other.
    """
    query = select(DevelopmentPlan).where(DevelopmentPlan.id == plan_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    plan = session.scalar(query)
    if plan is None:
        raise NotFound(NOT_FOUND)
    shared = engagements_on(session, plan)
    active = tuple(e for e in shared if e.status == "active")
    mine = tuple(e for e in shared if e.supporter.user_id == actor.id)
    if plan.coach_id == actor.id:
        found = PlanAccess(plan, "coach", (), active)
    elif mine:
        found = PlanAccess(plan, "supporter", mine, active)
    elif actor.has_role("admin"):
        found = PlanAccess(plan, "admin", (), active)
    else:
        raise NotFound(NOT_FOUND)
    if change and not found.can_change:
        if found.side == "admin":
            raise Conflict("Admins can read development plans but not change them: only the "
                           "coach and the supporters working with them can.")
        raise Conflict("Your work with this coach has ended, so their plan is read-only for "
                       "you now.")
    return found


def visible_plans(session: Session, actor: User) -> list[DevelopmentPlan]:
    """Return the plans ``actor`` takes part in: their own, then their coaches' (newest first)."""
    own = list(session.scalars(select(DevelopmentPlan).where(
        DevelopmentPlan.coach_id == actor.id).order_by(DevelopmentPlan.id.desc())))
    supported = session.scalars(
        select(Engagement).join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .where(SupporterProfile.user_id == actor.id)
        .order_by(Engagement.started_on.desc(), Engagement.id.desc())).all()
    seen = {p.id for p in own}
    plans = own
    for engagement in supported:
        plan_id = engagement.plan_id or current_plan_id(session, engagement.coach_id)
        if plan_id is not None and plan_id not in seen:
            seen.add(plan_id)
            plans.append(session.get(DevelopmentPlan, plan_id))
    return plans


def current_plan(session: Session, coach_id: int) -> DevelopmentPlan | None:
    """Return the coach's open plan (the newest draft or active one)."""
    plan_id = current_plan_id(session, coach_id)
    return session.get(DevelopmentPlan, plan_id) if plan_id is not None else None


# --- review points ---------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def default_review_dates(starts_on: date | None, ends_on: date | None) -> list[str]:
    """Review points at 3, 6 and 9 months after the start, those before the end."""
    if starts_on is None:
        return []
    dates = [add_months(starts_on, m) for m in DEFAULT_REVIEW_MONTHS]
    return [d.isoformat() for d in dates if ends_on is None or d < ends_on]
