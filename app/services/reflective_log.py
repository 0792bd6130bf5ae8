"""The reflective log: the coach's entries, comments on them, goal progress they evidence.

Access follows the plan (``plan_access.access``): the coach writes, edits and deletes
their own entries; the coach and the supporters working with them now comment and
record a goal's progress, which needs a log entry as evidence; a supporter
whose engagement has ended and admins read; everyone else gets 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    DevelopmentPlan,
    GoalProgress,
    LogComment,
    PlanGoal,
    ReflectiveLogEntry,
    User,
    name_of,
)
from app.services import audit, mailer
from app.services.plan_access import OPEN_PLAN_STATUSES, PlanAccess, access
from app.services.plan_content import GOAL_STATUS_NAMES

ENTRY_NOT_FOUND = "No reflective log entry with that id in this plan."


def _must_be_open(plan: DevelopmentPlan) -> None:
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(f"This plan is {plan.status}, so its log is closed.")


def _as_coach(found: PlanAccess) -> None:
    if found.side != "coach":
        raise Conflict("Only the coach writes their reflective log: you can comment on "
                       "entries.")


def _goals(plan: DevelopmentPlan, goal_ids: list[int]) -> list[PlanGoal]:
    goals = {g.id: g for g in plan.goals}
    unknown = [i for i in dict.fromkeys(goal_ids) if i not in goals]
    if unknown:
        raise InvalidInput("Link the entry to goals of this plan.",
                           errors={"goal_ids": [f"No goal {i} in this plan." for i in unknown]})
    if goals and not goal_ids:
        raise InvalidInput("Link the entry to at least one goal.",
                           errors={"goal_ids": ["Choose the goal or goals this was about."]})
    return [goals[i] for i in dict.fromkeys(goal_ids)]


def _not_in_future(occurred_on: date, today: date) -> None:
    if occurred_on > today:
        raise InvalidInput("The date is in the future.",
                           errors={"occurred_on": ["Log what has happened: today or before."]})


def _fill(entry: ReflectiveLogEntry, plan: DevelopmentPlan, args: dict, today: date) -> None:
    _not_in_future(args["occurred_on"], today)
    entry.goals = _goals(plan, args.get("goal_ids", []))
    entry.occurred_on = args["occurred_on"]
    entry.what_happened = args["what_happened"].strip()
    entry.reflection = (args.get("reflection") or "").strip()
    entry.next_steps = (args.get("next_steps") or "").strip()
    entry.minutes = args.get("minutes", 0)


def add_entry(session: Session, actor: User, plan_id: int, args: dict, *,
              today: date | None = None, now: datetime | None = None) -> ReflectiveLogEntry:
    """The coach logs what happened, their reflection, next steps and minutes spent."""
    today = today or date.today()
    found = access(session, actor, plan_id, change=True)
    _as_coach(found)
    _must_be_open(found.plan)
    entry = ReflectiveLogEntry(plan_id=found.plan.id, author_id=actor.id,
                               created_at=now or datetime.now(UTC))
    _fill(entry, found.plan, args, today)
    session.add(entry)
    session.flush()
    audit.record(session, "log.entry_added", actor=actor, subject=entry,
                 details={"plan_id": found.plan.id})
    return entry


def _entry(session: Session, plan: DevelopmentPlan, entry_id: int) -> ReflectiveLogEntry:
    entry = session.scalar(select(ReflectiveLogEntry).where(
        ReflectiveLogEntry.id == entry_id, ReflectiveLogEntry.plan_id == plan.id))
    if entry is None:
        raise NotFound(ENTRY_NOT_FOUND)
    return entry


def update_entry(session: Session, actor: User, plan_id: int, entry_id: int, args: dict, *,
                 today: date | None = None) -> ReflectiveLogEntry:
    """The coach corrects one of their entries."""
    today = today or date.today()
    found = access(session, actor, plan_id, change=True)
    entry = _entry(session, found.plan, entry_id)
    _as_coach(found)
    _must_be_open(found.plan)
    _fill(entry, found.plan, args, today)
    session.flush()
    audit.record(session, "log.entry_edited", actor=actor, subject=entry)
    return entry


def delete_entry(session: Session, actor: User, plan_id: int, entry_id: int) -> None:
    """The coach deletes one of their entries (a mistake or a duplicate), with its comments.

    Its links to goals go with it. Goal progress that cited it as evidence is
    kept (it is the coach's development record) but no longer names an entry.
    """
    found = access(session, actor, plan_id, change=True)
    entry = _entry(session, found.plan, entry_id)
    _as_coach(found)
    _must_be_open(found.plan)
    # The foreign keys would do the same (CASCADE, SET NULL); doing it here keeps
    # the session's loaded rows true and tells the audit log what went.
    uncited = session.execute(
        update(GoalProgress).where(GoalProgress.evidence_entry_id == entry.id)
        .values(evidence_entry_id=None)).rowcount
    comments = session.execute(
        delete(LogComment).where(LogComment.entry_id == entry.id)).rowcount
    audit.record(session, "log.entry_deleted", actor=actor, subject=entry,
                 details={"plan_id": found.plan.id, "comments": comments,
                          "progress_uncited": uncited})
    session.delete(entry)
    session.flush()


def add_comment(session: Session, actor: User, plan_id: int, entry_id: int, body: str, *,
                now: datetime | None = None) -> LogComment:
    """A supporter (or the coach) comments on an entry; the other side is emailed."""
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, change=True)
    entry = _entry(session, found.plan, entry_id)
    comment = LogComment(entry_id=entry.id, author_id=actor.id, body=body.strip(),
                         created_at=now)
    session.add(comment)
    session.flush()
    audit.record(session, "log.comment_added", actor=actor, subject=comment,
                 details={"entry_id": entry.id})
    readers = ([found.plan.coach] if found.side == "supporter"
               else [e.supporter.user for e in found.active])
    url = mailer.absolute_url("caseload.plan_log", plan_id=found.plan.id,
                              _anchor=f"entry-{entry.id}")
    for reader in readers:
        mailer.queue(session, to=reader, kind="log_comment", about=actor,
                     subject=f"{actor.display_name} commented on a reflective log entry",
                     template="log_comment",
                     context={"author": actor, "entry": entry, "body": comment.body, "url": url},
                     now=now)
    return comment


def record_progress(session: Session, actor: User, plan_id: int, goal_id: int, args: dict, *,
                    today: date | None = None) -> GoalProgress:
    """Record a goal as not started, in progress or achieved, citing a log entry as evidence.

    In progress and achieved need evidence: an entry of this plan linked to the goal.
    """
    today = today or date.today()
    found = access(session, actor, plan_id, change=True)
    _must_be_open(found.plan)
    goal = next((g for g in found.plan.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFound("No goal with that id in this plan.")
    status = args["status"]
    evidence_id = args.get("evidence_entry_id")
    evidence = None
    if evidence_id is not None:
        evidence = session.get(ReflectiveLogEntry, evidence_id)
        if evidence is None or evidence.plan_id != found.plan.id or goal not in evidence.goals:
            raise InvalidInput("Choose an entry of this goal as evidence.", errors={
                "evidence_entry_id": ["Choose a reflective log entry linked to this goal."]})
    elif status != "not_started":
        raise InvalidInput("Progress needs evidence from the log.", errors={
            "evidence_entry_id": ["Choose the reflective log entry that shows this progress "
                                  "(link an entry to this goal first)."]})
    progress = GoalProgress(goal_id=goal.id, status=status, evidence_entry_id=evidence_id,
                            note=(args.get("note") or "").strip(), recorded_on=today,
                            recorded_by_id=actor.id)
    session.add(progress)
    goal.status = status
    session.flush()
    audit.record(session, "plan.goal_progress", actor=actor, subject=goal,
                 details={"status": status, "evidence_entry_id": evidence_id})
    return progress


def progress_history(session: Session, plan: DevelopmentPlan) -> dict[int, list[dict]]:
    """Return each goal's recorded progress, newest first."""
    goal_ids = [g.id for g in plan.goals]
    if not goal_ids:
        return {}
    rows = session.scalars(
        select(GoalProgress).where(GoalProgress.goal_id.in_(goal_ids))
        .options(selectinload(GoalProgress.recorded_by), selectinload(GoalProgress.evidence))
        .order_by(GoalProgress.recorded_on.desc(), GoalProgress.id.desc())).all()
    history: dict[int, list[dict]] = {}
    for p in rows:
        history.setdefault(p.goal_id, []).append({
            "status": p.status, "status_name": GOAL_STATUS_NAMES[p.status],
            "recorded_on": p.recorded_on, "note": p.note or "",
            "by": name_of(p.recorded_by),
            "evidence": {"id": p.evidence.id, "occurred_on": p.evidence.occurred_on}
            if p.evidence else None,
        })
    return history


def log_view(session: Session, actor: User, plan_id: int) -> dict:
    """Return the plan's reflective log as ``actor`` may see it, newest entry first."""
    found = access(session, actor, plan_id)
    plan = found.plan
    entries = session.scalars(
        select(ReflectiveLogEntry).where(ReflectiveLogEntry.plan_id == plan.id)
        .options(selectinload(ReflectiveLogEntry.goals))
        .order_by(ReflectiveLogEntry.occurred_on.desc(), ReflectiveLogEntry.id.desc())).all()
    comments: dict[int, list[LogComment]] = {}
    if entries:
        for c in session.scalars(select(LogComment).where(
                LogComment.entry_id.in_([e.id for e in entries]))
                .options(selectinload(LogComment.author))
                .order_by(LogComment.created_at, LogComment.id)):
            comments.setdefault(c.entry_id, []).append(c)
    open_plan = plan.status in OPEN_PLAN_STATUSES
    can = []
    if found.side == "coach" and open_plan:
        can += ["add", "edit", "delete"]
    if found.can_change:
        can.append("comment")
    return {
        "plan": {"id": plan.id, "title": plan.title, "status": plan.status,
                 "coach": plan.coach.display_name,
                 "goals": [{"id": g.id, "title": g.title} for g in sorted(plan.goals,
                                                                         key=lambda g: g.id)]},
        "your_side": found.side,
        "can": can,
        "total_minutes": sum(e.minutes for e in entries),
        "entries": [{
            "id": e.id, "occurred_on": e.occurred_on, "what_happened": e.what_happened,
            "reflection": e.reflection, "next_steps": e.next_steps, "minutes": e.minutes,
            "goals": [{"id": g.id, "title": g.title} for g in sorted(e.goals, key=lambda g: g.id)],
            "comments": [{"id": c.id, "body": c.body, "at": c.created_at,
                          "by_you": c.author_id == actor.id,
                          "author": name_of(c.author)}
                         for c in comments.get(e.id, [])],
        } for e in entries],
    }


def entry_view(session: Session, actor: User, plan_id: int, entry_id: int) -> dict:
    """Return one entry (for its edit form)."""
    found = access(session, actor, plan_id)
    entry = _entry(session, found.plan, entry_id)
    return {"id": entry.id, "occurred_on": entry.occurred_on,
            "what_happened": entry.what_happened, "reflection": entry.reflection,
            "next_steps": entry.next_steps, "minutes": entry.minutes,
            "goal_ids": [g.id for g in entry.goals]}
