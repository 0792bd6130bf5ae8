"""Health of the service, for load balancers and operators."""

from __future__ import annotations

import logging
import os
import time

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import OutboxMessage
from app.services.data_version import current_version

log = logging.getLogger(__name__)


def check() -> dict:
    """Return the database's state, this worker's search index and the outbox; never raises.

    Reading the index never builds it: a worker that has not built one yet
    says so (``age_seconds`` null) and stays healthy.
    """
    report = {"worker": os.getpid(), "search_index": search_index_state()}
    try:
        version = current_version(db.session)
        outbox = outbox_backlog()
    except SQLAlchemyError:
        log.exception("Health check: database unreachable")
        db.session.rollback()
        return {**report, "status": "unavailable", "database": "unreachable",
                "data_version": None, "outbox": {"queued": None, "dead_letters": None}}
    return {**report, "status": "ok", "database": "ok", "data_version": version,
            "outbox": outbox}


def search_index_state() -> dict:
    """Return this worker's index: its age, size, data version and changes applied (or nulls)."""
    cache = current_app.extensions.get("search_index")
    snapshot = cache.current if cache is not None else None
    if snapshot is None:
        return {"age_seconds": None, "full_build_age_seconds": None, "supporters": None,
                "data_version": None, "changes_applied": None}
    now = time.monotonic()
    return {"age_seconds": round(now - snapshot.built_at, 1),
            "full_build_age_seconds": round(now - snapshot.full_built_at, 1),
            "supporters": len(snapshot.cards), "data_version": snapshot.version,
            "changes_applied": snapshot.changes_applied}


def outbox_backlog() -> dict:
    """Return how many emails wait to be sent, and how many were given up (dead letters)."""
    unsent = OutboxMessage.sent_at.is_(None)
    queued, dead = db.session.execute(select(
        func.count().filter(OutboxMessage.failed_at.is_(None)),
        func.count().filter(OutboxMessage.failed_at.is_not(None)),
    ).where(unsent)).one()
    return {"queued": queued, "dead_letters": dead}
