"""A coach's report that a supporter never answered, and what admins do about it.

A coach may report their own request once when it went unanswered: still
pending after ``UNANSWERED_REQUEST_DAYS``, or expired, with no accept, decline
or question from the supporter. Reports go to programme admins, who see the
supporter's answer history and either dismiss a report or pause the supporter.
The supporter is never told who reported them, nor that anyone did: a pause
says only that requests went unanswered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound
from app.models import (
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    UnansweredReport,
    User,
    name_of,
)
from app.services import audit, mailer
from app.services.capacity import lock_supporter
from app.services.eligibility import is_searchable
from app.services.permissions import require_admin
from app.services.request_closing import close_waiting
from app.services.responsiveness import answer_histories
from app.services.support_requests import NOT_FOUND, visible_request

REPORT_NOT_FOUND = "No open report with that id."
PAUSED_REASON = ("Paused by the programme team: some coaches' requests went without an "
                 "answer. Unpause when you can answer requests again.")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _supporter_answered(session: Session, support_request: SupportRequest) -> bool:
    """Whether the supporter accepted, declined or asked a question about the request."""
    if support_request.responded_at is not None:
        return True
    return bool(session.scalar(select(exists().where(
        RequestMessage.request_id == support_request.id,
        RequestMessage.author_id == support_request.supporter.user_id))))


def reportable_from(session: Session, support_request: SupportRequest) -> datetime | None:
    """Return when the coach may report the request as unanswered (None: never).

    An expired request may be reported at once; a pending one after
    ``UNANSWERED_REQUEST_DAYS``; one the supporter answered in any way, or that
    ended otherwise (withdrawn, closed when the supporter was full), never.
    """
    if support_request.status not in ("pending", "expired"):
        return None
    if _supporter_answered(session, support_request):
        return None
    if support_request.status == "expired":
        return _aware(support_request.closed_at or support_request.created_at)
    days = current_app.config["UNANSWERED_REQUEST_DAYS"]
    return _aware(support_request.created_at) + timedelta(days=days)


def coach_view(session: Session, user: User, support_request: SupportRequest, *,
               now: datetime | None = None) -> dict | None:
    """The report as the request's coach sees it on the request; None for anyone else.

    The supporter's view of a request never says whether it was reported.
    """
    if support_request.coach_id != user.id:
        return None
    now = now or datetime.now(UTC)
    report = session.scalar(select(UnansweredReport).where(
        UnansweredReport.request_id == support_request.id))
    if report is not None:
        return {"reported": True, "reported_at": report.created_at, "note": report.note,
                "can_report": False, "reportable_from": None}
    since = reportable_from(session, support_request)
    if since is None:
        return None
    return {"reported": False, "reported_at": None, "note": None,
            "can_report": since <= now, "reportable_from": since}


def report(session: Session, coach: User, request_id: int, note: str | None = None, *,
           now: datetime | None = None) -> UnansweredReport:
    """The coach reports that the supporter never answered their request (once)."""
    now = now or datetime.now(UTC)
    support_request = visible_request(session, coach, request_id)
    if support_request.coach_id != coach.id:
        raise NotFound(NOT_FOUND)  # the supporter cannot report their own request
    already = session.scalar(select(UnansweredReport.id).where(
        UnansweredReport.request_id == support_request.id))
    if already:
        raise Conflict("You have already reported this request: an admin will look at it.")
    since = reportable_from(session, support_request)
    name = support_request.supporter.shown_name
    if since is None:
        if support_request.status in ("pending", "expired"):
            raise Conflict(f"{name} has answered this request, so it cannot be reported as "
                           "unanswered.")
        raise Conflict(f"This request is {support_request.status}: only a request that went "
                       "unanswered can be reported.")
    if since > now:
        raise Conflict(f"{name} has until {since.strftime('%d %B %Y')} to answer before you "
                       "can report this request.")
    created = UnansweredReport(request_id=support_request.id, reporter_id=coach.id,
                               supporter_id=support_request.supporter_id,
                               note=(note or "").strip(), status="open", created_at=now)
    try:
        with session.begin_nested():  # two reports at the same moment: one wins
            session.add(created)
            session.flush()
    except IntegrityError as err:
        raise Conflict("You have already reported this request: an admin will look at "
                       "it.") from err
    audit.record(session, "request.reported_unanswered", actor=coach, subject=created,
                 details={"request_id": support_request.id,
                          "supporter_id": support_request.supporter_id})
    return created


def open_reports(session: Session, admin: User, *, now: datetime | None = None,
                 limit: int | None = None) -> dict:
    """Return the open reports grouped by supporter, most reported first.

    Each supporter comes with their answer history (the last 12 months), so
    an admin can tell a busy week from a pattern. ``limit`` keeps the first
    few supporters only (the admin home); the counts are always of them all.
    """
    require_admin(admin)
    now = now or datetime.now(UTC)
    counts = session.execute(
        select(UnansweredReport.supporter_id, func.count(), func.min(UnansweredReport.created_at))
        .where(UnansweredReport.status == "open")
        .group_by(UnansweredReport.supporter_id)).all()
    counts.sort(key=lambda row: (-row[1], _aware(row[2]), row[0]))
    total = sum(n for _, n, _ in counts)
    shown = [sid for sid, _, _ in (counts if limit is None else counts[:limit])]
    reports = session.scalars(
        select(UnansweredReport)
        .where(UnansweredReport.status == "open", UnansweredReport.supporter_id.in_(shown))
        .options(selectinload(UnansweredReport.reporter),
                 selectinload(UnansweredReport.request).selectinload(SupportRequest.role))
        .order_by(UnansweredReport.created_at, UnansweredReport.id)).all() if shown else []
    profiles = {p.id: p for p in session.scalars(
        select(SupporterProfile).where(SupporterProfile.id.in_(shown))
        .options(selectinload(SupporterProfile.user)))} if shown else {}
    histories = answer_histories(session, shown, now=now)
    waiting = dict(session.execute(
        select(SupportRequest.supporter_id, func.count())
        .where(SupportRequest.supporter_id.in_(shown), SupportRequest.status == "pending")
        .group_by(SupportRequest.supporter_id)).all()) if shown else {}
    by_supporter: dict[int, list[dict]] = {}
    for r in reports:
        by_supporter.setdefault(r.supporter_id, []).append({
            "id": r.id, "request_id": r.request_id, "coach": name_of(r.reporter),
            "role": r.request.role.name, "sent_at": _aware(r.request.created_at),
            "request_status": r.request.status, "reported_at": _aware(r.created_at),
            "note": r.note})
    supporters = []
    for sid in shown:
        profile = profiles[sid]
        supporters.append({
            "id": sid, "name": profile.shown_name, "email": profile.user.email,
            "in_search": is_searchable(session, profile, now.date()),
            "paused": profile.paused, "paused_reason": profile.paused_reason,
            "last_active_at": _aware(profile.last_active_at),
            "missed_in_a_row": profile.missed_in_a_row,
            "waiting_requests": waiting.get(sid, 0),
            "history": histories[sid],
            "report_count": len(by_supporter.get(sid, [])),
            "reports": by_supporter.get(sid, []),
        })
    return {"report_count": total, "supporter_count": len(counts), "supporters": supporters,
            "window_days": 365}


def dismiss(session: Session, admin: User, report_id: int, *,
            now: datetime | None = None) -> UnansweredReport:
    """An admin dismisses an open report (a busy week, a misunderstanding)."""
    require_admin(admin, REPORT_NOT_FOUND)
    now = now or datetime.now(UTC)
    found = session.scalar(select(UnansweredReport).where(UnansweredReport.id == report_id)
                           .with_for_update())
    if found is None:
        raise NotFound(REPORT_NOT_FOUND)
    if found.status != "open":
        raise Conflict("This report is settled already: "
                       + ("it was dismissed." if found.status == "dismissed"
                          else "the supporter was paused."))
    found.status, found.decided_at, found.decided_by_id = "dismissed", now, admin.id
    audit.record(session, "unanswered_report.dismissed", actor=admin, subject=found,
                 details={"supporter_id": found.supporter_id})
    session.flush()
    return found


def pause_supporter(session: Session, admin: User, supporter_id: int, reason: str | None = None,
                    *, now: datetime | None = None) -> SupporterProfile:
    """An admin pauses a supporter who does not answer; their open reports are settled.

    As when a supporter pauses themselves: they leave search, and coaches
    waiting for them are told at once, kindly, to look elsewhere. The
    supporter is emailed to unpause when they can answer again; nothing in
    the email or on their profile says who reported them.
    """
    require_admin(admin, "No supporter with that id.")
    now = now or datetime.now(UTC)
    profile = lock_supporter(session, supporter_id)
    if profile is None:
        raise NotFound("No supporter with that id.")
    if profile.paused:
        raise Conflict(f"{profile.shown_name} is paused already: dismiss the reports if "
                       "nothing more is needed.")
    profile.paused = True
    profile.paused_reason = (reason or "").strip()[:200] or PAUSED_REASON
    settled = session.scalars(select(UnansweredReport).where(
        UnansweredReport.supporter_id == profile.id, UnansweredReport.status == "open")
        .with_for_update()).all()
    for r in settled:
        r.status, r.decided_at, r.decided_by_id = "supporter_paused", now, admin.id
    closed = close_waiting(session, profile, now)
    audit.record(session, "profile.paused_by_admin", actor=admin, subject=profile,
                 details={"reports": [r.id for r in settled], "requests_closed": closed})
    mailer.queue(session, to=profile.user, kind="paused_by_admin",
                 subject="Your profile is paused: are you able to answer coaches?",
                 template="paused_unanswered",
                 context={"note": None if profile.paused_reason == PAUSED_REASON
                          else profile.paused_reason,
                          "url": mailer.absolute_url("support.availability")}, now=now)
    session.flush()
    return profile


def erase_reporter(session: Session, user: User) -> None:
    """Delete the reports ``user`` made (their words and their word against someone)."""
    session.execute(delete(UnansweredReport).where(UnansweredReport.reporter_id == user.id))


def export_rows(session: Session, user: User) -> list[dict]:
    """Return the reports ``user`` made, for their personal-data export."""
    return [{"id": r.id, "request_id": r.request_id, "note": r.note,
             "created_at": _aware(r.created_at).isoformat()}
            for r in session.scalars(select(UnansweredReport).where(
                UnansweredReport.reporter_id == user.id).order_by(UnansweredReport.id))]
