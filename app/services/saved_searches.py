"""Saved searches ("tell me when"): keep a search, confirm an address, pause, delete, leave.

A coach saves a search to their account in one step. Someone signed out gives
an email address instead, and nothing is sent to it but the confirmation link
until they follow it (double opt-in); ``search_alerts`` deletes what stays
unconfirmed. Each saved search remembers the supporters it matched when saved
(``SavedSearchMatch``), so only people who match later are news.

A match is a supporter search would offer with places free: in person within
the radius (or, for an online search, online). Full supporters are not news
until they have a place.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask import current_app, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.models import OutboxMessage, SavedSearch, SavedSearchMatch, User
from app.models.users import email_key
from app.schemas.saved_searches import SavedSearchArgs
from app.services import audit, mailer
from app.services.accounts import _read_token, _token
from app.services.search import index_cache, search_support

CONFIRM_SALT = "saved-search-confirm"
UNSUBSCRIBE_SALT = "search-alert-unsubscribe"
# An unsubscribe link works as long as anyone keeps the email it came in.
UNSUBSCRIBE_LINK_LIFETIME = timedelta(days=3650)
#: The emails about saved searches sent to an address alone (no account).
EMAIL_KINDS = ("saved_search_confirm", "search_alert")
# Most searches find fewer than this: one ranking answers them.
_PAGE = 50
_MODES = {"in_person": "in person", "online": "online", "either": "in person or online"}
NOT_FOUND = "No saved search with that id."
# One schema, reused: building one costs more than loading a search with it.
_ARGS = SavedSearchArgs()


def matching_now(session: Session, params: dict) -> tuple[str, list[dict]]:
    """Return the place searched and the public cards of who matches with places free now.

    Best fit first, as search ranks them. Raises InvalidInput naming the
    field when the search cannot be made (a place search no longer knows, a
    retired key).
    """
    args = _ARGS.load(params)

    def ranked(limit: int) -> dict:
        try:
            return search_support(session, {**args, "page": 1, "limit": limit, "sort": "fit"},
                                  record=False)
        except DomainError as err:
            raise InvalidInput(err.message, errors=err.errors or {"where": [err.message]}) \
                from err

    answer = ranked(_PAGE)
    if answer["pages"] > 1 and not answer["results"][-1]["waitlist"]:
        answer = ranked(answer["total"])  # more with places free: all of them at once
    # Places free come first; the full ones (waitlist) follow them.
    return answer["origin"]["label"], [c for c in answer["results"] if not c["waitlist"]]


def save(session: Session, user: User, params: dict, *,
         now: datetime | None = None) -> SavedSearch:
    """Save ``params`` (as ``SavedSearchArgs`` loads them) to ``user``'s account."""
    now = now or datetime.now(UTC)
    # One save at a time per account, so two at once cannot pass the cap together.
    session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    _check_cap(session, SavedSearch.user_id == user.id)
    saved = _keep(session, params, user_id=user.id, confirmed_at=now, now=now)
    audit.record(session, "saved_search.created", actor=user, subject=saved,
                 details={"matched": _matched(session, saved.id)})
    return saved


def save_for_address(session: Session, email: str | None, params: dict, *,
                     now: datetime | None = None) -> None:
    """Keep ``params`` for someone signed out and email them the link that confirms it.

    Nothing else is sent to the address until the link is followed. An
    address with as many saved searches as anyone may keep gets no new one
    and no email: the answer is the same, so nobody learns what an address
    has saved.
    """
    now = now or datetime.now(UTC)
    if not email:
        raise InvalidInput("Enter your email address: the alerts go there.",
                           errors={"email": ["Enter your email address: the alerts go there."]})
    email = email_key(email)
    place, matches = matching_now(session, params)  # a bad search is refused first
    cap = current_app.config["SAVED_SEARCHES_PER_PERSON"]
    if _count(session, SavedSearch.email == email) >= cap:
        audit.record(session, "saved_search.refused_over_cap")
        return
    saved = _keep(session, params, email=email, now=now, found=(place, matches))
    hours = current_app.config["SAVED_SEARCH_CONFIRM_HOURS"]
    token = _token(CONFIRM_SALT, {"id": saved.id, "e": _digest(email)})
    mailer.queue(session, to=address_recipient(email), kind="saved_search_confirm",
                 subject="Confirm your search alert", template="saved_search_confirm",
                 context={"url": mailer.absolute_url("web.confirm_saved_search", token=token),
                          "hours": hours, "summary": describe(session, saved)}, now=now)
    audit.record(session, "saved_search.requested", subject=saved)


def confirm(session: Session, token: str, *, now: datetime | None = None) -> SavedSearch:
    """Confirm a signed-out visitor's saved search from the emailed link."""
    now = now or datetime.now(UTC)
    hours = current_app.config["SAVED_SEARCH_CONFIRM_HOURS"]
    payload = _read_token(CONFIRM_SALT, token, hours * 3600, now=now)
    saved_id = payload.get("id")
    saved = session.get(SavedSearch, saved_id) if isinstance(saved_id, int) else None
    if saved is None or saved.email is None or _digest(saved.email) != payload.get("e"):
        raise InvalidInput("This link is not valid any more: the search it confirms was "
                           "deleted. Save the search again to get a new link.",
                           errors={"token": ["This link is not valid any more."]})
    if saved.confirmed_at is None:
        saved.confirmed_at = now
        audit.record(session, "saved_search.confirmed", subject=saved)
    return saved


def unsubscribe_token(saved: list[SavedSearch]) -> str:
    """Return the token of a one-click unsubscribe link for the owner of ``saved``.

    An account's link pauses all its saved searches; an address's deletes
    them all, and the address with them.
    """
    first = saved[0]
    if first.user_id is not None:
        return _token(UNSUBSCRIBE_SALT, {"u": first.user_id})
    return _token(UNSUBSCRIBE_SALT, {"s": sorted(s.id for s in saved),
                                     "e": _digest(first.email)})


def unsubscribe(session: Session, token: str, *, now: datetime | None = None) -> dict:
    """Stop every alert to the person a link was sent to; return what happened.

    ``{"account": True, "paused": n}`` for an account (its searches are
    paused, to resume on its alerts page), ``{"account": False, "deleted": n}``
    for an address alone (its searches and the address itself are deleted).
    Following the link again changes nothing and says the same.
    """
    now = now or datetime.now(UTC)
    payload = _read_token(UNSUBSCRIBE_SALT, token,
                          int(UNSUBSCRIBE_LINK_LIFETIME.total_seconds()), now=now)
    if isinstance(payload.get("u"), int):
        rows = session.scalars(select(SavedSearch).where(
            SavedSearch.user_id == payload["u"], SavedSearch.active.is_(True))).all()
        for saved in rows:
            saved.active = False
        if rows:
            audit.record(session, "saved_search.unsubscribed", actor=rows[0].user,
                         subject=rows[0].user, details={"paused": [s.id for s in rows]})
        return {"account": True, "paused": len(rows)}
    ids = payload.get("s")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise InvalidInput("This link is not valid.", errors={"token": ["Not valid."]})
    emails = {s.email for s in session.scalars(select(SavedSearch).where(
        SavedSearch.id.in_(ids), SavedSearch.email.is_not(None)))
        if _digest(s.email) == payload.get("e")}
    deleted = forget_addresses(session, emails)
    if deleted:
        audit.record(session, "saved_search.unsubscribed", details={"deleted": deleted})
    return {"account": False, "deleted": deleted}


def forget_addresses(session: Session, emails: set[str]) -> int:
    """Delete every saved search of these addresses, and the email sent to them about it."""
    if not emails:
        return 0
    deleted = session.execute(delete(SavedSearch).where(SavedSearch.email.in_(emails)))
    forget_mail_to(session, emails)
    return deleted.rowcount or 0


def forget_mail_to(session: Session, emails: set[str]) -> None:
    """Delete the email about saved searches sent to these addresses (they have no account)."""
    if emails:
        session.execute(delete(OutboxMessage).where(
            OutboxMessage.user_id.is_(None), OutboxMessage.to_address.in_(emails),
            OutboxMessage.kind.in_(EMAIL_KINDS)))


def own(session: Session, user: User, saved_search_id) -> SavedSearch:
    """Return ``user``'s saved search ``saved_search_id``; anyone else's does not exist."""
    saved = session.get(SavedSearch, saved_search_id) \
        if isinstance(saved_search_id, int) else None
    if saved is None or saved.user_id != user.id:
        raise NotFound(NOT_FOUND)
    return saved


def set_active(session: Session, user: User, saved_search_id: int,
               active: bool) -> SavedSearch:
    """Pause (``active=False``) or resume the alerts of one of ``user``'s saved searches."""
    saved = own(session, user, saved_search_id)
    if saved.active != active:
        saved.active = active
        audit.record(session, "saved_search.resumed" if active else "saved_search.paused",
                     actor=user, subject=saved)
    return saved


def remove(session: Session, user: User, saved_search_id: int) -> None:
    """Delete one of ``user``'s saved searches."""
    saved = own(session, user, saved_search_id)
    audit.record(session, "saved_search.deleted", actor=user, subject=saved)
    session.delete(saved)
    session.flush()


def saved_by(session: Session, user: User) -> list[dict]:
    """Return ``user``'s saved searches, newest first, as their page and the API show them."""
    rows = session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                           .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())).all()
    matched = dict(session.execute(
        select(SavedSearchMatch.saved_search_id, func.count())
        .where(SavedSearchMatch.saved_search_id.in_([s.id for s in rows] or [-1]))
        .group_by(SavedSearchMatch.saved_search_id)).all())
    return [view(session, s, matched=matched.get(s.id, 0)) for s in rows]


def view(session: Session, saved: SavedSearch, *, matched: int | None = None) -> dict:
    """Return a saved search as its owner sees it."""
    return {
        "id": saved.id, "place": saved.place, "summary": describe(session, saved),
        "search": dict(saved.params), "active": saved.active, "created_at": saved.created_at,
        "last_alerted_at": saved.last_alerted_at,
        "matched": _matched(session, saved.id) if matched is None else matched,
        "search_url": url_for("web.search", **search_query(saved.params)),
    }


def limit_left(session: Session, user: User) -> tuple[int, int]:
    """Return (how many saved searches ``user`` has, how many they may keep)."""
    return (_count(session, SavedSearch.user_id == user.id),
            current_app.config["SAVED_SEARCHES_PER_PERSON"])


def describe(session: Session, saved: SavedSearch | dict) -> str:
    """Return a search in words: "Mentor · Jumps · within 25 km of LS6 3QS · in person"."""
    params = saved.params if isinstance(saved, SavedSearch) else saved
    place = saved.place if isinstance(saved, SavedSearch) else params.get("where", "")
    taxonomy = index_cache().get(session).taxonomy
    parts = [" or ".join(taxonomy.roles.get(k, k) for k in params.get("roles", []))
             or "Any support"]
    if params.get("event_groups"):
        parts.append(", ".join(taxonomy.event_groups.get(k, k) for k in params["event_groups"]))
    needs = params.get("needs", [])
    if needs:
        parts.append(f"{len(needs)} {'need' if len(needs) == 1 else 'needs'} from your plan")
    if params.get("name"):
        parts.append(f"named “{params['name']}”")
    mode = params.get("mode", "either")
    if mode == "online":
        parts.append(f"online, for a coach near {place}")
    else:
        parts.append(f"within {_km(params.get('radius_km', 25))} km of {place}")
        parts.append(_MODES[mode])
    return " · ".join(parts)


def search_query(params: dict) -> dict:
    """Return ``params`` as the search page's query string takes them."""
    query: dict = {"filters": "1"}
    for key, value in params.items():
        if value in (None, [], False, ""):
            continue
        if key == "radius_km":
            value = _km(value)
        query[key] = "true" if value is True else value
    return query


def export(session: Session, user: User) -> list[dict]:
    """Return ``user``'s saved searches for their data export."""
    return [{"id": s.id, "place": s.place, "search": dict(s.params), "active": s.active,
             "created_at": s.created_at.isoformat(),
             "last_alerted_at": s.last_alerted_at.isoformat() if s.last_alerted_at else None,
             "matched_supporter_ids": sorted(session.scalars(
                 select(SavedSearchMatch.supporter_id)
                 .where(SavedSearchMatch.saved_search_id == s.id)))}
            for s in session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                     .order_by(SavedSearch.id))]


def erase(session: Session, user: User) -> None:
    """Delete ``user``'s saved searches (their account is being erased)."""
    session.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))


def _keep(session: Session, params: dict, *, now: datetime, user_id: int | None = None,
          email: str | None = None, confirmed_at: datetime | None = None,
          found: tuple[str, list[dict]] | None = None) -> SavedSearch:
    """Add the saved search and the supporters it matches now (who are then not news)."""
    args = _ARGS.load(params)  # defaults filled in, so its meaning stays put
    place, matches = found or matching_now(session, args)
    saved = SavedSearch(user_id=user_id, email=email, params=args, place=place[:120],
                        active=True, created_at=now, confirmed_at=confirmed_at)
    session.add(saved)
    session.flush()
    session.add_all(SavedSearchMatch(saved_search_id=saved.id, supporter_id=card["id"])
                    for card in matches)
    session.flush()
    return saved


def _check_cap(session: Session, whose) -> None:
    count = _count(session, whose)
    cap = current_app.config["SAVED_SEARCHES_PER_PERSON"]
    if count >= cap:
        message = (f"You have {count} saved searches, the most you can keep: delete one "
                   "you no longer need, then save this one.")
        raise Conflict(message, errors={"saved_searches": [message]})


def _count(session: Session, whose) -> int:
    return session.scalar(select(func.count()).select_from(SavedSearch).where(whose)) or 0


def _matched(session: Session, saved_id: int) -> int:
    return session.scalar(select(func.count()).select_from(SavedSearchMatch).where(
        SavedSearchMatch.saved_search_id == saved_id)) or 0


def _digest(email: str) -> str:
    """Return a short fingerprint of an address: links name it without showing it."""
    return hashlib.sha256(email.encode()).hexdigest()[:20]


def address_recipient(email: str) -> SimpleNamespace:
    """Return a recipient for ``mailer.queue`` that is an address alone, with no account."""
    return SimpleNamespace(id=None, email=email, display_name="")


def _km(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"
