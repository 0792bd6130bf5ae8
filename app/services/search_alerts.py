"""Search alerts: one daily digest per person of who newly matches their saved searches.

``send_search_alerts`` (``flask send-search-alerts``, from cron) runs each
confirmed, active saved search against today's data. Supporters who match
with places free (in person, or online for an online search) and whom the
search has not matched before are news; each person gets one email listing
the news of all their saved searches, at most once a day, with a one-click
unsubscribe link. Those announced are remembered, so the next run is quiet
until someone else appears. It also deletes the saved searches of addresses
that were never confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.models import SavedSearch, SavedSearchMatch, User
from app.services import audit, mailer, saved_searches

log = logging.getLogger(__name__)

#: At most one digest per person in this long: a day, less a margin so that a
#: daily cron run a few minutes early still sends.
ONE_A_DAY = timedelta(hours=23)


@dataclass(frozen=True)
class AlertReport:
    searches: int = 0        # saved searches run
    new_matches: int = 0     # supporters announced (counted once per saved search)
    digests: int = 0         # emails queued
    held_back: int = 0       # people already emailed within the last day
    failed: int = 0          # saved searches that could not be run (e.g. a retired key)
    unconfirmed_deleted: int = 0

    def __str__(self) -> str:
        return (f"{self.digests} digest(s) queued announcing {self.new_matches} new "
                f"match(es) from {self.searches} saved search(es); {self.held_back} "
                f"person(s) already emailed today; {self.failed} search(es) could not run; "
                f"{self.unconfirmed_deleted} unconfirmed deleted")


def send_search_alerts(session: Session, *, now: datetime | None = None) -> AlertReport:
    """Queue today's digests and forget unconfirmed searches; commits after each person.

    Like ``mailer.send_due``, it commits as it goes, so a long run never holds
    the database (SQLite's one write lock) for more than one person's
    searches. Each person's saved searches are read FOR UPDATE: a second run
    at the same time waits for that person, then finds them emailed already.
    """
    now = now or datetime.now(UTC)
    forgotten = forget_unconfirmed(session, now=now)
    confirmed = SavedSearch.confirmed_at.is_not(None)
    people = session.execute(select(SavedSearch.user_id, SavedSearch.email).where(
        confirmed, SavedSearch.active.is_(True)).distinct()).all()
    session.commit()

    counts = dict(searches=0, new_matches=0, digests=0, held_back=0, failed=0)
    for user_id, email in sorted(people, key=lambda p: (p[0] or 0, p[1] or "")):
        whose = SavedSearch.user_id == user_id if user_id else SavedSearch.email == email
        searches = session.scalars(select(SavedSearch).where(whose, confirmed)
                                   .order_by(SavedSearch.id).with_for_update()).all()
        _alert(session, user_id, email, searches, counts, now=now)
        session.commit()
    report = AlertReport(unconfirmed_deleted=forgotten, **counts)
    if report.digests or report.failed:
        audit.record(session, "saved_search.alerts_sent",
                     details={"digests": report.digests, "new_matches": report.new_matches,
                              "failed": report.failed})
        session.commit()
    return report


def _alert(session: Session, user_id: int | None, email: str | None,
           searches: list[SavedSearch], counts: dict, *, now: datetime) -> None:
    """Queue one person's digest of what is new in their active saved searches, if anything."""
    if user_id is not None:
        recipient = session.get(User, user_id)
        if recipient is None or not recipient.is_active or recipient.email_verified_at is None:
            return  # an address not (or no longer) confirmed hears nothing
    else:
        recipient = saved_searches.address_recipient(email)
    active = [s for s in searches if s.active]
    if not active:
        return
    last = max((_aware(s.last_alerted_at) for s in searches if s.last_alerted_at),
               default=None)
    if last is not None and now - last < ONE_A_DAY:
        counts["held_back"] += 1  # their news waits: it is not marked as told
        return
    sections = _news(session, active, counts)
    if not sections:
        return
    _queue_digest(session, recipient, searches, sections, now=now)
    for saved, cards in sections:
        session.add_all(SavedSearchMatch(saved_search_id=saved.id, supporter_id=c["id"])
                        for c in cards)
        saved.last_alerted_at = now
    session.flush()
    counts["digests"] += 1
    counts["new_matches"] += sum(len(cards) for _, cards in sections)


def forget_unconfirmed(session: Session, *, now: datetime) -> int:
    """Delete saved searches of addresses not confirmed in time, and the mail sent about them."""
    hours = current_app.config["SAVED_SEARCH_CONFIRM_HOURS"]
    expired = (SavedSearch.email.is_not(None), SavedSearch.confirmed_at.is_(None),
               SavedSearch.created_at < now - timedelta(hours=hours))
    emails = set(session.scalars(select(SavedSearch.email).where(*expired)))
    if not emails:
        return 0
    count = session.execute(delete(SavedSearch).where(*expired)).rowcount or 0
    # An address that confirmed another search keeps that one, and its mail.
    kept = set(session.scalars(select(SavedSearch.email).where(SavedSearch.email.in_(emails))))
    saved_searches.forget_mail_to(session, emails - kept)
    return count


def _news(session: Session, searches: list[SavedSearch],
          counts: dict) -> list[tuple[SavedSearch, list[dict]]]:
    """Return each saved search with the cards of supporters it has not matched before."""
    seen: dict[int, set[int]] = {}
    for saved_id, supporter_id in session.execute(
            select(SavedSearchMatch.saved_search_id, SavedSearchMatch.supporter_id)
            .where(SavedSearchMatch.saved_search_id.in_([s.id for s in searches]))):
        seen.setdefault(saved_id, set()).add(supporter_id)
    sections = []
    for saved in searches:
        counts["searches"] += 1
        try:
            _, cards = saved_searches.matching_now(session, saved.params)
        except DomainError as err:
            counts["failed"] += 1
            log.warning("Saved search %d could not run: %s", saved.id, err.message)
            continue
        new = [card for card in cards if card["id"] not in seen.get(saved.id, set())]
        if new:
            sections.append((saved, new))
    return sections


def _queue_digest(session: Session, recipient, searches: list[SavedSearch],
                  sections: list[tuple[SavedSearch, list[dict]]], *, now: datetime) -> None:
    total = len({card["id"] for _, cards in sections for card in cards})
    token = saved_searches.unsubscribe_token(searches)
    context = {
        "sections": [{
            "summary": saved_searches.describe(session, saved),
            "search_url": mailer.absolute_url("web.search",
                                              **saved_searches.search_query(saved.params)),
            "supporters": [_fact_line(card) for card in cards],
        } for saved, cards in sections],
        "total": total,
        "has_account": searches[0].user_id is not None,
        "manage_url": mailer.absolute_url("web.saved_searches"),
        "unsubscribe_url": mailer.absolute_url("web.unsubscribe_search_alerts", token=token),
    }
    people = "supporter matches" if total == 1 else "supporters match"
    mailer.queue(session, to=recipient, kind="search_alert",
                 subject=f"{total} new {people} your saved "
                         f"{'search' if len(sections) == 1 else 'searches'}",
                 template="search_alert", context=context, now=now,
                 unsubscribe_url=context["unsubscribe_url"])


def _fact_line(card: dict) -> dict:
    """The public card facts an email may carry: name, roles, area, distance, profile link."""
    return {
        "name": card["name"],
        "roles": ", ".join(role["name"] for role in card["roles"]),
        "near": card["near"], "place": card["place"],
        "distance_km": card["distance_km"],
        "online": card["distance_km"] is None,
        "url": mailer.absolute_url("web.supporter", supporter_id=card["id"]),
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
