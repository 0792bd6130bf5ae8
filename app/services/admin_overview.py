"""What needs a programme admin's attention: the admin home and its lists.

Each list is a plain function, used by the admin home (first few rows, and the
count), by its own page (every row) and by the API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import AuditEvent, SupporterProfile, SupportRequest, User, name_of
from app.services import mailer, profile_changes, unanswered_reports
from app.services.caseload import overdue_reviews
from app.services.caseload_reminders import shared_plans
from app.services.permissions import require_admin

EXPIRY_WINDOW_DAYS = 30
HOME_ROWS = 5


def overview(session: Session, admin: User, *, now: datetime | None = None) -> dict:
    """Return every list's count and first rows, for the admin home."""
    require_admin(admin)
    now = now or datetime.now(UTC)
    today = now.date()
    waiting = profile_changes.waiting(session)
    expiring = expiring_checks(session, admin, today=today)
    unanswered = unanswered_requests(session, admin, now=now)
    overdue = overdue_caseload(session, admin, today=today)
    dead_letters, _ = mailer.dead_letters(session, limit=0)
    return {
        "verification": {"waiting": waiting[0], "oldest": waiting[1]},
        "expiring": {"soon": expiring["soon"][:HOME_ROWS], "soon_count": len(expiring["soon"]),
                     "expired": expiring["expired"][:HOME_ROWS],
                     "expired_count": len(expiring["expired"]),
                     "within_days": expiring["within_days"]},
        "unanswered": {"requests": unanswered["requests"][:HOME_ROWS],
                       "count": len(unanswered["requests"]),
                       "older_than_days": unanswered["older_than_days"]},
        "overdue": {"logs": overdue["logs"][:HOME_ROWS], "log_count": len(overdue["logs"]),
                    "reviews": overdue["reviews"][:HOME_ROWS],
                    "review_count": len(overdue["reviews"])},
        "unanswered_reports": unanswered_reports.open_reports(session, admin, now=now,
                                                              limit=HOME_ROWS),
        "dead_letters": dead_letters,
        "audit": audit_events(session, admin, limit=8)["events"],
    }


def expiring_checks(session: Session, admin: User, *, today: date,
                    within_days: int = EXPIRY_WINDOW_DAYS) -> dict:
    """Return safeguarding checks and licences ending within ``within_days``, and expired ones.

    Only people who would otherwise be offering support count (account open,
    profile visible); each row is one person and one certificate, soonest first.
    """
    require_admin(admin)
    until = today + timedelta(days=within_days)
    profiles = session.scalars(
        select(SupporterProfile)
        .join(User, User.id == SupporterProfile.user_id)
        .where(User.deleted_at.is_(None), User.active.is_(True),
               SupporterProfile.visible.is_(True),
               or_(SupporterProfile.safeguarding_expires_on <= until,
                   SupporterProfile.licence_expires_on <= until))
        .options(selectinload(SupporterProfile.user))).all()
    soon, expired = [], []
    for profile in profiles:
        for what, ends_on in (("Safeguarding check", profile.safeguarding_expires_on),
                              ("Licence", profile.licence_expires_on)):
            if ends_on is None or ends_on > until:
                continue
            row = {"supporter_id": profile.id, "user_id": profile.user_id,
                   "name": profile.user.display_name, "email": profile.user.email,
                   "what": what, "ends_on": ends_on, "days": (ends_on - today).days}
            (expired if ends_on < today else soon).append(row)
    soon.sort(key=lambda r: (r["ends_on"], r["name"]))
    expired.sort(key=lambda r: (r["ends_on"], r["name"]), reverse=True)
    return {"within_days": within_days, "soon": soon, "expired": expired}


def unanswered_requests(session: Session, admin: User, *, now: datetime,
                        older_than_days: int | None = None) -> dict:
    """Return requests still waiting for the supporter's answer after the setting's days."""
    require_admin(admin)
    days = (older_than_days if older_than_days is not None
            else current_app.config["UNANSWERED_REQUEST_DAYS"])
    rows = session.scalars(
        select(SupportRequest)
        .where(SupportRequest.status == "pending",
               SupportRequest.created_at <= now - timedelta(days=days))
        .options(selectinload(SupportRequest.coach),
                 selectinload(SupportRequest.supporter).selectinload(SupporterProfile.user),
                 selectinload(SupportRequest.role))
        .order_by(SupportRequest.created_at, SupportRequest.id)).all()
    return {"older_than_days": days, "requests": [{
        "id": r.id, "coach": name_of(r.coach), "supporter": name_of(r.supporter.user),
        "supporter_id": r.supporter_id, "role": r.role.name, "sent_at": r.created_at,
        "expires_at": r.expires_at, "waiting_days": (now - _aware(r.created_at)).days,
    } for r in rows]}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def overdue_caseload(session: Session, admin: User, *, today: date) -> dict:
    """Return overdue reflective logs and reviews across every caseload, oldest first."""
    require_admin(admin)
    logs, reviews = [], []
    for plan, shared, log in shared_plans(session, today=today):
        supporters = sorted({name_of(e.supporter.user) for e in shared})
        if log.overdue:
            logs.append({"plan_id": plan.id, "coach": name_of(plan.coach),
                         "supporters": supporters, "last_entry_on": log.last_entry_on,
                         "overdue_since": log.overdue_since})
        for review in overdue_reviews(plan.reviews, today):
            reviews.append({"plan_id": plan.id, "coach": name_of(plan.coach),
                            "supporters": supporters, "due_on": review.due_on,
                            "days_late": (today - review.due_on).days})
    logs.sort(key=lambda r: r["overdue_since"])
    reviews.sort(key=lambda r: r["due_on"])
    return {"logs": logs, "reviews": reviews}


def audit_events(session: Session, admin: User, *, action: str | None = None,
                 before_id: int | None = None, limit: int = 50) -> dict:
    """Return audit events newest first (optionally one kind, or older than an id)."""
    require_admin(admin)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    if action:
        query = query.where(or_(AuditEvent.action == action,
                                AuditEvent.action.startswith(action.rstrip(".") + ".")))
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    events = list(session.scalars(query))
    more = len(events) > limit
    events = events[:limit]
    actors = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in events if e.actor_id})))}
    return {
        "events": [{"id": e.id, "at": e.at, "action": e.action,
                    "actor": name_of(actors.get(e.actor_id)) if e.actor_id else "The system",
                    "actor_id": e.actor_id, "subject_type": e.subject_type,
                    "subject_id": e.subject_id, "details": e.details or {}}
                   for e in events],
        "older_than": events[-1].id if more else None,
    }
