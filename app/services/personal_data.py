"""A person's own data: everything held about them, and erasing it.

Both need the password again. Erasing keeps the rows that make anonymous
counts possible (the account row, requests, engagements, audit events) but
with nothing left in them that identifies or describes the person.

A coach's own plans go with all their history. On other coaches' plans the
person's comments and the notes on proposals they made or decided are
blanked, and their open proposals withdrawn; the reviews and goal progress
they recorded stay, as they are the coach's development record (needed for
relicensing), and show the author as "Deleted user" through the account row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import (
    DELETED_NAME,
    AuditEvent,
    CoachProfile,
    DevelopmentPlan,
    Engagement,
    GoalProgress,
    LogComment,
    OutboxMessage,
    PlanChange,
    PlanGoal,
    PlanReview,
    PlanVersion,
    ProfileChange,
    ReflectiveLogEntry,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
)
from app.services import audit, mailer, saved_searches, sign_ins, unanswered_reports
from app.services.passwords import verify_password
from app.services.waitlists import erase_places, export_places

CHANGE_FIELDS = ("id", "proposer_side", "note", "status", "created_at", "decided_at",
                 "decision_note")


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


def _grouped(rows, key) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


def _plans_export(session: Session, user: User, plans: list[DevelopmentPlan]) -> list[dict]:
    """The coach's own plans with everything written on them, by anyone."""
    plan_ids = [p.id for p in plans] or [-1]
    comments = _grouped(session.scalars(
        select(LogComment).join(ReflectiveLogEntry, LogComment.entry_id == ReflectiveLogEntry.id)
        .where(ReflectiveLogEntry.plan_id.in_(plan_ids))
        .order_by(LogComment.created_at, LogComment.id)), lambda c: c.entry_id)
    progress = _grouped(session.scalars(
        select(GoalProgress).join(PlanGoal, GoalProgress.goal_id == PlanGoal.id)
        .where(PlanGoal.plan_id.in_(plan_ids))
        .order_by(GoalProgress.recorded_on, GoalProgress.id)), lambda p: p.goal_id)
    changes = _grouped(session.scalars(
        select(PlanChange).where(PlanChange.plan_id.in_(plan_ids)).order_by(PlanChange.id)),
        lambda c: c.plan_id)
    versions = _grouped(session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids))
        .order_by(PlanVersion.number)), lambda v: v.plan_id)
    return [{
        **_row(plan, ("id", "title", "programme", "starts_on", "ends_on", "status", "outcome",
                      "created_at")),
        "needs": [{"need": pn.need.key, "priority": pn.priority} for pn in plan.needs],
        "goals": [{
            **_row(g, ("id", "title", "success_measure", "target_date", "status")),
            "progress": [{**_row(p, ("status", "recorded_on", "note", "evidence_entry_id")),
                          "by_you": p.recorded_by_id == user.id}
                         for p in progress.get(g.id, [])],
        } for g in plan.goals],
        "reflective_log": [{
            **_row(e, ("id", "occurred_on", "what_happened", "reflection", "next_steps",
                       "minutes")),
            "goal_ids": sorted(g.id for g in e.goals),
            "comments": [{**_row(c, ("id", "body", "created_at")),
                          "by_you": c.author_id == user.id} for c in comments.get(e.id, [])],
        } for e in plan.log_entries],
        "reviews": [_row(r, ("id", "due_on", "held_on", "notes")) for r in plan.reviews],
        # The whole plan as each proposal would have it and as each version had it.
        "changes": [{**_row(c, CHANGE_FIELDS), "proposed_by_you": c.proposed_by_id == user.id,
                     "content": c.content} for c in changes.get(plan.id, [])],
        "versions": [_row(v, ("number", "summary", "created_at", "content"))
                     for v in versions.get(plan.id, [])],
    } for plan in plans]


def _written_on_other_plans(session: Session, user: User) -> dict:
    """What ``user`` wrote on plans of other coaches (as their supporter)."""
    others = DevelopmentPlan.coach_id != user.id
    comments = session.execute(
        select(LogComment, ReflectiveLogEntry.plan_id)
        .join(ReflectiveLogEntry, LogComment.entry_id == ReflectiveLogEntry.id)
        .join(DevelopmentPlan, ReflectiveLogEntry.plan_id == DevelopmentPlan.id)
        .where(LogComment.author_id == user.id, others).order_by(LogComment.id)).all()
    reviews = session.scalars(
        select(PlanReview).join(DevelopmentPlan, PlanReview.plan_id == DevelopmentPlan.id)
        .where(PlanReview.reviewer_id == user.id, others).order_by(PlanReview.id)).all()
    progress = session.execute(
        select(GoalProgress, PlanGoal.plan_id).join(PlanGoal, GoalProgress.goal_id == PlanGoal.id)
        .join(DevelopmentPlan, PlanGoal.plan_id == DevelopmentPlan.id)
        .where(GoalProgress.recorded_by_id == user.id, others).order_by(GoalProgress.id)).all()
    changes = session.scalars(
        select(PlanChange).join(DevelopmentPlan, PlanChange.plan_id == DevelopmentPlan.id)
        .where(or_(PlanChange.proposed_by_id == user.id, PlanChange.decided_by_id == user.id),
               others).order_by(PlanChange.id)).all()
    return {
        "comments": [{**_row(c, ("id", "entry_id", "body", "created_at")), "plan_id": plan_id}
                     for c, plan_id in comments],
        "reviews_recorded": [_row(r, ("id", "plan_id", "due_on", "held_on", "notes"))
                             for r in reviews],
        "progress_recorded": [{**_row(p, ("id", "goal_id", "status", "recorded_on", "note",
                                          "evidence_entry_id")), "plan_id": plan_id}
                              for p, plan_id in progress],
        "proposals_made": [_row(c, ("plan_id", *CHANGE_FIELDS))
                           for c in changes if c.proposed_by_id == user.id],
        # Withdrawing marks the proposer as the decider too: that one is listed above.
        "proposals_decided": [_row(c, ("plan_id", *CHANGE_FIELDS)) for c in changes
                              if c.decided_by_id == user.id and c.proposed_by_id != user.id],
    }


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
                                  "membership_number", "created_at", "last_login_at")),
                    "roles": sorted(user.role_names)},
        "supporter_profile": None if supporter is None else {
            **_row(supporter, (
                "id", "years_coaching", "club", "bio", "latitude", "longitude", "postcode",
                "outward_code", "place_label", "country", "search_area", "search_latitude",
                "search_longitude", "travel_km", "offers_online",
                "capacity", "safeguarding_checked_on", "safeguarding_scheme",
                "safeguarding_expires_on", "licence_expires_on", "verified_at",
                "public_name", "visible", "paused", "paused_reason", "last_active_at",
                "created_at", "updated_at")),
            "roles": [r.key for r in supporter.roles],
            "event_groups": [g.key for g in supporter.event_groups],
            "expertise": [n.key for n in supporter.expertise],
            "qualification": supporter.qualification.key if supporter.qualification else None,
            "changes": [_row(change, ("status", "new", "proposed", "replaced", "submitted_at",
                                      "decided_at", "message"))
                        for change in session.scalars(
                            select(ProfileChange).where(ProfileChange.profile_id == supporter.id)
                            .order_by(ProfileChange.id))],
        },
        "coach_profile": None if coach is None else {
            **_row(coach, ("id", "club", "latitude", "longitude", "postcode", "outward_code",
                           "place_label", "country", "created_at", "updated_at")),
            "event_groups": [g.key for g in coach.event_groups],
            "qualification": coach.qualification.key if coach.qualification else None,
        },
        "development_plans": _plans_export(session, user, plans),
        "written_on_other_plans": _written_on_other_plans(session, user),
        "requests_sent": [{**_row(r, request_fields), "role": r.role.key,
                           "supporter": r.supporter.user.display_name} for r in sent],
        "requests_received": [{**_row(r, request_fields), "role": r.role.key,
                               "coach": r.coach.display_name} for r in received],
        "request_messages": [{**_row(m, ("id", "request_id", "body", "created_at")),
                              "by_you": m.author_id == user.id} for m in messages],
        # Reports the person made that a supporter never answered them.
        "unanswered_reports": unanswered_reports.export_rows(session, user),
        "engagements": [{**_row(e, ("id", "status", "started_on", "ended_on", "outcome")),
                         "role": e.role.key,
                         "as": "coach" if e.coach_id == user.id else "supporter"}
                        for e in engagements],
        "audit_log": [_row(e, ("at", "action", "subject_type", "subject_id", "ip_address"))
                      for e in events],
        "emails": [_row(m, ("created_at", "subject", "kind", "sent_at")) for m in emails],
        "saved_searches": saved_searches.export(session, user),
        "waitlist_places": export_places(session, user),
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
    for e in session.scalars(select(Engagement).where(
            or_(Engagement.coach_id == user.id,
                Engagement.supporter_id == (supporter.id if supporter else -1)),
            Engagement.status == "active")).all():
        to_coach = e.coach_id != user.id
        mailer.queue(session, to=e.coach if to_coach else e.supporter.user,
                     kind="engagement_closed",
                     subject=f"Your {e.role.name.lower()} closed their account" if to_coach
                     else "A coach you support closed their account",
                     template="engagement_ended_account_closed",
                     context={"engagement": e, "to_coach": to_coach,
                              "search_url": mailer.absolute_url("web.search")}, now=now)
        e.status, e.ended_on, e.outcome = "closed", now.date(), None

    # Text the person wrote, wherever it is.
    session.execute(update(SupportRequest).where(SupportRequest.coach_id == user.id)
                    .values(message=""))
    session.execute(update(RequestMessage).where(RequestMessage.author_id == user.id)
                    .values(body=""))
    session.execute(update(LogComment).where(LogComment.author_id == user.id).values(body=""))
    session.execute(update(PlanChange).where(PlanChange.proposed_by_id == user.id,
                                             PlanChange.status == "proposed")
                    .values(status="withdrawn", decided_by_id=user.id, decided_at=now))
    session.execute(update(PlanChange).where(PlanChange.proposed_by_id == user.id)
                    .values(note=""))
    session.execute(update(PlanChange).where(PlanChange.decided_by_id == user.id)
                    .values(decision_note=None))
    unanswered_reports.erase_reporter(session, user)
    # Mail to them, and mail to others carrying their words or contact details.
    session.execute(delete(OutboxMessage).where(
        or_(OutboxMessage.user_id == user.id, OutboxMessage.about_user_id == user.id)))
    session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id)
                    .values(ip_address=None))
    for plan in session.scalars(select(DevelopmentPlan).where(
            DevelopmentPlan.coach_id == user.id)).all():
        session.delete(plan)
    saved_searches.erase(session, user)

    if supporter is not None:
        supporter.visible, supporter.paused = False, True
        supporter.paused_reason = None
        supporter.bio, supporter.club = "", None
        supporter.latitude = supporter.longitude = None
        supporter.search_latitude = supporter.search_longitude = None
        supporter.postcode = supporter.outward_code = supporter.place_label = None
        supporter.safeguarding_expires_on = supporter.licence_expires_on = None
        supporter.safeguarding_checked_on = supporter.safeguarding_scheme = None
        supporter.verified_at, supporter.public_name = None, None
        # What they proposed is their words too.
        session.execute(delete(ProfileChange).where(ProfileChange.profile_id == supporter.id))
    # Their places in waitlists go (and a supporter's own line closes).
    erase_places(session, user, supporter, now)
    coach = session.scalar(select(CoachProfile).where(CoachProfile.user_id == user.id))
    if coach is not None:
        coach.club = None
        coach.latitude = coach.longitude = None
        coach.postcode = coach.outward_code = coach.place_label = None

    user.email = f"deleted-{user.id}@invalid"
    user.membership_number = None
    user.display_name = DELETED_NAME
    user.phone = None
    user.password_hash = None
    user.email_verified_at = None
    user.last_login_at = None
    user.active = False
    user.deleted_at = now
    user.session_version += 1
    sign_ins.end_all(session, user, reason="erased", now=now)
    audit.record(session, "account.deleted", actor=user, subject=user, ip="")
    session.flush()
