"""Waitlists: coaches line up for a full supporter and are told, in turn, when a place opens.

A coach joins a full supporter's line for one support role, with a short note
the supporter reads. When a place opens (an engagement closes, the supporter
raises their capacity or comes back from a pause, a coach's account closes, a
waiting request ends), ``offer_open_places`` tells the first coach in line, by
email and on their requests page, and holds the place for them for
``WAITLIST_HOLD_DAYS``; only when that hold runs out, or they leave the line,
is the next coach told. Every path that may open a place calls it, and
``flask offer-waitlist-places`` (hourly) catches the rest: holds that ran out,
capacity changed by a licence import or straight in the database.

An offer does not take the place. The coach still sends a request, and the
supporter accepts it under the same capacity lock as any other, so nothing
here can overfill anyone. What an offer decides is who is told, and in which
order: the places offered at any moment are the places left, less the offers
still held and the requests already waiting for an answer, so one free place
is never offered to two coaches at once. If a place goes before the coach asks
(the supporter accepted someone else), the offer goes back and the coach keeps
their place at the front of the line.

Everything that changes a supporter's line takes their row first
(``capacity.lock_supporter``), as accepting a request does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import Engagement, SupporterProfile, SupportRequest, User, WaitlistPlace
from app.models.waitlists import IN_LINE
from app.services import audit, mailer
from app.services.capacity import lock_supporter, places_left
from app.services.eligibility import is_searchable

NOT_FOUND = "No waitlist place with that id."
#: Lines one coach may stand in at once.
MAX_PLACES = 10
#: How long a place that ended stays on the coach's list.
ENDED_SHOWN_DAYS = 30


@dataclass(frozen=True)
class SweepReport:
    told: int = 0
    lapsed: int = 0

    def __str__(self) -> str:
        return f"{self.told} coach(es) told of a place, {self.lapsed} hold(s) ran out"


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_line_order():
    return (WaitlistPlace.joined_at, WaitlistPlace.id)


# --- joining and leaving ------------------------------------------------------------------


def _joinable(session: Session, coach: User, supporter_id: int,
              now: datetime) -> SupporterProfile:
    profile = session.get(SupporterProfile, supporter_id)
    if profile is None or not is_searchable(session, profile, now.date()):
        raise NotFound("This supporter is not taking coaches at the moment.")
    if profile.user_id == coach.id:
        raise Conflict("You cannot join your own waitlist.")
    return profile


def join_form_context(session: Session, coach: User, supporter_id: int, *,
                      now: datetime | None = None) -> dict:
    """Return what the join page needs: the supporter, their places, the coach's own places."""
    now = now or datetime.now(UTC)
    profile = _joinable(session, coach, supporter_id, now)
    mine = session.scalars(select(WaitlistPlace).where(
        WaitlistPlace.coach_id == coach.id, WaitlistPlace.supporter_id == profile.id,
        WaitlistPlace.status.in_(IN_LINE)).order_by(*_in_line_order())).all()
    return {"supporter": profile, "places_left": places_left(session, profile),
            "your_places": [_coach_view(session, place, now) for place in mine]}


def join(session: Session, coach: User, data: dict, *,
         now: datetime | None = None) -> WaitlistPlace:
    """A coach joins a full supporter's line for one role, with an optional note."""
    now = now or datetime.now(UTC)
    if not coach.has_role("coach"):
        raise Conflict("Add the coach role on your account page to join a waitlist.")
    if coach.email_verified_at is None:
        raise Conflict("Confirm your email address first: we email you when a place opens. "
                       "You can ask for a new link on your account page.")
    profile = _joinable(session, coach, data["supporter_id"], now)
    name = profile.shown_name
    role = next((r for r in profile.roles if r.key == data["role"]), None)
    if role is None:
        offered = ", ".join(r.name.lower() for r in profile.roles)
        raise InvalidInput("Choose a kind of support this supporter offers.",
                           errors={"role": [f"{name} offers: {offered}."]})
    # One at a time with everything else that changes this supporter's places.
    profile = lock_supporter(session, profile.id)
    free = places_left(session, profile)
    if free > 0:
        raise Conflict(f"{name} has {free} {'place' if free == 1 else 'places'} free, so there "
                       "is no waitlist: send them a request instead.")
    mine = session.scalar(select(WaitlistPlace).where(
        WaitlistPlace.coach_id == coach.id, WaitlistPlace.supporter_id == profile.id,
        WaitlistPlace.role_id == role.id, WaitlistPlace.status.in_(IN_LINE)))
    if mine is not None:
        raise Conflict(f"You are on {name}'s waitlist for a {role.name.lower()} already: "
                       f"number {position(session, mine)} in line.")
    if session.scalar(select(SupportRequest.id).where(
            SupportRequest.coach_id == coach.id, SupportRequest.supporter_id == profile.id,
            SupportRequest.status == "pending")):
        raise Conflict(f"You have a request waiting for {name}'s answer already.")
    if session.scalar(select(Engagement.id).where(
            Engagement.coach_id == coach.id, Engagement.supporter_id == profile.id,
            Engagement.role_id == role.id, Engagement.status == "active")):
        raise Conflict(f"You already work with {name} as your {role.name.lower()}.")
    lines = session.scalar(select(func.count()).select_from(WaitlistPlace).where(
        WaitlistPlace.coach_id == coach.id, WaitlistPlace.status.in_(IN_LINE))) or 0
    if lines >= MAX_PLACES:
        raise Conflict(f"You are on {lines} waitlists already: leave one before joining "
                       "another.")
    place = WaitlistPlace(coach_id=coach.id, supporter_id=profile.id, role_id=role.id,
                          note=(data.get("note") or "").strip(), status="waiting",
                          joined_at=now)
    session.add(place)
    session.flush()
    audit.record(session, "waitlist.joined", actor=coach, subject=place,
                 details={"supporter_id": profile.id, "role": role.key})
    return place


def _own_place(session: Session, coach: User, place_id: int, *,
               lock: bool = False) -> WaitlistPlace:
    query = select(WaitlistPlace).where(WaitlistPlace.id == place_id,
                                        WaitlistPlace.coach_id == coach.id)
    place = session.scalar(query)
    if place is None:
        raise NotFound(NOT_FOUND)
    if lock:
        lock_supporter(session, place.supporter_id)
        place = session.scalar(query.with_for_update().execution_options(
            populate_existing=True))
    return place


def leave(session: Session, coach: User, place_id: int, *,
          now: datetime | None = None) -> WaitlistPlace:
    """A coach leaves a line; a place held for them passes to the next coach."""
    now = now or datetime.now(UTC)
    place = _own_place(session, coach, place_id, lock=True)
    if place.status not in IN_LINE:
        raise Conflict("You are not in this line any more, so there is nothing to leave.")
    _end(place, "left", now)
    audit.record(session, "waitlist.left", actor=coach, subject=place,
                 details={"supporter_id": place.supporter_id})
    session.flush()
    offer_open_places(session, place.supporter_id, now=now)
    return place


def place_detail(session: Session, coach: User, place_id: int, *,
                 now: datetime | None = None) -> dict:
    """Return one of the coach's own places (anyone else's is not found)."""
    return _coach_view(session, _own_place(session, coach, place_id), now or datetime.now(UTC))


def _end(place: WaitlistPlace, status: str, now: datetime) -> None:
    place.status = status
    place.ended_at = now


# --- telling the line when a place opens --------------------------------------------------


def offer_open_places(session: Session, supporter: SupporterProfile | int, *,
                      now: datetime | None = None) -> int:
    """Tell the next coaches in line of the supporter's open places; return how many.

    The one function every path that may open or take a place goes through:
    cheap when nobody is in line. Holds that ran out end first, and offers a
    taken place no longer covers go back, so it can run any time and as often
    as wanted: each coach is told once for each place that opens, in order.
    """
    return _advance(session, supporter, now or datetime.now(UTC))[0]


def _advance(session: Session, supporter: SupporterProfile | int,
             now: datetime) -> tuple[int, int]:
    supporter_id = supporter if isinstance(supporter, int) else supporter.id
    if session.scalar(select(WaitlistPlace.id).where(
            WaitlistPlace.supporter_id == supporter_id,
            WaitlistPlace.status.in_(IN_LINE)).limit(1)) is None:
        return 0, 0
    profile = lock_supporter(session, supporter_id)
    line = session.scalars(
        select(WaitlistPlace).options(selectinload(WaitlistPlace.coach),
                                      selectinload(WaitlistPlace.role))
        .where(WaitlistPlace.supporter_id == supporter_id, WaitlistPlace.status.in_(IN_LINE))
        .order_by(*_in_line_order()).with_for_update(of=WaitlistPlace)
        .execution_options(populate_existing=True)).all()
    lapsed = 0
    for place in line:
        if place.status == "offered" and _aware(place.hold_until) <= now:
            # The coach did not ask in time: they leave the line, the next is told below.
            _end(place, "lapsed", now)
            lapsed += 1
            audit.record(session, "waitlist.hold_lapsed", subject=place,
                         details={"supporter_id": supporter_id})
    line = [place for place in line if place.status in IN_LINE]
    if not is_searchable(session, profile, now.date()):
        return 0, lapsed  # paused, hidden or a check lapsed: nobody could ask them now
    free = places_left(session, profile)
    offered = [place for place in line if place.status == "offered"]
    # A place was taken before the coach asked: the latest offers go back, and those
    # coaches keep their place in line (the front).
    for place in sorted(offered, key=lambda p: (_aware(p.offered_at), p.id),
                        reverse=True)[:max(len(offered) - max(free, 0), 0)]:
        place.status, place.offered_at, place.hold_until = "waiting", None, None
        audit.record(session, "waitlist.offer_returned", subject=place,
                     details={"supporter_id": supporter_id})
    offered = [place for place in line if place.status == "offered"]
    waiting_requests = session.scalar(select(func.count()).select_from(SupportRequest).where(
        SupportRequest.supporter_id == supporter_id, SupportRequest.status == "pending")) or 0
    open_places = free - len(offered) - waiting_requests
    told, busy = 0, {place.coach_id for place in offered}
    for place in line:
        if told >= open_places:
            break
        if place.status != "waiting" or place.coach_id in busy:
            continue
        _offer(session, place, profile, now)
        busy.add(place.coach_id)
        told += 1
    session.flush()
    return told, lapsed


def _offer(session: Session, place: WaitlistPlace, profile: SupporterProfile,
           now: datetime) -> None:
    hold = timedelta(days=current_app.config["WAITLIST_HOLD_DAYS"])
    place.status, place.offered_at, place.hold_until = "offered", now, now + hold
    name = profile.shown_name
    audit.record(session, "waitlist.offered", subject=place,
                 details={"supporter_id": profile.id})
    mailer.queue(session, to=place.coach, kind="waitlist_place_open", about=profile.user,
                 subject=f"A place has opened with {name}: send your request now",
                 template="waitlist_place_open",
                 context={"place": place, "supporter_name": name, "role": place.role,
                          "hold_until": place.hold_until,
                          "url": mailer.absolute_url("support.request_support",
                                                     supporter_id=profile.id),
                          "requests_url": mailer.absolute_url("support.inbox")}, now=now)


def offer_all(session: Session, *, now: datetime | None = None) -> SweepReport:
    """Advance every supporter's line: holds that ran out, places that opened unseen."""
    now = now or datetime.now(UTC)
    supporter_ids = session.scalars(
        select(WaitlistPlace.supporter_id).where(WaitlistPlace.status.in_(IN_LINE))
        .distinct().order_by(WaitlistPlace.supporter_id)).all()
    told = lapsed = 0
    for supporter_id in supporter_ids:
        # In id order, as other jobs lock supporters, so two never wait on each other.
        one_told, one_lapsed = _advance(session, supporter_id, now)
        told, lapsed = told + one_told, lapsed + one_lapsed
    return SweepReport(told=told, lapsed=lapsed)


def request_sent(session: Session, coach: User, profile: SupporterProfile,
                 now: datetime) -> None:
    """A coach who sends a supporter a request leaves their line (in every role).

    The request now waits for the place, so the place is not offered again.
    """
    if session.scalar(select(WaitlistPlace.id).where(
            WaitlistPlace.coach_id == coach.id, WaitlistPlace.supporter_id == profile.id,
            WaitlistPlace.status.in_(IN_LINE)).limit(1)) is None:
        return
    lock_supporter(session, profile.id)
    for place in session.scalars(select(WaitlistPlace).where(
            WaitlistPlace.coach_id == coach.id, WaitlistPlace.supporter_id == profile.id,
            WaitlistPlace.status.in_(IN_LINE)).with_for_update()
            .execution_options(populate_existing=True)).all():
        _end(place, "requested", now)
        audit.record(session, "waitlist.requested", actor=coach, subject=place,
                     details={"supporter_id": profile.id})


# --- what each side sees ------------------------------------------------------------------


def position(session: Session, place: WaitlistPlace) -> int | None:
    """Return the place's number in its line (1 is next), or None once it left the line."""
    if place.status not in IN_LINE:
        return None
    ahead = session.scalar(select(func.count()).select_from(WaitlistPlace).where(
        WaitlistPlace.supporter_id == place.supporter_id, WaitlistPlace.status.in_(IN_LINE),
        or_(WaitlistPlace.joined_at < place.joined_at,
            and_(WaitlistPlace.joined_at == place.joined_at, WaitlistPlace.id < place.id))))
    return (ahead or 0) + 1


def _coach_view(session: Session, place: WaitlistPlace, now: datetime) -> dict:
    supporter = place.supporter
    return {
        "id": place.id,
        "status": place.status,
        "supporter": {"id": supporter.id, "name": supporter.shown_name,
                      "near": supporter.outward_code},
        "role": {"key": place.role.key, "name": place.role.name},
        "note": place.note,
        "position": position(session, place),
        "joined_at": _aware(place.joined_at),
        "offered_at": _aware(place.offered_at),
        "hold_until": _aware(place.hold_until),
        "ended_at": _aware(place.ended_at),
    }


def coach_places(session: Session, coach: User, *, now: datetime | None = None) -> list[dict]:
    """The coach's places in line (a place open for them first), then recently ended ones."""
    now = now or datetime.now(UTC)
    rows = session.scalars(
        select(WaitlistPlace).options(selectinload(WaitlistPlace.role),
                                      selectinload(WaitlistPlace.supporter)
                                      .selectinload(SupporterProfile.user))
        .where(WaitlistPlace.coach_id == coach.id,
               or_(WaitlistPlace.status.in_(IN_LINE),
                   and_(WaitlistPlace.status.in_(("lapsed", "closed")),
                        WaitlistPlace.ended_at >= now - timedelta(days=ENDED_SHOWN_DAYS))))
        .order_by(*_in_line_order())).all()
    rank = {"offered": 0, "waiting": 1}
    rows = sorted(rows, key=lambda p: rank.get(p.status, 2))
    return [_coach_view(session, place, now) for place in rows]


def _waited(days: int) -> str:
    if days < 1:
        return "since today"
    if days < 14:
        return f"{days} {'day' if days == 1 else 'days'}"
    weeks = days // 7
    return f"{weeks} weeks"


def supporter_waitlist(session: Session, user: User, *, now: datetime | None = None) -> dict:
    """The supporter's line, oldest first: each coach's public name, role, note and wait.

    Nothing else about the coaches: their email and phone are shared only once
    the supporter accepts a request from them, as for any request.
    """
    now = now or datetime.now(UTC)
    profile = session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))
    if profile is None:
        raise NotFound("You have no supporter profile, so nobody waits for you.")
    line = session.scalars(
        select(WaitlistPlace).options(selectinload(WaitlistPlace.coach),
                                      selectinload(WaitlistPlace.role))
        .where(WaitlistPlace.supporter_id == profile.id, WaitlistPlace.status.in_(IN_LINE))
        .order_by(*_in_line_order())).all()
    coaches = []
    for number, place in enumerate(line, start=1):
        days = max((now - _aware(place.joined_at)).days, 0)
        coaches.append({
            "id": place.id, "position": number, "status": place.status,
            "coach": {"name": place.coach.display_name},
            "role": {"key": place.role.key, "name": place.role.name},
            "note": place.note, "joined_at": _aware(place.joined_at),
            "waited_days": days, "waited": _waited(days),
            "hold_until": _aware(place.hold_until),
        })
    return {"places_free": max(places_left(session, profile), 0), "capacity": profile.capacity,
            "coaches": coaches}


def requests_page(session: Session, user: User, *, now: datetime | None = None) -> dict:
    """The waitlists on a person's requests page: theirs as a coach, and their own line."""
    mine = coach_places(session, user, now=now)
    has_profile = session.scalar(select(SupporterProfile.id).where(
        SupporterProfile.user_id == user.id)) is not None
    line = supporter_waitlist(session, user, now=now) if has_profile else None
    return {"waitlist_places": mine, "waitlist": line}


# --- a person's own data ------------------------------------------------------------------


def export_places(session: Session, user: User) -> list[dict]:
    """The user's waitlist places as a coach, for their data export."""
    rows = session.scalars(select(WaitlistPlace).where(WaitlistPlace.coach_id == user.id)
                           .order_by(WaitlistPlace.id)).all()
    return [{"id": place.id, "supporter": place.supporter.shown_name, "role": place.role.key,
             "note": place.note, "status": place.status,
             **{name: getattr(place, name).isoformat() if getattr(place, name) else None
                for name in ("joined_at", "offered_at", "hold_until", "ended_at")}}
            for place in rows]


def erase_places(session: Session, user: User, supporter: SupporterProfile | None,
          now: datetime) -> None:
    """Erasing an account: the coach's places go; a supporter's own line closes.

    Places the coach held, or their engagements that just closed, may open a
    place for the next coach in those lines: they are told.
    """
    opened = set(session.scalars(select(WaitlistPlace.supporter_id).where(
        WaitlistPlace.coach_id == user.id, WaitlistPlace.status == "offered")))
    opened |= set(session.scalars(select(Engagement.supporter_id).where(
        Engagement.coach_id == user.id)))
    session.execute(delete(WaitlistPlace).where(WaitlistPlace.coach_id == user.id))
    if supporter is not None:
        opened.discard(supporter.id)
        session.execute(update(WaitlistPlace).where(
            WaitlistPlace.supporter_id == supporter.id, WaitlistPlace.status.in_(IN_LINE))
            .values(status="closed", ended_at=now))
    for supporter_id in sorted(opened):
        offer_open_places(session, supporter_id, now=now)
