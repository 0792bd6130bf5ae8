"""Popular searches: every search's coarse parameters, counted per day.

Admins preview new ranking weights on the searches coaches actually make. A
search is kept only coarsely: the place as an outward code (``LS6``), a US ZIP
code or a town, never a postcode or a position; the radius, mode, roles,
event groups, needs, qualification and order; nothing about who searched (no
name searched for, no club, no goals).

Each search adds one to a counter in this worker's memory, written with the
search demand counts (see ``buffered_counts``) by one upsert statement
(``INSERT ... ON CONFLICT (day, key) DO UPDATE SET searches = searches + ...``,
which SQLite and PostgreSQL both know), so several workers add up. Rows older
than ``KEEP_DAYS`` are deleted as counts are written, once a day.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import DailySearchCount
from app.services.buffered_counts import (
    CountBuffer,
    after_response,
    buffer,
    insert_for,
    write_briefly,
)

log = logging.getLogger(__name__)

#: Days of counts kept.
KEEP_DAYS = 90
#: The preview's popular searches are those of the last this many days.
POPULAR_DAYS = 30

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


def _buffer() -> CountBuffer:
    return buffer("search_log", "SEARCH_LOG_FLUSH_SECONDS")


def count(text: str | None, *, today: date | None = None) -> None:
    """Count one search by its coarse parameters (``canonical(coarse_search(...))``).

    Never raises: a search goes on regardless.
    """
    if text is None:
        return
    try:
        if _buffer().add((today or date.today(), text)):
            after_response(lambda: flush(today=today))
    except Exception:  # counting is a nicety; the coach's search is not
        log.warning("A search could not be counted", exc_info=True)


def flush(*, today: date | None = None) -> int:
    """Write this worker's counts in one transaction of its own; return how many were written.

    On any failure the counts stay in memory for the next time, and 0 is returned.
    """
    mine = _buffer()
    if not mine.claim_write():
        return 0
    try:
        today = today or date.today()
        counts = mine.take()
        prune = current_app.extensions.get("search_log_pruned_on") != today
        if not counts and not prune:
            return 0
        try:
            write_briefly(lambda connection: _write(connection, counts, today if prune else None))
        except Exception:
            mine.give_back(counts)
            log.warning("Search counts not written; kept for the next time", exc_info=True)
            return 0
        current_app.extensions["search_log_pruned_on"] = today
        return sum(amounts[0] for amounts in counts.values())
    finally:
        mine.release_write()


def _write(connection, counts: dict, prune_before: date | None) -> None:
    """Add ``counts`` (and delete rows older than KEEP_DAYS)."""
    if counts:
        # One order of rows: two workers writing the same rows cannot deadlock.
        rows = [{"day": day, "key": _key(text), "params": text, "searches": amounts[0]}
                for (day, text), amounts in sorted(counts.items())]
        statement = insert_for(connection.dialect.name)(DailySearchCount)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["day", "key"],
            set_={"searches": DailySearchCount.searches + statement.excluded.searches}), rows)
    if prune_before is not None:
        connection.execute(delete(DailySearchCount).where(
            DailySearchCount.day <= prune_before - timedelta(days=KEEP_DAYS)))


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
