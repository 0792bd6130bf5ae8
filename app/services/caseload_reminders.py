"""Remind people of overdue reflective logs and reviews, by email through the outbox.

``flask send-caseload-reminders`` runs this daily. An overdue log is the
coach's to write, so the coach is reminded; an overdue review is the
supporter's to hold, so each supporter working on the plan is reminded. Each
item is reminded at most once every CASELOAD_REMINDER_EVERY_DAYS days (a week
by default) per person, whatever the schedule: what was sent is remembered in
``caseload_reminders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from app.models import CaseloadReminder, DevelopmentPlan, Engagement, SupporterProfile, User
from app.services import mailer
from app.services.caseload import last_entries, log_status, overdue_reviews, plan_of
from app.services.plan_access import OPEN_PLAN_STATUSES


@dataclass(frozen=True)
class ReminderReport:
    logs: int = 0
    reviews: int = 0

    def __str__(self) -> str:
        return f"{self.logs} overdue log reminder(s), {self.reviews} overdue review reminder(s)"


def _reachable(user: User | None) -> bool:
    return user is not None and user.active and user.deleted_at is None


def send_caseload_reminders(session: Session, *, today: date) -> ReminderReport:
    """Queue the reminders due ``today``; return how many were queued."""
    config = current_app.config
    weeks, every = config["LOG_OVERDUE_WEEKS"], config["CASELOAD_REMINDER_EVERY_DAYS"]
    logs = reviews = 0
    for plan, shared, log in shared_plans(session, today=today):
        coach = plan.coach
        if log.overdue and _reachable(coach):
            logs += _remind(
                session, f"log:{plan.id}", coach, plan, today, every,
                kind="caseload_log_overdue",
                subject="Time for an entry in your reflective log",
                context={"plan": plan, "log": log, "weeks": weeks,
                         "supporters": [e.supporter.user.display_name for e in shared],
                         "url": mailer.absolute_url("caseload.plan_log", plan_id=plan.id)})
        for review in overdue_reviews(plan.reviews, today):
            for supporter in {e.supporter.user.id: e.supporter.user for e in shared}.values():
                if not _reachable(supporter):
                    continue
                reviews += _remind(
                    session, f"review:{review.id}", supporter, plan, today, every,
                    kind="caseload_review_overdue",
                    subject=f"A review with {coach.display_name} is overdue",
                    context={"plan": plan, "review": review, "coach": coach,
                             "url": mailer.absolute_url("caseload.plan_detail",
                                                        plan_id=plan.id, _anchor="reviews")})
    session.flush()
    return ReminderReport(logs=logs, reviews=reviews)


def shared_plans(session: Session, *, today: date):
    """Yield each open plan shared through active engagements, with them and its log status."""
    engagements = session.scalars(
        select(Engagement).where(Engagement.status == "active", Engagement.started_on <= today)
        .options(selectinload(Engagement.coach),
                 selectinload(Engagement.supporter).selectinload(SupporterProfile.user))
        .order_by(Engagement.id)).all()
    by_plan: dict[int, tuple[DevelopmentPlan, list[Engagement]]] = {}
    for engagement in engagements:
        plan = plan_of(session, engagement)
        if plan is not None and plan.status in OPEN_PLAN_STATUSES:
            by_plan.setdefault(plan.id, (plan, []))[1].append(engagement)
    latest = last_entries(session, list(by_plan))
    weeks = current_app.config["LOG_OVERDUE_WEEKS"]
    for plan, shared in by_plan.values():
        start = plan.starts_on or min(e.started_on for e in shared)
        yield plan, shared, log_status(start, latest.get(plan.id), today, weeks)


def _remind(session: Session, item_key: str, to: User, plan: DevelopmentPlan, today: date,
            every: int, *, kind: str, subject: str, context: dict) -> int:
    """Queue one reminder unless this person had one about this item lately; return 1 or 0."""
    recent = session.scalar(select(exists().where(
        CaseloadReminder.item_key == item_key, CaseloadReminder.recipient_id == to.id,
        CaseloadReminder.sent_on > today - timedelta(days=every))))
    if recent:
        return 0
    session.add(CaseloadReminder(item_key=item_key, recipient_id=to.id, plan_id=plan.id,
                                 sent_on=today))
    mailer.queue(session, to=to, kind=kind, subject=subject, template=kind,
                 context={**context, "today": today})
    return 1
