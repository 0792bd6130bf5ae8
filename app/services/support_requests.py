"""The support request workflow: from a search result to an engagement.

States: ``pending`` -> ``accepted`` | ``declined`` | ``withdrawn`` | ``expired``.
Only a pending request changes; every other transition is refused with 409
and changes nothing. A request is visible to its coach and its supporter
only: anyone else is told it does not exist (404).

Capacity is real: accepting locks the supporter's row (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite the database's write lock, taken before that read:
see ``app.extensions``) before counting active engagements, so simultaneous
accepts can never exceed it. Taking the last
place closes the supporter's other pending requests kindly, with
suggestions of other supporters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    Engagement,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    SupportRole,
    User,
    name_of,
)
from app.services import audit, mailer
from app.services.capacity import lock_supporter, places_left
from app.services.coach_profiles import search_defaults
from app.services.eligibility import is_searchable, may_share_contact, searchable, supporter_status
from app.services.plan_access import current_plan

NOT_FOUND = "No support request with that id."
CONTACT_WITHHELD = ("Contact details are hidden while {name}'s safeguarding check, licence or "
                    "verification is not current. They show again once it is renewed.")


@dataclass
class ExpiryReport:
    expired: int = 0
    paused: list[int] = field(default_factory=list)


def request_form_context(session: Session, coach: User, supporter_id: int, *,
                         now: datetime | None = None) -> dict:
    """Return what the request form needs, or raise why no request can be sent."""
    now = now or datetime.now(UTC)
    profile = _requestable(session, coach, supporter_id, now)
    plan = current_plan(session, coach.id) if coach.has_role("coach") else None
    return {"supporter": profile, "plan": plan, "places_left": places_left(session, profile)}


def _requestable(session: Session, coach: User, supporter_id: int,
                 now: datetime) -> SupporterProfile:
    profile = session.get(SupporterProfile, supporter_id)
    if profile is None or not is_searchable(session, profile, now.date()):
        raise NotFound("This supporter is not taking requests at the moment.")
    if profile.user_id == coach.id:
        raise Conflict("You cannot send a support request to yourself.")
    return profile


def send_request(session: Session, coach: User, data: dict, *,
                 now: datetime | None = None) -> SupportRequest:
    """A coach asks a supporter for support in one role; the supporter is emailed."""
    now = now or datetime.now(UTC)
    config = current_app.config
    if not coach.has_role("coach"):
        raise Conflict("Add the coach role on your account page to ask for support.")
    if coach.email_verified_at is None:
        raise Conflict("Confirm your email address first: we sent you a link when you "
                       "signed up, and you can ask for a new one on your account page.")
    profile = _requestable(session, coach, data["supporter_id"], now)
    role = next((r for r in profile.roles if r.key == data["role"]), None)
    if role is None:
        offered = ", ".join(r.name.lower() for r in profile.roles)
        raise InvalidInput("Choose a kind of support this supporter offers.",
                           errors={"role": [f"{profile.user.display_name} offers: {offered}."]})
    if places_left(session, profile) <= 0:
        raise Conflict(f"{profile.user.display_name} has no places free at the moment, so "
                       "cannot take a new request. Search again to find others who can "
                       "help now.")
    duplicate = session.scalar(select(SupportRequest.id).where(
        SupportRequest.coach_id == coach.id, SupportRequest.supporter_id == profile.id,
        SupportRequest.status == "pending"))
    if duplicate:
        raise Conflict("You already have a request waiting for this supporter's answer.")
    engaged = session.scalar(select(Engagement.id).where(
        Engagement.coach_id == coach.id, Engagement.supporter_id == profile.id,
        Engagement.role_id == role.id, Engagement.status == "active"))
    if engaged:
        raise Conflict(f"You already work with {profile.user.display_name} as your "
                       f"{role.name.lower()}.")
    pending = session.scalar(select(func.count()).select_from(SupportRequest).where(
        SupportRequest.coach_id == coach.id, SupportRequest.status == "pending")) or 0
    if pending >= config["PENDING_REQUESTS_LIMIT"]:
        raise Conflict(f"You have {pending} requests waiting for answers: withdraw one "
                       "before sending another.")
    plan = current_plan(session, coach.id) if data.get("share_plan") else None

    support_request = SupportRequest(
        coach_id=coach.id, supporter_id=profile.id, role_id=role.id,
        plan_id=plan.id if plan else None, message=data.get("message", "").strip(),
        status="pending", created_at=now,
        expires_at=now + timedelta(days=config["REQUEST_EXPIRY_DAYS"]))
    session.add(support_request)
    session.flush()
    audit.record(session, "request.sent", actor=coach, subject=support_request,
                 details={"supporter_id": profile.id, "role": role.key})
    mailer.queue(session, to=profile.user, kind="request_received", about=coach,
                 subject=f"{coach.display_name} asks you to be their {role.name.lower()}",
                 template="request_received",
                 context={"request": support_request, "coach": coach, "role": role,
                          "url": _url(support_request)}, now=now)
    return support_request


def _url(support_request: SupportRequest) -> str:
    return mailer.absolute_url("support.request_detail", request_id=support_request.id)


def check_party(session: Session, user: User, request_id: int) -> None:
    """Raise NotFound unless ``user`` is the coach or the supporter of the request."""
    _load(session, user, request_id)


def _load(session: Session, user: User, request_id: int, *, lock: bool = False) -> SupportRequest:
    """Return a request the user is a party to, or raise NotFound (never 403)."""
    query = (select(SupportRequest).join(SupporterProfile,
                                         SupporterProfile.id == SupportRequest.supporter_id)
             .where(SupportRequest.id == request_id,
                    or_(SupportRequest.coach_id == user.id, SupporterProfile.user_id == user.id)))
    if lock:
        query = query.with_for_update(of=SupportRequest).execution_options(
            populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def _as_supporter(session, user, request_id, *, lock=False) -> SupportRequest:
    found = _load(session, user, request_id)
    if found.supporter.user_id != user.id:
        raise NotFound(NOT_FOUND)  # the coach cannot answer their own request
    if lock:
        lock_supporter(session, found.supporter_id)
        found = _load(session, user, request_id, lock=True)
    return found


def _as_coach(session, user, request_id, *, lock=False) -> SupportRequest:
    found = _load(session, user, request_id)
    if found.coach_id != user.id:
        raise NotFound(NOT_FOUND)
    if lock:
        lock_supporter(session, found.supporter_id)
        found = _load(session, user, request_id, lock=True)
    return found


def _must_be_pending(support_request: SupportRequest, now: datetime) -> None:
    if support_request.status != "pending":
        raise Conflict(f"This request is {support_request.status} already, so it cannot "
                       "change any more.")
    if _aware(support_request.expires_at) <= now:
        raise Conflict("This request has expired: it was not answered in time.")


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _close(support_request: SupportRequest, status: str, reason: str | None,
           now: datetime) -> None:
    support_request.status = status
    support_request.status_reason = reason[:500] if reason else None
    support_request.closed_at = now


def _answered(profile: SupporterProfile, now: datetime) -> None:
    profile.missed_in_a_row = 0
    profile.last_active_at = now


def accept(session: Session, supporter_user: User, request_id: int, *,
           now: datetime | None = None) -> SupportRequest:
    """Accept a pending request: an engagement starts and contact details are shared."""
    now = now or datetime.now(UTC)
    # Serialise every accept for this supporter, then read the current state.
    support_request = _as_supporter(session, supporter_user, request_id, lock=True)
    profile = support_request.supporter
    _must_be_pending(support_request, now)
    if supporter_user.email_verified_at is None:
        raise Conflict("Confirm your email address before accepting requests.")
    # Eligibility wins, checked again now: accepting shares the coach's contact details.
    if not is_searchable(session, profile, now.date()):
        notes = supporter_status(profile, now.date())
        raise Conflict("You cannot accept requests while you are not in search: "
                       + (notes[0] if notes else "your profile is not available.")
                       + " Your waiting requests will be closed, kindly, for the coaches "
                         "to look elsewhere.")
    left = places_left(session, profile)
    if left <= 0:
        raise Conflict("You have no places left: raise your capacity on your profile, or "
                       "decline this request.")
    already = session.scalar(select(Engagement.id).where(
        Engagement.coach_id == support_request.coach_id,
        Engagement.supporter_id == profile.id, Engagement.role_id == support_request.role_id,
        Engagement.status == "active"))
    if already:
        raise Conflict("You already work with this coach in this role.")

    session.add(Engagement(
        request_id=support_request.id, coach_id=support_request.coach_id,
        supporter_id=profile.id, role_id=support_request.role_id,
        plan_id=support_request.plan_id, status="active", started_on=now.date()))
    _close(support_request, "accepted", None, now)
    support_request.responded_at = now
    _answered(profile, now)
    audit.record(session, "request.accepted", actor=supporter_user, subject=support_request)
    mailer.queue(session, to=support_request.coach, kind="request_accepted",
                 about=supporter_user,
                 subject=f"{supporter_user.display_name} accepted your request",
                 template="request_accepted",
                 context={"request": support_request, "supporter": supporter_user,
                          "url": _url(support_request)}, now=now)
    session.flush()
    if left == 1:
        close_when_full(session, profile, now)
    return support_request


def close_when_full(session: Session, profile: SupporterProfile, now: datetime) -> None:
    """The last place is taken: close the other pending requests, kindly."""
    others = session.scalars(select(SupportRequest).where(
        SupportRequest.supporter_id == profile.id, SupportRequest.status == "pending")
        .with_for_update()).all()
    name = profile.user.display_name
    for other in others:
        _close(other, "declined",
               f"{name} has just taken on as many coaches as they can support, so they "
               "cannot take your request. This is about their places, not about you: "
               "other supporters are ready to help.", now)
        audit.record(session, "request.closed_full", subject=other,
                     details={"supporter_id": profile.id})
        mailer.queue(session, to=other.coach, kind="request_closed_full",
                     about=profile.user,
                     subject=f"{name} is full: others can help",
                     template="request_closed_full",
                     context={"request": other, "supporter_name": name,
                              "suggestions": suggestions(session, other),
                              "search_url": search_link(session, other.coach)}, now=now)


def close_waiting(session: Session, profile: SupporterProfile, now: datetime) -> int:
    """Close a supporter's waiting requests, kindly: they cannot take coaches now.

    Their safeguarding check or licence expired, they are no longer verified,
    or they paused or hid their profile. The coaches are told at once, with
    suggestions, rather than left waiting for an expiry; the message gives no
    reason (a lapsed check is the supporter's business). Call with the
    supporter locked (``lock_supporter``).
    """
    waiting = session.scalars(select(SupportRequest).where(
        SupportRequest.supporter_id == profile.id, SupportRequest.status == "pending")
        .with_for_update()).all()
    name = profile.user.display_name
    for support_request in waiting:
        _close(support_request, "declined",
               f"{name} is not taking on coaches at the moment, so this request is closed. "
               "This is nothing to do with you: other supporters are ready to help.", now)
        audit.record(session, "request.closed_unavailable", subject=support_request,
                     details={"supporter_id": profile.id})
        mailer.queue(session, to=support_request.coach, kind="request_closed_unavailable",
                     about=profile.user,
                     subject=f"{name} is not taking on coaches now: others can help",
                     template="request_closed_unavailable",
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


def decline(session: Session, supporter_user: User, request_id: int, reason: str, *,
            now: datetime | None = None) -> SupportRequest:
    """Decline a pending request, saying why; the coach is told kindly."""
    now = now or datetime.now(UTC)
    support_request = _as_supporter(session, supporter_user, request_id, lock=True)
    _must_be_pending(support_request, now)
    _close(support_request, "declined", reason.strip(), now)
    support_request.responded_at = now
    _answered(support_request.supporter, now)
    audit.record(session, "request.declined", actor=supporter_user, subject=support_request)
    mailer.queue(session, to=support_request.coach, kind="request_declined",
                 about=supporter_user,
                 subject=f"{supporter_user.display_name} cannot take your request",
                 template="request_declined",
                 context={"request": support_request, "supporter": supporter_user,
                          "suggestions": suggestions(session, support_request),
                          "search_url": search_link(session, support_request.coach)}, now=now)
    return support_request


def ask_for_information(session: Session, supporter_user: User, request_id: int,
                        question: str, *, now: datetime | None = None) -> SupportRequest:
    """The supporter asks the coach a question; the request stays pending (for longer)."""
    now = now or datetime.now(UTC)
    support_request = _as_supporter(session, supporter_user, request_id, lock=True)
    _must_be_pending(support_request, now)
    session.add(RequestMessage(request_id=support_request.id, author_id=supporter_user.id,
                               body=question.strip(), created_at=now))
    # Asking is an answer of a kind: the clock starts again.
    support_request.expires_at = max(
        _aware(support_request.expires_at),
        now + timedelta(days=current_app.config["REQUEST_EXPIRY_DAYS"]))
    _answered(support_request.supporter, now)
    audit.record(session, "request.information_requested", actor=supporter_user,
                 subject=support_request)
    mailer.queue(session, to=support_request.coach, kind="request_question",
                 about=supporter_user,
                 subject=f"{supporter_user.display_name} has a question about your request",
                 template="request_question",
                 context={"request": support_request, "author": supporter_user,
                          "body": question.strip(), "url": _url(support_request)}, now=now)
    return support_request


def reply(session: Session, coach: User, request_id: int, body: str, *,
          now: datetime | None = None) -> SupportRequest:
    """The coach answers the supporter's question on a pending request."""
    now = now or datetime.now(UTC)
    support_request = _as_coach(session, coach, request_id, lock=True)
    _must_be_pending(support_request, now)
    session.add(RequestMessage(request_id=support_request.id, author_id=coach.id,
                               body=body.strip(), created_at=now))
    audit.record(session, "request.replied", actor=coach, subject=support_request)
    mailer.queue(session, to=support_request.supporter.user, kind="request_reply",
                 about=coach,
                 subject=f"{coach.display_name} answered about their request",
                 template="request_question",
                 context={"request": support_request, "author": coach, "body": body.strip(),
                          "url": _url(support_request)}, now=now)
    return support_request


def withdraw(session: Session, coach: User, request_id: int, reason: str | None = None, *,
             now: datetime | None = None) -> SupportRequest:
    """The coach withdraws a pending request."""
    now = now or datetime.now(UTC)
    support_request = _as_coach(session, coach, request_id, lock=True)
    _must_be_pending(support_request, now)
    _close(support_request, "withdrawn", (reason or "").strip() or None, now)
    audit.record(session, "request.withdrawn", actor=coach, subject=support_request)
    mailer.queue(session, to=support_request.supporter.user, kind="request_withdrawn",
                 about=coach,
                 subject=f"{coach.display_name} withdrew their request",
                 template="request_withdrawn",
                 context={"request": support_request, "coach": coach}, now=now)
    return support_request


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
        _close(support_request, "expired",
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
            outcome = search_support(session, args)
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


# --- reading --------------------------------------------------------------------------------


def inbox(session: Session, user: User) -> dict:
    """Return the user's received and sent requests, newest first."""
    base = (select(SupportRequest)
            .options(selectinload(SupportRequest.coach), selectinload(SupportRequest.role),
                     selectinload(SupportRequest.supporter).selectinload(SupporterProfile.user))
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc()))
    received = session.scalars(base.join(SupporterProfile,
                                         SupporterProfile.id == SupportRequest.supporter_id)
                               .where(SupporterProfile.user_id == user.id)).all()
    sent = session.scalars(base.where(SupportRequest.coach_id == user.id)).all()
    return {"received": [summary(r, user) for r in received],
            "sent": [summary(r, user) for r in sent]}


def summary(support_request: SupportRequest, viewer: User, *,
            today: date | None = None) -> dict:
    """The request as ``viewer`` may see it; contact details only once accepted.

    And only while the supporter may share them: their safeguarding check,
    licence and verification are checked again every time.
    """
    today = today or date.today()
    coach = support_request.coach
    supporter_user = support_request.supporter.user
    as_supporter = supporter_user.id == viewer.id
    other = coach if as_supporter else supporter_user
    contact = withheld = None
    if support_request.status == "accepted":
        if may_share_contact(support_request.supporter, today):
            contact = {"name": other.display_name, "email": other.email, "phone": other.phone}
        else:
            withheld = CONTACT_WITHHELD.format(name=supporter_user.display_name)
    return {
        "id": support_request.id,
        "status": support_request.status,
        "status_reason": support_request.status_reason,
        "your_side": "supporter" if as_supporter else "coach",
        "role": {"key": support_request.role.key, "name": support_request.role.name},
        "coach": {"name": coach.display_name},
        "supporter": {"id": support_request.supporter_id, "name": supporter_user.display_name,
                      "near": support_request.supporter.outward_code},
        "message": support_request.message,
        "created_at": support_request.created_at,
        "expires_at": support_request.expires_at,
        "responded_at": support_request.responded_at,
        "closed_at": support_request.closed_at,
        "contact": contact,
        "contact_withheld": withheld,
    }


def detail(session: Session, user: User, request_id: int) -> dict:
    """Return one request with its messages and, if shared, the plan."""
    support_request = _load(session, user, request_id)
    view = summary(support_request, user)
    messages = session.scalars(select(RequestMessage).where(
        RequestMessage.request_id == support_request.id).order_by(RequestMessage.created_at,
                                                                 RequestMessage.id)).all()
    view["messages"] = [{"from": "you" if m.author_id == user.id else
                         (name_of(m.author)),
                         "body": m.body, "at": m.created_at} for m in messages]
    view["plan"] = _plan_view(session, support_request)
    view["can"] = _allowed_actions(support_request, user)
    return view


def _plan_view(session: Session, support_request: SupportRequest) -> dict | None:
    from app.models import DevelopmentPlan

    if support_request.plan_id is None:
        return None
    plan = session.get(DevelopmentPlan, support_request.plan_id)
    if plan is None:
        return None
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
    return {"title": plan.title,
            "needs": [{"name": pn.need.name, "priority": pn.priority} for pn in needs],
            "goals": [{"title": g.title, "target_date": g.target_date} for g in plan.goals]}


def _allowed_actions(support_request: SupportRequest, user: User) -> list[str]:
    if support_request.status != "pending":
        return []
    if support_request.supporter.user_id == user.id:
        return ["accept", "decline", "ask"]
    return ["reply", "withdraw"]
