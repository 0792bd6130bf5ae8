"""A coach's record of mentoring and informal learning, for relicensing.

Mentoring and informal learning count toward a coach's licence renewal: the
record lists every engagement (role, supporter, dates), every reflective log
entry (date, minutes, goals), the goals achieved and the totals. Only the coach
sees their own record; as a CSV file and as a printable page.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound
from app.models import (
    DevelopmentPlan,
    Engagement,
    GoalProgress,
    PlanGoal,
    ReflectiveLogEntry,
    SupporterProfile,
    User,
)
from app.services.csv_files import cell

CSV_COLUMNS = ("section", "date", "until", "role", "supporter", "minutes", "goals", "detail")


def record(session: Session, actor: User, *, today: date | None = None) -> dict:
    """Return the coach's own record; anyone without the coach role gets 404."""
    today = today or date.today()
    if not actor.has_role("coach"):
        raise NotFound("Only coaches have a mentoring and learning record.")
    engagements = session.scalars(
        select(Engagement).where(Engagement.coach_id == actor.id)
        .options(selectinload(Engagement.role),
                 selectinload(Engagement.supporter).selectinload(SupporterProfile.user))
        .order_by(Engagement.started_on, Engagement.id)).all()
    plans = session.scalars(select(DevelopmentPlan).where(DevelopmentPlan.coach_id == actor.id)
                            .order_by(DevelopmentPlan.id)).all()
    plan_ids = [p.id for p in plans]
    entries = session.scalars(
        select(ReflectiveLogEntry).where(ReflectiveLogEntry.plan_id.in_(plan_ids))
        .options(selectinload(ReflectiveLogEntry.goals))
        .order_by(ReflectiveLogEntry.occurred_on, ReflectiveLogEntry.id)).all() if plan_ids else []
    achieved = session.execute(
        select(PlanGoal, DevelopmentPlan.title).join(
            DevelopmentPlan, DevelopmentPlan.id == PlanGoal.plan_id)
        .where(PlanGoal.plan_id.in_(plan_ids), PlanGoal.status == "achieved")
        .order_by(PlanGoal.id)).all() if plan_ids else []
    achieved_on = _achieved_dates(session, [g.id for g, _ in achieved])
    minutes = sum(e.minutes for e in entries)
    return {
        "coach": actor.display_name,
        "generated_on": today,
        "engagements": [{
            "role": e.role.name, "supporter": e.supporter.user.display_name,
            "started_on": e.started_on, "ended_on": e.ended_on, "status": e.status,
            "outcome": e.outcome or "",
        } for e in engagements],
        "log_entries": [{
            "occurred_on": e.occurred_on, "minutes": e.minutes,
            "goals": [g.title for g in sorted(e.goals, key=lambda g: g.id)],
            "what_happened": e.what_happened,
        } for e in entries],
        "goals_achieved": [{"title": g.title, "plan": title, "achieved_on": achieved_on.get(g.id)}
                           for g, title in achieved],
        "totals": {"minutes": minutes, "hours": round(minutes / 60, 1),
                   "entries": len(entries), "engagements": len(engagements),
                   "goals_achieved": len(achieved)},
    }


def _achieved_dates(session: Session, goal_ids: list[int]) -> dict[int, date]:
    """Return the latest day each goal was recorded as achieved."""
    if not goal_ids:
        return {}
    found: dict[int, date] = {}
    for goal_id, day in session.execute(
            select(GoalProgress.goal_id, GoalProgress.recorded_on)
            .where(GoalProgress.goal_id.in_(goal_ids), GoalProgress.status == "achieved")
            .order_by(GoalProgress.recorded_on)):
        found[goal_id] = day
    return found


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def as_csv(view: dict) -> str:
    """Return the record as CSV: one row per engagement, log entry and goal, then totals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in view["engagements"]:
        writer.writerow([cell(v) for v in ("engagement", e["started_on"], e["ended_on"],
                                            e["role"], e["supporter"], "", "", e["outcome"])])
    for e in view["log_entries"]:
        writer.writerow([cell(v) for v in ("log entry", e["occurred_on"], "", "", "",
                                            e["minutes"], "; ".join(e["goals"]), "")])
    for g in view["goals_achieved"]:
        writer.writerow([cell(v) for v in ("goal achieved", g["achieved_on"], "", "", "", "",
                                            g["title"], g["plan"])])
    totals = view["totals"]
    summary = ", ".join(_count(totals[k], one, many) for k, one, many in (
        ("entries", "log entry", "log entries"), ("engagements", "engagement", "engagements"),
        ("goals_achieved", "goal achieved", "goals achieved")))
    writer.writerow([cell(v) for v in ("total", view["generated_on"], "", "", "",
                                        totals["minutes"], "", summary)])
    return out.getvalue()
