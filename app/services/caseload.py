"""The caseload: every coach a supporter works with, what is due and what is overdue.

Overdue, in one place for the dashboard and the reminders:

- a log is overdue when no entry has been written for LOG_OVERDUE_WEEKS weeks,
  counted from the later of the plan's start (or, without one, the start of
  the work together) and the last entry;
- a review is overdue when its due date has passed and it has not been held.

Only open plans of active engagements can be overdue. Every function takes
``today`` so tests and the reminder command control the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    DevelopmentPlan,
    Engagement,
    PlanReview,
    ReflectiveLogEntry,
    SupporterProfile,
    SupportRole,
    User,
)
from app.services import audit, mailer
from app.services.capacity import active_engagements
from app.services.plan_access import OPEN_PLAN_STATUSES, access, current_plan_id
from app.services.waitlists import offer_open_places

SORTS = ("overdue", "next_review", "last_log", "coach")
SHOW = ("active", "closed", "all")


@dataclass(frozen=True)
class LogStatus:
    """Where a plan's reflective log stands on a day."""

    last_entry_on: date | None
    counted_from: date | None     # the later of the start and the last entry
    overdue_since: date | None    # the day it became overdue, when it is

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None


def log_status(starts_on: date | None, last_entry_on: date | None, today: date,
               weeks: int) -> LogStatus:
    """Return whether a log is overdue on ``today`` after ``weeks`` weeks without an entry."""
    candidates = [d for d in (starts_on, last_entry_on) if d is not None]
    counted_from = max(candidates) if candidates else None
    if counted_from is None:
        return LogStatus(last_entry_on, None, None)
    due = counted_from + timedelta(weeks=weeks)
    return LogStatus(last_entry_on, counted_from, due if today >= due else None)


def overdue_reviews(reviews, today: date) -> list[PlanReview]:
    """Return the reviews whose due date has passed without being held."""
    return [r for r in reviews if r.held_on is None and r.due_on < today]


def next_review(reviews, today: date) -> PlanReview | None:
    """Return the earliest review not yet held (overdue ones first)."""
    waiting = sorted((r for r in reviews if r.held_on is None), key=lambda r: r.due_on)
    return waiting[0] if waiting else None


def last_entries(session: Session, plan_ids: list[int]) -> dict[int, date]:
    """Return the date of each plan's latest reflective log entry."""
    if not plan_ids:
        return {}
    return dict(session.execute(
        select(ReflectiveLogEntry.plan_id, func.max(ReflectiveLogEntry.occurred_on))
        .where(ReflectiveLogEntry.plan_id.in_(plan_ids))
        .group_by(ReflectiveLogEntry.plan_id)).all())


def weeks_setting() -> int:
    return current_app.config["LOG_OVERDUE_WEEKS"]


def plan_of(session: Session, engagement: Engagement) -> DevelopmentPlan | None:
    """Return the plan an engagement shares: its own, or the coach's current one."""
    plan_id = engagement.plan_id or current_plan_id(session, engagement.coach_id)
    return session.get(DevelopmentPlan, plan_id) if plan_id else None


def _supporter_for(session: Session, actor: User, supporter_id: int | None) -> SupporterProfile:
    """Return whose caseload to show: the actor's own, or any supporter's for admins."""
    if supporter_id is not None:
        profile = session.get(SupporterProfile, supporter_id)
        if profile is not None and (profile.user_id == actor.id or actor.has_role("admin")):
            return profile
        raise NotFound("No caseload of that supporter.")
    profile = session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == actor.id))
    if profile is None:
        raise NotFound("You have no supporter profile yet, so no caseload: create one on "
                       "your supporter profile page (/profile/supporter); the coaches you "
                       "support then appear here.")
    return profile


def caseload(session: Session, actor: User, args: dict, *, today: date | None = None) -> dict:
    """Return a supporter's caseload: one row per engagement, sorted and filtered.

    ``args`` (``CaseloadArgs``): ``sort`` (overdue, next_review, last_log,
    coach), ``overdue_only``, ``role`` (a support role key), ``show`` (active,
    closed, all) and, for admins, ``supporter_id``.
    """
    today = today or date.today()
    weeks = weeks_setting()
    profile = _supporter_for(session, actor, args.get("supporter_id"))
    query = (select(Engagement).where(Engagement.supporter_id == profile.id)
             .options(selectinload(Engagement.coach), selectinload(Engagement.role)))
    show = args.get("show", "active")
    if show != "all":
        query = query.where(Engagement.status == show)
    if args.get("role"):
        query = query.join(SupportRole, SupportRole.id == Engagement.role_id).where(
            SupportRole.key == args["role"])
    engagements = session.scalars(query).all()
    plans = {e.id: plan_of(session, e) for e in engagements}
    latest = last_entries(session, [p.id for p in plans.values() if p is not None])

    rows = []
    for e in engagements:
        plan = plans[e.id]
        row = _row(e, plan, latest.get(plan.id) if plan else None, today, weeks)
        if args.get("overdue_only") and not row["overdue"]:
            continue
        rows.append(row)
    rows.sort(key=_sort_key(args.get("sort", "overdue")))

    active = active_engagements(session, profile.id)
    roles = session.execute(
        select(SupportRole.key, SupportRole.name).join(
            Engagement, Engagement.role_id == SupportRole.id)
        .where(Engagement.supporter_id == profile.id).distinct()
        .order_by(SupportRole.name)).all()
    return {
        "supporter": {"id": profile.id, "name": profile.user.display_name,
                      "yours": profile.user_id == actor.id},
        "capacity": {"active": active, "of": profile.capacity,
                     "text": f"{active} of {profile.capacity}",
                     "places_left": max(profile.capacity - active, 0)},
        "log_overdue_weeks": weeks,
        "today": today,
        "filters": {"sort": args.get("sort", "overdue"), "show": show,
                    "overdue_only": bool(args.get("overdue_only")), "role": args.get("role")},
        "roles": [{"key": k, "name": n} for k, n in roles],
        "overdue_count": sum(1 for r in rows if r["overdue"]),
        "rows": rows,
    }


def _row(e: Engagement, plan: DevelopmentPlan | None, last_entry_on: date | None,
         today: date, weeks: int) -> dict:
    watched = e.status == "active" and plan is not None and plan.status in OPEN_PLAN_STATUSES
    log = log_status((plan.starts_on if plan else None) or e.started_on, last_entry_on,
                     today, weeks)
    late_reviews = overdue_reviews(plan.reviews, today) if watched else []
    upcoming = next_review(plan.reviews, today) if plan else None
    goals = sorted(plan.goals, key=lambda g: g.id) if plan else []
    counts = {s: sum(1 for g in goals if g.status == s)
              for s in ("not_started", "in_progress", "achieved")}
    log_overdue = watched and log.overdue
    return {
        "engagement_id": e.id,
        "status": e.status,
        "role": {"key": e.role.key, "name": e.role.name},
        "coach": {"id": e.coach_id, "name": e.coach.display_name},
        "started_on": e.started_on,
        "ended_on": e.ended_on,
        "outcome": e.outcome,
        "plan": {"id": plan.id, "title": plan.title, "status": plan.status,
                 "programme": plan.programme} if plan else None,
        "goals": [{"id": g.id, "title": g.title, "status": g.status} for g in goals],
        "goal_counts": {**counts, "total": len(goals)},
        "last_log_on": last_entry_on,
        "next_review_on": upcoming.due_on if upcoming else None,
        "log_overdue_since": log.overdue_since if log_overdue else None,
        "overdue_reviews": [r.due_on for r in late_reviews],
        "overdue": bool(log_overdue or late_reviews),
    }


def _sort_key(sort: str):
    far = date.max

    def by_name(row):
        return (row["coach"]["name"].casefold(), row["engagement_id"])

    if sort == "coach":
        return by_name
    if sort == "next_review":
        return lambda r: (r["next_review_on"] or far, *by_name(r))
    if sort == "last_log":
        # Longest without an entry first; never logged comes first of all.
        return lambda r: (r["last_log_on"] or date.min, *by_name(r))
    # Overdue first, the longest overdue first, then by the next review.
    def by_overdue(row):
        since = min([d for d in [row["log_overdue_since"], *row["overdue_reviews"]] if d],
                    default=far)
        return (not row["overdue"], since, row["next_review_on"] or far, *by_name(row))
    return by_overdue


def check_own_engagement(session: Session, actor: User, engagement_id: int) -> None:
    """Raise NotFound unless the engagement is in ``actor``'s caseload (no lock taken)."""
    found = session.scalar(
        select(Engagement.id).join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .where(Engagement.id == engagement_id, SupporterProfile.user_id == actor.id))
    if found is None:
        raise NotFound("No engagement with that id in your caseload.")


def _own_engagement(session: Session, actor: User, engagement_id: int) -> Engagement:
    engagement = session.scalar(
        select(Engagement).join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .where(Engagement.id == engagement_id, SupporterProfile.user_id == actor.id)
        .with_for_update(of=Engagement).execution_options(populate_existing=True))
    if engagement is None:
        raise NotFound("No engagement with that id in your caseload.")
    return engagement


def engagement_view(session: Session, actor: User, engagement_id: int) -> dict:
    """Return one engagement of the actor's caseload (for the closing form)."""
    e = _own_engagement(session, actor, engagement_id)
    plan = plan_of(session, e)
    return {"id": e.id, "status": e.status, "coach": {"id": e.coach_id,
                                                      "name": e.coach.display_name},
            "role": {"key": e.role.key, "name": e.role.name}, "started_on": e.started_on,
            "plan": {"id": plan.id, "title": plan.title, "status": plan.status}
            if plan else None}


def close_engagement(session: Session, actor: User, engagement_id: int, args: dict, *,
                     today: date | None = None, now: datetime | None = None) -> Engagement:
    """The supporter ends their work with a coach, recording the outcome.

    With ``complete_plan``, the plan is marked completed with the same outcome
    (e.g. at the end of the Advanced Coach pilot, after the assessment).
    """
    today = today or date.today()
    now = now or datetime.now(UTC)
    engagement = _own_engagement(session, actor, engagement_id)
    if engagement.status != "active":
        raise Conflict("This engagement has ended already.")
    if engagement.started_on > today:
        raise Conflict("This engagement has not started yet.")
    outcome = args["outcome"].strip()
    plan = plan_of(session, engagement)
    engagement.status = "closed"
    engagement.ended_on = today
    engagement.outcome = outcome
    if args.get("complete_plan") and plan is not None and plan.status in OPEN_PLAN_STATUSES:
        plan.status = "completed"
        plan.outcome = outcome
    session.flush()
    # A place opened: the supporter's waitlist hears of it, in turn.
    offer_open_places(session, engagement.supporter_id, now=now)
    audit.record(session, "engagement.closed", actor=actor, subject=engagement,
                 details={"plan_completed": bool(args.get("complete_plan") and plan)})
    mailer.queue(session, to=engagement.coach, kind="engagement_closed", about=actor,
                 subject=f"{actor.display_name} has closed your work together",
                 template="engagement_closed",
                 context={"supporter": actor, "engagement": engagement, "outcome": outcome,
                          "plan": plan,
                          "url": mailer.absolute_url("caseload.relicensing_record")}, now=now)
    return engagement


def record_review(session: Session, actor: User, plan_id: int, args: dict, *,
                  today: date | None = None) -> PlanReview:
    """The supporter records a review: a planned review point, or one held in between."""
    today = today or date.today()
    found = access(session, actor, plan_id, change=True, lock=True)
    if found.side != "supporter":
        raise Conflict("Reviews are recorded by the coach developer or mentor working with "
                       "the coach.")
    held_on = args["held_on"]
    if held_on > today:
        raise InvalidInput("The review date is in the future.",
                           errors={"held_on": ["Record a review once it has been held."]})
    review_id = args.get("review_id")
    if review_id is not None:
        review = next((r for r in found.plan.reviews if r.id == review_id), None)
        if review is None:
            raise InvalidInput("Choose a review point of this plan.",
                               errors={"review_id": ["No review point with that id here."]})
        if review.held_on is not None:
            raise Conflict(f"The review due on {review.due_on:%d %B %Y} was recorded already.")
    else:
        review = PlanReview(plan_id=found.plan.id, due_on=held_on)
        session.add(review)
    review.held_on = held_on
    review.reviewer_id = actor.id
    review.notes = args["notes"].strip()
    session.flush()
    audit.record(session, "plan.review_recorded", actor=actor, subject=review,
                 details={"plan_id": found.plan.id})
    return review
