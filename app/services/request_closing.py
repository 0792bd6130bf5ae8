"""Requests closed without an answer: the supporter is full or unavailable, or time ran out.

Each coach is told at once, kindly, with suggestions of other supporters who
fit their search, rather than left waiting. Call with the supporter locked
(``capacity.lock_supporter``) where a function says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Engagement,
    SupporterProfile,
    SupportRequest,
    SupportRole,
    User,
)
from app.services import audit, mailer
from app.services.capacity import lock_supporter
from app.services.coach_profiles import search_defaults
from app.services.eligibility import is_searchable, searchable


@dataclass
class ExpiryReport:
    expired: int = 0
    paused: list[int] = field(default_factory=list)


def close(support_request: SupportRequest, status: str, reason: str | None,
           now: datetime) -> None:
    support_request.status = status
    support_request.status_reason = reason[:500] if reason else None
    support_request.closed_at = now


def close_when_full(session: Session, profile: SupporterProfile, now: datetime) -> None:
    """The last place is taken: close the other pending requests, kindly."""
    _close_pending(session, profile, now, why="full", reason=(
        "{name} has just taken on as many coaches as they can support, so they cannot take "
        "your request. This is about their places, not about you: other supporters are "
        "ready to help."), subject="{name} is full: others can help")


def close_waiting(session: Session, profile: SupporterProfile, now: datetime) -> int:
    """Close a supporter's waiting requests, kindly: they cannot take coaches now.

    Their safeguarding check or licence expired, they are no longer verified,
    or they paused or hid their profile. The coaches are told at once, with
    suggestions, rather than left waiting for an expiry; the message gives no
    reason (a lapsed check is the supporter's business). Call with the
    supporter locked (``lock_supporter``).
    """
    return _close_pending(session, profile, now, why="unavailable", reason=(
        "{name} is not taking on coaches at the moment, so this request is closed. This is "
        "nothing to do with you: other supporters are ready to help."),
        subject="{name} is not taking on coaches now: others can help")


def _close_pending(session: Session, profile: SupporterProfile, now: datetime, *, why: str,
                   reason: str, subject: str) -> int:
    """Decline every pending request of the supporter, telling each coach with suggestions.

    ``why`` names the audit action and the email (``request_closed_<why>``).
    """
    waiting = session.scalars(select(SupportRequest).where(
        SupportRequest.supporter_id == profile.id, SupportRequest.status == "pending")
        .with_for_update()).all()
    name = profile.user.display_name
    for support_request in waiting:
        close(support_request, "declined", reason.format(name=name), now)
        audit.record(session, f"request.closed_{why}", subject=support_request,
                     details={"supporter_id": profile.id})
        mailer.queue(session, to=support_request.coach, kind=f"request_closed_{why}",
                     about=profile.user, subject=subject.format(name=name),
                     template=f"request_closed_{why}",
                     context={"request": support_request, "supporter_name": name,
                              "suggestions": suggestions(session, support_request),
                              "search_url": search_link(session, support_request.coach)},
                     now=now)
    return len(waiting)


def close_waiting_of_unavailable(session: Session, *, now: datetime | None = None) -> int:
    """Close the waiting requests of every supporter who cannot take them today.

    Catches what happens without any action in the app: a check that expired
    overnight, a date changed straight in the database. Returns how many closed.
    """
    now = now or datetime.now(UTC)
    supporter_ids = session.scalars(
        select(SupportRequest.supporter_id).where(SupportRequest.status == "pending")
        .distinct().order_by(SupportRequest.supporter_id)).all()
    closed = 0
    for supporter_id in supporter_ids:
        profile = lock_supporter(session, supporter_id)
        if not is_searchable(session, profile, now.date()):
            closed += close_waiting(session, profile, now)
    session.flush()
    return closed


def expire_due(session: Session, *, now: datetime | None = None) -> ExpiryReport:
    """Expire unanswered requests; pause supporters who let too many expire in a row."""
    now = now or datetime.now(UTC)
    config = current_app.config
    limit = config["STALE_EXPIRED_LIMIT"]
    days = config["REQUEST_EXPIRY_DAYS"]
    report = ExpiryReport()
    due = session.execute(
        select(SupportRequest.id, SupportRequest.supporter_id)
        .where(SupportRequest.status == "pending", SupportRequest.expires_at <= now)
        .order_by(SupportRequest.expires_at, SupportRequest.id)).all()
    for request_id, supporter_id in due:
        # The same lock order as answering: supporter row, then request row.
        profile = lock_supporter(session, supporter_id)
        support_request = session.scalar(
            select(SupportRequest).where(SupportRequest.id == request_id).with_for_update()
            .execution_options(populate_existing=True))
        if support_request.status != "pending":
            continue  # answered a moment ago
        name = profile.user.display_name
        close(support_request, "expired",
               f"{name} did not answer within {days} days, so this request has expired. "
               "Please do not take it personally: other supporters are ready to help.", now)
        profile.missed_in_a_row += 1
        report.expired += 1
        audit.record(session, "request.expired", subject=support_request,
                     details={"supporter_id": profile.id})
        mailer.queue(session, to=support_request.coach, kind="request_expired",
                     about=profile.user,
                     subject=f"Your request to {name} has expired",
                     template="request_expired",
                     context={"request": support_request, "supporter_name": name, "days": days,
                              "suggestions": suggestions(session, support_request),
                              "search_url": search_link(session, support_request.coach)},
                     now=now)
        if profile.missed_in_a_row >= limit and not profile.paused:
            profile.paused = True
            profile.paused_reason = (f"Paused automatically: {profile.missed_in_a_row} "
                                     "requests in a row expired without an answer.")
            report.paused.append(profile.id)
            audit.record(session, "profile.paused_stale", subject=profile,
                         details={"missed_in_a_row": profile.missed_in_a_row})
            mailer.queue(session, to=profile.user, kind="confirm_available",
                         subject="Are you still available to support coaches?",
                         template="confirm_available",
                         context={"missed": profile.missed_in_a_row,
                                  "url": mailer.absolute_url("support.availability")},
                         now=now)
    session.flush()
    return report


def suggestions(session: Session, support_request: SupportRequest, limit: int = 3) -> list[dict]:
    """Return up to ``limit`` other searchable supporters offering the same role.

    Ranked by the search when the coach has a location, otherwise the ones
    with the most places free; never the supporter who could not help.
    """
    coach = support_request.coach
    defaults = search_defaults(session, coach) if coach.has_role("coach") else {}
    role_key = support_request.role.key
    if defaults.get("where"):
        try:
            from app.schemas.search import SearchArgs
            from app.services.search import search_support

            args = SearchArgs().load({**{k: v for k, v in defaults.items()
                                         if k in ("where", "event_groups", "needs",
                                                  "qualification", "club", "goals")},
                                      "roles": [role_key], "limit": limit + 1})
            outcome = search_support(session, args, record=False)
            cards = [c for c in [*outcome["results"], *outcome["beyond_radius"],
                                 *outcome["online"]]
                     if c["id"] != support_request.supporter_id
                     and c["availability"]["status"] == "available"]
            return [{"id": c["id"], "name": c["name"], "near": c["near"],
                     "url": mailer.absolute_url("web.supporter", supporter_id=c["id"])}
                    for c in cards[:limit]]
        except Exception:  # a suggestion must never stop the message itself
            current_app.logger.warning("Suggestions by search failed", exc_info=True)
    engaged = (select(func.count()).select_from(Engagement)
               .where(Engagement.supporter_id == SupporterProfile.id,
                      Engagement.status == "active").scalar_subquery())
    rows = session.scalars(
        select(SupporterProfile).join(User, User.id == SupporterProfile.user_id)
        .join(SupporterProfile.roles)
        .where(searchable(datetime.now(UTC).date()), SupportRole.key == role_key,
               SupporterProfile.id != support_request.supporter_id,
               SupporterProfile.capacity > engaged)
        .order_by((SupporterProfile.capacity - engaged).desc(), SupporterProfile.id)
        .limit(limit)).all()
    return [{"id": p.id, "name": p.user.display_name, "near": p.outward_code,
             "url": mailer.absolute_url("web.supporter", supporter_id=p.id)} for p in rows]


def search_link(session: Session, coach: User) -> str:
    """A link to the search page preset with the coach's plan, for emails."""
    defaults = search_defaults(session, coach) if coach.has_role("coach") else {}
    values = {k: v for k, v in defaults.items() if k in ("where", "event_groups", "needs",
                                                          "qualification")}
    return mailer.absolute_url("web.search", **values)
