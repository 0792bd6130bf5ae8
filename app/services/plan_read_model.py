"""A development plan as one person sees it: content, history, proposal, what they may do."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import DevelopmentPlan, PlanChange, PlanVersion, ReflectiveLogEntry, User, name_of
from app.models.plans import log_entry_goals
from app.services.eligibility import may_share_contact
from app.services.plan_access import OPEN_PLAN_STATUSES, PlanAccess, access, engagements_on
from app.services.plan_content import (
    GOAL_STATUS_NAMES,
    content_of,
    current_version,
    describe_changes,
)


def plan_view(session: Session, actor: User, plan_id: int, *,
              today: date | None = None) -> dict:
    """Return the plan as ``actor`` may see it, with what they may do with it."""
    from app.services.caseload import overdue_reviews

    today = today or date.today()
    found = access(session, actor, plan_id)
    plan = found.plan
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
    entries_per_goal = dict(session.execute(
        select(log_entry_goals.c.goal_id, func.count()).join(
            ReflectiveLogEntry, ReflectiveLogEntry.id == log_entry_goals.c.entry_id)
        .where(ReflectiveLogEntry.plan_id == plan.id)
        .group_by(log_entry_goals.c.goal_id)).all())
    from app.services.reflective_log import progress_history

    history = progress_history(session, plan)
    overdue = {r.id for r in overdue_reviews(plan.reviews, today)}
    waiting = session.scalar(select(PlanChange).where(PlanChange.plan_id == plan.id,
                                                      PlanChange.status == "proposed"))
    versions = session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                               .options(selectinload(PlanVersion.author))
                               .order_by(PlanVersion.number.desc())).all()
    open_plan = plan.status in OPEN_PLAN_STATUSES
    can_change = found.can_change and open_plan
    can = []
    if found.side == "coach" and open_plan and not found.active:
        can.append("edit")
    if can_change and found.active and waiting is None:
        can.append("propose")
    if can_change:
        can += ["progress", "comment"]
    if found.side == "coach" and open_plan:
        can.append("log")
    if found.side == "supporter" and can_change:
        can.append("review")
    parties = found.side in ("coach", "supporter")
    engagements = engagements_on(session, plan)
    shared = {e.id: parties and e.status == "active" and may_share_contact(e.supporter, today)
              for e in engagements}
    own = [e for e in engagements if e.supporter.user_id == actor.id and e.status == "active"]
    coach_contact = found.side == "supporter" and any(shared[e.id] for e in own)
    return {
        "id": plan.id,
        "title": plan.title,
        "status": plan.status,
        "programme": plan.programme,
        "outcome": plan.outcome,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "version": versions[0].number if versions else 0,
        "your_side": found.side,
        "can": can,
        # Contact details, between the parties only, and only while the supporter's
        # safeguarding check, licence and verification are current.
        "coach": {"id": plan.coach_id, "name": plan.coach.display_name,
                  "email": plan.coach.email if coach_contact else None,
                  "phone": plan.coach.phone if coach_contact else None},
        "supporters": [{
            "engagement_id": e.id, "name": e.supporter.user.display_name,
            "role": {"key": e.role.key, "name": e.role.name}, "status": e.status,
            "started_on": e.started_on, "ended_on": e.ended_on, "outcome": e.outcome,
            "email": e.supporter.user.email if shared[e.id] else None,
            "phone": e.supporter.user.phone if shared[e.id] else None,
        } for e in engagements],
        "needs": [{"key": pn.need.key, "name": pn.need.name, "priority": pn.priority}
                  for pn in needs],
        "goals": [{
            "id": g.id, "title": g.title, "success_measure": g.success_measure or "",
            "target_date": g.target_date, "status": g.status,
            "status_name": GOAL_STATUS_NAMES[g.status],
            "entries": entries_per_goal.get(g.id, 0),
            "progress": history.get(g.id, []),
        } for g in sorted(plan.goals, key=lambda g: g.id)],
        "reviews": [{
            "id": r.id, "due_on": r.due_on, "held_on": r.held_on, "notes": r.notes or "",
            "reviewer": _name_of(session, r.reviewer_id), "overdue": r.id in overdue,
        } for r in plan.reviews],
        "proposal": _change_view(session, waiting, plan, actor, found) if waiting else None,
        "versions": [{"number": v.number, "at": v.created_at, "summary": v.summary or [],
                      "author": name_of(v.author),
                      "proposal_id": v.change_id} for v in versions],
        "content": content_of(plan),
        "today": today,
    }


def _name_of(session: Session, user_id: int | None) -> str | None:
    """Return a person's display name (None when there is nobody)."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user else None


def _change_view(session: Session, change: PlanChange, plan: DevelopmentPlan, actor: User,
                 found: PlanAccess) -> dict:
    stale = change.base_version != current_version(session, plan)
    decides = (found.can_change and change.proposed_by_id != actor.id
               and change.proposer_side != found.side)
    return {
        "id": change.id,
        "status": change.status,
        "proposer_side": change.proposer_side,
        "proposed_by": name_of(change.proposed_by),
        "note": change.note or "",
        "created_at": change.created_at,
        "summary": describe_changes(session, content_of(plan), change.content),
        "out_of_date": stale,
        "can": (["reject"] if stale else ["accept", "reject"]) if decides else
               (["withdraw"] if change.proposed_by_id == actor.id else []),
        "content": change.content,
    }


def changes(session: Session, actor: User, plan_id: int) -> list[dict]:
    """Return every proposal made on the plan, newest first."""
    found = access(session, actor, plan_id)
    rows = session.scalars(select(PlanChange).where(PlanChange.plan_id == found.plan.id)
                           .order_by(PlanChange.id.desc())).all()
    return [{
        "id": c.id, "status": c.status, "proposer_side": c.proposer_side,
        "proposed_by": name_of(c.proposed_by),
        "note": c.note or "", "created_at": c.created_at, "base_version": c.base_version,
        "decided_by": c.decided_by.display_name if c.decided_by else None,
        "decided_at": c.decided_at, "decision_note": c.decision_note, "content": c.content,
    } for c in rows]
