"""Health of the service, for load balancers and operators."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.services.data_version import current_version

log = logging.getLogger(__name__)


def check() -> dict:
    """Return ``{status, database, data_version}``; never raises."""
    try:
        version = current_version(db.session)
    except SQLAlchemyError:
        log.exception("Health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable", "data_version": None}
    return {"status": "ok", "database": "ok", "data_version": version}
