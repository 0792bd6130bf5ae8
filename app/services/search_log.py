"""Popular searches: every search's coarse parameters, counted per day.

Admins preview new ranking weights on the searches coaches actually make. A
search is kept only coarsely: the place as an outward code (``LS6``), a US ZIP
code or a town, never a postcode or a position; the radius, mode, roles,
event groups, needs, qualification and order; nothing about who searched (no
name searched for, no club, no goals).

Counting must never slow a search down or fail it. Each search adds one to a
counter in this worker's memory (no input or output); the search that finds
the counts older than ``SEARCH_LOG_FLUSH_SECONDS`` (60 s by default) writes
them in one short transaction of its own, one upsert statement
(``INSERT ... ON CONFLICT (day, key) DO UPDATE SET searches = searches + ...``,
which SQLite and PostgreSQL both know), so several workers add up. That
transaction waits at most a quarter of a second for a lock: when it cannot
write (the database is busy or away), the counts stay in memory for the next
time. A worker that stops loses at most its last minute of counts, which a
popularity ranking does not miss. Rows older than ``KEEP_DAYS`` are deleted as
counts are written, once a day.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import DailySearchCount

log = logging.getLogger(__name__)

#: Days of counts kept.
KEEP_DAYS = 90
#: The preview's popular searches are those of the last this many days.
POPULAR_DAYS = 30
#: Longest wait for a lock when writing counts (they are written again later).
LOCK_WAIT_MS = 250

_ZIP = re.compile(r"^\d{5}\b")


def coarse_place(origin) -> str | None:
    """Return the coarse place of a search's origin: an outward code, a ZIP code or a town.

    ``None`` for a point with neither (a US "use my location"): it is not kept.
    """
    if origin.country != "US" and origin.near:
        return origin.near  # a GB postcode, sector, town or point: its district
    if origin.precision == "zip":
        found = _ZIP.match(origin.label)
        return found.group(0) if found else None
    if origin.precision == "place":
        return origin.label  # a town is no finer than a district
    return None


def coarse_search(args: dict, origin) -> dict | None:
    """Return the coarse parameters of a search (as ``SearchArgs`` loaded it), or None.

    The result is search parameters again (``where`` is the coarse place), so
    the search can be made once more, as the weights preview does.
    """
    if args.get("name") or args.get("page", 1) != 1:
        return None  # a look-up of one supporter, or paging through one search
    place = coarse_place(origin)
    if place is None:
        return None
    radius = float(args["radius_km"])
    params: dict = {"where": place, "radius_km": int(radius) if radius.is_integer() else radius,
                    "mode": args.get("mode", "either")}
    for name in ("roles", "event_groups"):
        if args.get(name):
            params[name] = sorted(set(args[name]))
    if args.get("needs"):
        params["needs"] = list(args["needs"])  # their order is their priority
    if args.get("qualification"):
        params["qualification"] = args["qualification"]
    if args.get("other_countries"):
        params["other_countries"] = True
    if args.get("sort", "fit") != "fit":
        params["sort"] = args["sort"]
    return params


def canonical(params: dict) -> str:
    """Return ``params`` as canonical JSON text: the same search, the same text."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SearchTally:
    """This worker's counts not yet written: ``{(day, canonical params): searches}``."""

    def __init__(self, flush_seconds: float):
        self.flush_seconds = flush_seconds
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._since = time.monotonic()
        self.pruned_on: date | None = None

    def add(self, day: date, text: str) -> bool:
        """Count one search; return whether the counts are due to be written."""
        with self._lock:
            self._counts[(day, text)] += 1
            return time.monotonic() - self._since >= self.flush_seconds

    def take(self) -> Counter:
        """Return the counts and start afresh."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._since = time.monotonic()
            return counts

    def give_back(self, counts: Counter) -> None:
        """Keep counts that could not be written, for the next time."""
        with self._lock:
            self._counts.update(counts)

    def __len__(self) -> int:
        return sum(self._counts.values())


def tally() -> SearchTally:
    """Return this worker's tally, creating it on first use."""
    found = current_app.extensions.get("search_log")
    if found is None:
        found = current_app.extensions.setdefault("search_log", SearchTally(
            float(current_app.config.get("SEARCH_LOG_FLUSH_SECONDS", 60))))
    return found


def record(args: dict, origin, *, today: date | None = None) -> None:
    """Count one search by its coarse parameters. Never raises: a search goes on regardless."""
    try:
        params = coarse_search(args, origin)
        if params is None:
            return
        if tally().add(today or date.today(), canonical(params)):
            flush(today=today)
    except Exception:  # counting is a nicety; the coach's search is not
        log.warning("A search could not be counted", exc_info=True)


def flush(*, today: date | None = None) -> int:
    """Write this worker's counts in one transaction of its own; return how many were written.

    On any failure the counts stay in memory for the next time, and 0 is returned.
    """
    mine = tally()
    today = today or date.today()
    counts = mine.take()
    prune = mine.pruned_on != today
    if not counts and not prune:
        return 0
    try:
        _write(counts, today if prune else None)
    except Exception:
        mine.give_back(counts)
        log.warning("Search counts not written; kept for the next time", exc_info=True)
        return 0
    mine.pruned_on = today
    return sum(counts.values())


def _write(counts: Counter, prune_before: date | None) -> None:
    """Add ``counts`` (and delete rows older than KEEP_DAYS), waiting little for locks.

    Its own connection and transaction: the search's session may hold a
    transaction of its own, which must neither see nor carry these writes.
    """
    with db.engine.connect() as connection:
        dialect = connection.dialect.name
        usual_wait = None
        if dialect == "sqlite":  # a connection setting: put back before the pool has it again
            usual_wait = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
        try:
            if dialect == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
            if counts:
                connection.execute(_upsert(dialect, counts))
            if prune_before is not None:
                connection.execute(delete(DailySearchCount).where(
                    DailySearchCount.day <= prune_before - timedelta(days=KEEP_DAYS)))
            connection.commit()
        finally:
            if usual_wait is not None:
                connection.rollback()  # nothing left to roll back after a commit
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual_wait)}")
                connection.commit()


def _upsert(dialect: str, counts: Counter):
    # One order of rows: two workers writing the same rows cannot deadlock.
    rows = [{"day": day, "key": _key(text), "params": text, "searches": n}
            for (day, text), n in sorted(counts.items())]
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(DailySearchCount).values(rows)
    return statement.on_conflict_do_update(
        index_elements=["day", "key"],
        set_={"searches": DailySearchCount.searches + statement.excluded.searches})


def popular(session: Session, *, limit: int, today: date | None = None,
            days: int = POPULAR_DAYS) -> list[dict]:
    """Return the ``limit`` most made searches of the last ``days`` days, most made first.

    Each is ``{"params": search parameters, "searches": how many}``. This
    worker's counts are written first, so they are included.
    """
    today = today or date.today()
    flush(today=today)
    total = func.sum(DailySearchCount.searches)
    rows = session.execute(
        select(DailySearchCount.params, total)
        .where(DailySearchCount.day > today - timedelta(days=days),
               DailySearchCount.day <= today)
        .group_by(DailySearchCount.key, DailySearchCount.params)
        .order_by(total.desc(), DailySearchCount.params).limit(limit)).all()
    return [{"params": json.loads(text), "searches": int(n)} for text, n in rows]
