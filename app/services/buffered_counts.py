"""Counts kept in a worker's memory and written now and then, never in a request's way.

Counting searches must neither slow a search down nor fail it. A search adds
to a counter in this worker's memory; the counts are written in one short
transaction of their own once they are older than a few seconds, after the
answer has gone to the client (``call_on_close``), so no one waits for the
write. That transaction waits at most a quarter of a second for a lock: when
it cannot write (the database is busy or away), the counts stay in memory for
the next time. A worker that stops loses at most its last unwritten counts,
which demand and popularity figures do not miss.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from flask import after_this_request, current_app, has_request_context
from sqlalchemy.engine import Connection

from app.extensions import db

log = logging.getLogger(__name__)

#: Longest wait for a lock when writing counts (they are written again later).
LOCK_WAIT_MS = 250


class CountBuffer:
    """This worker's counts not yet written: ``{key: [amount, ...]}``, added up."""

    def __init__(self, flush_seconds: float):
        self.flush_seconds = flush_seconds
        self._counts: dict[Hashable, list[int]] = {}
        self._lock = threading.Lock()
        self._since = time.monotonic()
        self._writing = False

    def add(self, key: Hashable, amounts: tuple[int, ...] = (1,)) -> bool:
        """Add ``amounts`` under ``key``; return whether the counts are due to be written."""
        with self._lock:
            found = self._counts.get(key)
            if found is None:
                self._counts[key] = list(amounts)
            else:
                for i, amount in enumerate(amounts):
                    found[i] += amount
            return time.monotonic() - self._since >= self.flush_seconds

    def take(self) -> dict[Hashable, list[int]]:
        """Return the counts and start afresh."""
        with self._lock:
            counts, self._counts = self._counts, {}
            self._since = time.monotonic()
            return counts

    def give_back(self, counts: dict[Hashable, list[int]]) -> None:
        """Keep counts that could not be written, for the next time."""
        for key, amounts in counts.items():
            self.add(key, tuple(amounts))

    def claim_write(self) -> bool:
        """Return True for the one caller that should write now (others go on)."""
        with self._lock:
            if self._writing:
                return False
            self._writing = True
            return True

    def release_write(self) -> None:
        with self._lock:
            self._writing = False

    def __len__(self) -> int:
        return sum(amounts[0] for amounts in self._counts.values())


def buffer(name: str, config_key: str, *, default_seconds: float = 60) -> CountBuffer:
    """Return this worker's buffer called ``name``, creating it on first use."""
    app = current_app._get_current_object()  # one look-up through the proxy, not three
    found = app.extensions.get(name)
    if found is None:
        found = app.extensions.setdefault(name, CountBuffer(
            float(app.config.get(config_key, default_seconds))))
    return found


def after_response(flush: Callable[[], object]) -> None:
    """Run ``flush`` after this request's answer has been sent, or now outside a request."""
    if not has_request_context():
        flush()
        return
    app = current_app._get_current_object()

    def run_in_app():
        with app.app_context():
            flush()

    @after_this_request
    def schedule(response):
        response.call_on_close(run_in_app)
        return response


def write_briefly(statements: Callable[[Connection], None]) -> None:
    """Run ``statements(connection)`` in a connection and transaction of their own.

    Waits little for locks. Its own connection: the request's session may
    hold a transaction of its own, which must neither see nor carry these writes.
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
            statements(connection)
            connection.commit()
        finally:
            if usual_wait is not None:
                connection.rollback()  # nothing left to roll back after a commit
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual_wait)}")
                connection.commit()


def insert_for(dialect: str):
    """The ``insert`` that knows ``ON CONFLICT`` for this dialect (SQLite and PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if dialect == "postgresql" else sqlite).insert

