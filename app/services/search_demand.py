"""Search demand: where coaches look for support, and whether they find it.

Every search is counted, anonymously, by what it asked and found: the
searcher's postcode district (``LS6``) or US ZIP3 area (``100``), never
finer; the roles, event groups and needs asked for; the mode; whether someone
was found in person with a place free, and online; and later whether a
request followed. Never an IP address, a postcode, a time of day or a user:
the counts are added up per day and kind of search as they are made. Widget
searches carry their key; searches from a client a rate limit refused lately,
or from a crawler, are counted apart (``traffic``) so they do not pass for
coaches.

Counts wait in this worker's memory and are written after an answer has gone
(see ``buffered_counts``). ``roll_up`` (a daily job) merges days older than
``DEMAND_DAILY_DAYS`` into months and deletes months older than
``DEMAND_KEEP_MONTHS``.

Whether a request followed: a coach's search leaves a signed reference to
its kind (not to them) in their session, or on the widget's links; a request
sent with one adds one to ``requests`` for that kind of search, on the day it
is sent.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, request, session
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, delete, func, literal, select
from sqlalchemy.orm import Session

import geodata
from app.models import SearchDemand
from app.services import search_log
from app.services.buffered_counts import after_response, buffer, insert_for, write_briefly

log = logging.getLogger(__name__)

#: A client refused by a rate limit is counted apart for this long afterwards.
REFUSED_MEMORY_SECONDS = 3600
#: Clients remembered at most (the oldest are forgotten first).
REFUSED_REMEMBERED = 10_000
# Crawlers and link checkers name themselves; an empty User-Agent is no browser.
_BOT_WORDS = ("bot", "crawl", "spider", "slurp", "preview", "scrap", "monitor", "check")
_ZIP = re.compile(r"^(\d{3})\d{2}\b")
SESSION_KEY = "search_ref"
_COUNT_COLUMNS = ("searches", "met_in_person", "met_online", "requests")


@dataclass(frozen=True)
class Sighting:
    """One search as the demand log keeps it: its kind, and what it found."""

    country: str
    area: str
    roles: str
    event_groups: str
    needs: str
    mode: str
    met_in_person: bool
    met_online: bool
    #: Its coarse parameters for the popular searches (``search_log``), or None.
    popular: str | None = None


def keys(values) -> str:
    """Return taxonomy keys as the table keeps them: ``",a,b,"``, or ``""`` for any."""
    values = sorted(set(values or ()))
    return f",{','.join(values)}," if values else ""


def area_of(origin) -> tuple[str, str] | None:
    """Return the (country, area) of a search's place: a GB district or a US ZIP3.

    None for anywhere else: demand is mapped where supporters can be recruited.
    """
    if origin.country == "GB" and origin.near:
        return "GB", origin.near
    if origin.country == "US":
        found = _ZIP.match(origin.label) if origin.precision == "zip" else None
        if found:
            return "US", found.group(1)
        nearest = geodata.nearest_zip(origin.lat, origin.lon)
        if nearest is not None and nearest.postcode:
            return "US", nearest.postcode[:3]
    return None


def sighting(args: dict, origin, counts: dict) -> Sighting | None:
    """Return how a search (``SearchArgs`` as loaded, its origin and counts) is logged.

    None when it is not a search for support: a look-up of one supporter by
    name, or a later page of a search already counted.
    """
    if args.get("name") or args.get("page", 1) != 1:
        return None
    place = area_of(origin)
    if place is None:
        return None
    needs = [item.partition(":")[0] for item in args.get("needs") or ()]
    return Sighting(
        country=place[0], area=place[1], roles=keys(args.get("roles")),
        event_groups=keys(args.get("event_groups")), needs=keys(needs),
        mode=args.get("mode", "either"),
        met_in_person=bool(counts.get("in_person_available")),
        met_online=bool(counts.get("online_available")),
        popular=search_log.canonical(params) if (params := search_log.coarse_search(
            args, origin)) else None)


def _buffer():
    return buffer("search_demand", "SEARCH_LOG_FLUSH_SECONDS")


def record(found: Sighting | None, *, source: str, widget_key_id: int | None = None,
           today: date | None = None) -> None:
    """Count one search. Never raises: a search goes on regardless."""
    if found is None:
        return
    try:
        today = today or date.today()
        search_log.count(found.popular, today=today)
        due = _buffer().add(
            (today, found.country, found.area, found.roles, found.event_groups, found.needs,
             found.mode, source, widget_key_id, traffic()),
            (1, int(found.met_in_person), int(found.met_online), 0))
        if due:
            after_response(lambda: flush(today=today))
    except Exception:  # counting is a nicety; the coach's search is not
        log.warning("A search could not be counted", exc_info=True)


def traffic() -> str:
    """Return whose search this request is: a person's, a crawler's or a refused client's."""
    if not has_request_context():
        return "person"
    if _is_bot(request.headers.get("User-Agent", "")):
        return "bot"
    refused = current_app.extensions.get("search_demand_refused")
    if refused:
        since = refused.get(_client())
        if since is not None and time.monotonic() - since < REFUSED_MEMORY_SECONDS:
            return "limited"
    return "person"


@functools.lru_cache(maxsize=1024)  # browsers send few distinct User-Agents
def _is_bot(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return not lowered or any(word in lowered for word in _BOT_WORDS)


def _client() -> str:
    # Only ever held in this worker's memory, and hashed even there.
    address = request.remote_addr or ""
    return hashlib.blake2b(address.encode(), key=current_app.config["SECRET_KEY"].encode()[:64],
                           digest_size=12).hexdigest()


def note_refused(limit) -> None:
    """Remember that a rate limit refused this client (Flask-Limiter's ``on_breach``)."""
    refused = current_app.extensions.setdefault("search_demand_refused", {})
    if len(refused) >= REFUSED_REMEMBERED:
        for client in sorted(refused, key=refused.get)[:REFUSED_REMEMBERED // 10]:
            del refused[client]
    refused[_client()] = time.monotonic()


def reference(found: Sighting | None, *, source: str,
              widget_key_id: int | None = None) -> str | None:
    """Return a signed reference to a search's kind, for a request that may follow it."""
    if found is None:
        return None
    return _signer().dumps([found.country, found.area, found.roles, found.event_groups,
                            found.needs, found.mode, source, widget_key_id])


def request_followed(ref: str | None, *, today: date | None = None) -> None:
    """Count a request sent after a search, by the search's reference. Never raises."""
    if not ref:
        return
    try:
        kind = _signer().loads(ref)
    except (BadSignature, ValueError, TypeError):
        return  # not one of ours: nothing to count
    try:
        if _buffer().add((today or date.today(), *kind, "person"), (0, 0, 0, 1)):
            after_response(lambda: flush(today=today))
    except Exception:
        log.warning("A request could not be counted", exc_info=True)


def remember(ref: str | None) -> None:
    """Keep a search's reference in a signed-in coach's session, for a request to follow.

    Only for the signed-in (who have a session anyway): no cookie is set for this.
    """
    from flask_login import current_user

    if ref and current_user.is_authenticated:
        session[SESSION_KEY] = ref


def request_sent() -> None:
    """Count the request just sent against the search that led to it, if any."""
    request_followed(session.pop(SESSION_KEY, None))


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="search-demand")


def flush(*, today: date | None = None, connection=None) -> int:
    """Write this worker's counts (and the popular searches'); return searches written.

    On any failure the counts stay in memory for the next time, and 0 is
    returned. With ``connection``, only the demand counts are written, in its
    transaction (seeding the demo writes everything in one).
    """
    if connection is None:
        search_log.flush(today=today)
    mine = _buffer()
    if not mine.claim_write():
        return 0
    try:
        counts = mine.take()
        if not counts:
            return 0
        if connection is not None:
            _write(connection, counts)
            return sum(amounts[0] for amounts in counts.values())
        try:
            write_briefly(lambda own: _write(own, counts))
        except Exception:
            mine.give_back(counts)
            log.warning("Search demand not written; kept for the next time", exc_info=True)
            return 0
        return sum(amounts[0] for amounts in counts.values())
    finally:
        mine.release_write()


_DIMENSIONS = ("country", "area", "roles", "event_groups", "needs", "mode", "source",
               "widget_key_id", "traffic")


def _row_key(kind: tuple) -> str:
    return hashlib.sha256(repr(tuple(kind)).encode()).hexdigest()


def _write(connection, counts: dict) -> None:
    rows = []
    for (day, *kind), amounts in sorted(counts.items(), key=lambda item: repr(item[0])):
        row = dict(zip(_DIMENSIONS, kind, strict=True))
        row.update(period="day", day=day, key=_row_key(kind))
        row.update(zip(_COUNT_COLUMNS, amounts, strict=True))
        rows.append(row)
    statement = insert_for(connection.dialect.name)(SearchDemand)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["period", "day", "key"],
        set_={name: getattr(SearchDemand, name) + getattr(statement.excluded, name)
              for name in _COUNT_COLUMNS}), rows)  # executemany: one statement, many rows


def roll_up(session: Session, *, today: date | None = None) -> dict:
    """Merge days older than ``DEMAND_DAILY_DAYS`` into months; delete old months.

    Returns ``{"days_merged": rows, "months_deleted": rows}``. Run once a day
    by one runner (``flask roll-up-search-demand``).
    """
    today = today or date.today()
    config = current_app.config
    daily_from = date.fromordinal(today.toordinal() - int(config["DEMAND_DAILY_DAYS"]))
    keep_months = int(config["DEMAND_KEEP_MONTHS"])
    months_from = _add_months(today.replace(day=1), -keep_months)
    old_days = and_(SearchDemand.period == "day", SearchDemand.day < daily_from)
    months = sorted({d.replace(day=1) for d in session.scalars(
        select(SearchDemand.day).where(old_days).distinct())})
    merged = 0
    for month in months:
        in_month = and_(old_days, SearchDemand.day >= month,
                        SearchDemand.day < _add_months(month, 1))
        group = [SearchDemand.key, *(getattr(SearchDemand, d) for d in _DIMENSIONS)]
        sums = select(literal("month"), literal(month), *group,
                      *(func.sum(getattr(SearchDemand, c)) for c in _COUNT_COLUMNS)
                      ).where(in_month).group_by(*group)
        insert = insert_for(session.get_bind().dialect.name)(SearchDemand).from_select(
            ["period", "day", "key", *_DIMENSIONS, *_COUNT_COLUMNS], sums)
        session.execute(insert.on_conflict_do_update(
            index_elements=["period", "day", "key"],
            set_={c: getattr(SearchDemand, c) + getattr(insert.excluded, c)
                  for c in _COUNT_COLUMNS}))
        merged += session.execute(delete(SearchDemand).where(in_month)).rowcount
    deleted = session.execute(delete(SearchDemand).where(
        SearchDemand.period == "month", SearchDemand.day < months_from)).rowcount
    session.flush()
    return {"days_merged": merged, "months_deleted": deleted}


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
