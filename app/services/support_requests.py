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

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    Engagement,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
)
from app.services import audit, found_support, mailer, waitlists
from app.services.capacity import lock_supporter, places_left
from app.services.eligibility import is_searchable, supporter_status
from app.services.plan_access import current_plan
from app.services.request_closing import close, close_when_full, search_link, suggestions

NOT_FOUND = "No support request with that id."
CONTACT_WITHHELD = ("Contact details are hidden while {name}'s safeguarding check, licence or "
                    "verification is not current. They show again once it is renewed.")


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
        withdraw_others_on_accept=bool(data.get("withdraw_others_on_accept")),
        status="pending", created_at=now,
        expires_at=now + timedelta(days=config["REQUEST_EXPIRY_DAYS"]))
    session.add(support_request)
    session.flush()
    audit.record(session, "request.sent", actor=coach, subject=support_request,
                 details={"supporter_id": profile.id, "role": role.key})
    waitlists.request_sent(session, coach, profile, now)
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
    visible_request(session, user, request_id)


def visible_request(session: Session, user: User, request_id: int, *,
                    lock: bool = False) -> SupportRequest:
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
    found = visible_request(session, user, request_id)
    if found.supporter.user_id != user.id:
        raise NotFound(NOT_FOUND)  # the coach cannot answer their own request
    if lock:
        lock_supporter(session, found.supporter_id)
        found = visible_request(session, user, request_id, lock=True)
    return found


def _as_coach(session, user, request_id, *, lock=False) -> SupportRequest:
    found = visible_request(session, user, request_id)
    if found.coach_id != user.id:
        raise NotFound(NOT_FOUND)
    if lock:
        lock_supporter(session, found.supporter_id)
        found = visible_request(session, user, request_id, lock=True)
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


def _answered(profile: SupporterProfile, now: datetime) -> None:
    profile.missed_in_a_row = 0
    profile.last_active_at = now


def accept(session: Session, supporter_user: User, request_id: int, *,
           now: datetime | None = None) -> SupportRequest:
    """Accept a pending request: an engagement starts and contact details are shared."""
    now = now or datetime.now(UTC)
    # Serialise every accept for this coach, and for this supporter, then read the state.
    found_support.lock_coach_of(session, request_id)
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
    close(support_request, "accepted", None, now)
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
    found_support.withdraw_other_requests(session, support_request, now)
    # An offer to the waitlist that this place covered goes back to the line.
    waitlists.offer_open_places(session, profile, now=now)
    return support_request


def decline(session: Session, supporter_user: User, request_id: int, reason: str, *,
            now: datetime | None = None) -> SupportRequest:
    """Decline a pending request, saying why; the coach is told kindly."""
    now = now or datetime.now(UTC)
    support_request = _as_supporter(session, supporter_user, request_id, lock=True)
    _must_be_pending(support_request, now)
    close(support_request, "declined", reason.strip(), now)
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
    waitlists.offer_open_places(session, support_request.supporter, now=now)
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
    close(support_request, "withdrawn", (reason or "").strip() or None, now)
    audit.record(session, "request.withdrawn", actor=coach, subject=support_request)
    mailer.queue(session, to=support_request.supporter.user, kind="request_withdrawn",
                 about=coach,
                 subject=f"{coach.display_name} withdrew their request",
                 template="request_withdrawn",
                 context={"request": support_request, "coach": coach}, now=now)
    waitlists.offer_open_places(session, support_request.supporter, now=now)
    return support_request


