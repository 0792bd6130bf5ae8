"""The search data version: every worker's search index follows it.

The database keeps it (triggers on every table search reads: migration
0007), so any change bumps it in its own transaction, whoever makes it: the
app, a nightly job, an operator at a psql prompt.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DataVersion


def current_version(session: Session) -> int:
    """Return the data version, or 0 when the counter row is missing."""
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0
