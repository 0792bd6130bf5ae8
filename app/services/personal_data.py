"""A person's own data: everything held about them, and erasing it.

Both need the password again. Erasing keeps the rows that make anonymous
counts possible (the account row, requests, engagements, audit events) but
with nothing left in them that identifies or describes the person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import (
    AuditEvent,
    CoachProfile,
    DevelopmentPlan,
    Engagement,
    OutboxMessage,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
)
from app.services import audit, mailer
from app.services.passwords import verify_password

DELETED_NAME = "Deleted user"


def confirm_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise InvalidInput("That is not your password.",
                           errors={"password": ["That is not your password."]})


def _iso(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj, names) -> dict:
    return {name: _iso(getattr(obj, name)) for name in names}


def export(session: Session, user: User, password: str) -> dict:
    """Return everything held about ``user`` as plain JSON-ready values."""
    confirm_password(user, password)
    audit.record(session, "account.data_exported", actor=user, subject=user)
    supporter = session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))
    coach = session.scalar(select(CoachProfile).where(CoachProfile.user_id == user.id))
    plans = session.scalars(select(DevelopmentPlan).where(DevelopmentPlan.coach_id == user.id)
                            .order_by(DevelopmentPlan.id)).all()
    sent = session.scalars(select(SupportRequest).where(SupportRequest.coach_id == user.id)
                           .order_by(SupportRequest.id)).all()
    received = session.scalars(select(SupportRequest).where(
        SupportRequest.supporter_id == supporter.id).order_by(SupportRequest.id)).all() \
        if supporter else []
    request_ids = [r.id for r in (*sent, *received)]
    messages = session.scalars(select(RequestMessage).where(
        RequestMessage.request_id.in_(request_ids)).order_by(RequestMessage.id)).all() \
        if request_ids else []
    engagements = session.scalars(select(Engagement).where(or_(
        Engagement.coach_id == user.id,
        Engagement.supporter_id == (supporter.id if supporter else -1)))
        .order_by(Engagement.id)).all()
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor_id == user.id,
        (AuditEvent.subject_type == "users") & (AuditEvent.subject_id == user.id)))
        .order_by(AuditEvent.id)).all()
    emails = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                             .order_by(OutboxMessage.id)).all()
    request_fields = ("id", "status", "status_reason", "message", "created_at", "expires_at",
                      "responded_at", "closed_at")
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "account": {**_row(user, ("id", "email", "display_name", "phone", "email_verified_at",
                                  "created_at", "last_login_at")),
                    "roles": sorted(user.role_names)},
        "supporter_profile": None if supporter is None else {
            **_row(supporter, (
                "id", "years_coaching", "club", "bio", "latitude", "longitude", "postcode",
                "outward_code", "place_label", "country", "travel_km", "offers_online",
                "capacity", "safeguarding_expires_on", "licence_expires_on", "verified_at",
                "submitted_at", "visible", "paused", "paused_reason", "last_active_at",
                "created_at", "updated_at")),
            "roles": [r.key for r in supporter.roles],
            "event_groups": [g.key for g in supporter.event_groups],
            "expertise": [n.key for n in supporter.expertise],
            "qualification": supporter.qualification.key if supporter.qualification else None,
        },
        "coach_profile": None if coach is None else {
            **_row(coach, ("id", "club", "latitude", "longitude", "postcode", "outward_code",
                           "place_label", "country", "created_at", "updated_at")),
            "event_groups": [g.key for g in coach.event_groups],
            "qualification": coach.qualification.key if coach.qualification else None,
        },
        "development_plans": [{
            **_row(plan, ("id", "title", "starts_on", "ends_on", "status", "outcome",
                          "created_at")),
            "needs": [{"need": pn.need.key, "priority": pn.priority} for pn in plan.needs],
            "goals": [_row(g, ("id", "title", "success_measure", "target_date", "status"))
                      for g in plan.goals],
            "reflective_log": [_row(e, ("id", "occurred_on", "what_happened", "reflection",
                                        "next_steps", "minutes")) for e in plan.log_entries],
            "reviews": [_row(r, ("id", "due_on", "held_on", "notes")) for r in plan.reviews],
        } for plan in plans],
        "requests_sent": [{**_row(r, request_fields), "role": r.role.key,
                           "supporter": r.supporter.user.display_name} for r in sent],
        "requests_received": [{**_row(r, request_fields), "role": r.role.key,
                               "coach": r.coach.display_name} for r in received],
        "request_messages": [{**_row(m, ("id", "request_id", "body", "created_at")),
                              "by_you": m.author_id == user.id} for m in messages],
        "engagements": [{**_row(e, ("id", "status", "started_on", "ended_on", "outcome")),
                         "role": e.role.key,
                         "as": "coach" if e.coach_id == user.id else "supporter"}
                        for e in engagements],
        "audit_log": [_row(e, ("at", "action", "subject_type", "subject_id", "ip_address"))
                      for e in events],
        "emails": [_row(m, ("created_at", "subject", "kind", "sent_at")) for m in emails],
    }


def erase(session: Session, user: User, password: str, *,
          now: datetime | None = None) -> None:
    """Erase ``user``'s personal data, keeping anonymous counts; they are signed out."""
    now = now or datetime.now(UTC)
    confirm_password(user, password)
    supporter = session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))

    # Close what is open, telling the other side.
    open_as_coach = session.scalars(select(SupportRequest).where(
        SupportRequest.coach_id == user.id, SupportRequest.status == "pending")).all()
    for r in open_as_coach:
        r.status, r.closed_at = "withdrawn", now
        r.status_reason = "The coach closed their account."
        mailer.queue(session, to=r.supporter.user, kind="request_withdrawn",
                     subject="A request to you was withdrawn", template="request_withdrawn",
                     context={"request": r, "coach": None}, now=now)
    if supporter is not None:
        for r in session.scalars(select(SupportRequest).where(
                SupportRequest.supporter_id == supporter.id,
                SupportRequest.status == "pending")).all():
            r.status, r.closed_at = "declined", now
            r.status_reason = "This supporter has closed their account."
            mailer.queue(session, to=r.coach, kind="request_declined",
                         subject="Your supporter closed their account",
                         template="request_declined",
                         context={"request": r, "supporter": None, "suggestions": [],
                                  "search_url": mailer.absolute_url("web.search")}, now=now)
    session.execute(update(Engagement).where(
        or_(Engagement.coach_id == user.id,
            Engagement.supporter_id == (supporter.id if supporter else -1)),
        Engagement.status == "active").values(status="closed", ended_on=now.date(),
                                              outcome=None))

    # Text the person wrote, wherever it is.
    session.execute(update(SupportRequest).where(SupportRequest.coach_id == user.id)
                    .values(message=""))
    session.execute(update(RequestMessage).where(RequestMessage.author_id == user.id)
                    .values(body=""))
    session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id)
                    .values(ip_address=None))
    for plan in session.scalars(select(DevelopmentPlan).where(
            DevelopmentPlan.coach_id == user.id)).all():
        session.delete(plan)

    if supporter is not None:
        supporter.visible, supporter.paused = False, True
        supporter.paused_reason = None
        supporter.bio, supporter.club = "", None
        supporter.latitude = supporter.longitude = None
        supporter.postcode = supporter.outward_code = supporter.place_label = None
        supporter.safeguarding_expires_on = supporter.licence_expires_on = None
        supporter.verified_at = supporter.submitted_at = None
    coach = session.scalar(select(CoachProfile).where(CoachProfile.user_id == user.id))
    if coach is not None:
        coach.club = None
        coach.latitude = coach.longitude = None
        coach.postcode = coach.outward_code = coach.place_label = None

    user.email = f"deleted-{user.id}@invalid"
    user.display_name = DELETED_NAME
    user.phone = None
    user.password_hash = None
    user.email_verified_at = None
    user.last_login_at = None
    user.active = False
    user.deleted_at = now
    user.session_version += 1
    audit.record(session, "account.deleted", actor=user, subject=user, ip="")
    session.flush()
