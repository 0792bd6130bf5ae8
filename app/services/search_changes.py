"""What changed for search since a data version: the log the database's triggers write.

Migration 0019's triggers write each supporter a statement touched to
``search_changes`` under the data version it bumped to, whoever writes (the
app, a nightly job, a person at a psql prompt). A worker whose index is at
version ``v`` reads the rows after ``v`` up to the version it just read, and
applies those supporters alone (see ``search_index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import SearchChange, SupporterProfile

#: How long the log keeps a change: a worker further behind rebuilds its index.
KEPT_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Changes:
    """The supporters changed between two data versions, or a call to rebuild."""

    supporters: frozenset[int]
    # The taxonomy or the weights changed, or the log misses a version (a
    # version bumped by hand, or a worker further behind than the log keeps).
    everything: bool


def changes_between(session: Session, after: int, up_to: int) -> Changes:
    """Return what changed in the versions after ``after``, up to ``up_to``."""
    rows = session.execute(
        select(SearchChange.version, SearchChange.supporter_id, SearchChange.user_id)
        .where(SearchChange.version > after, SearchChange.version <= up_to)).all()
    if len({version for version, _, _ in rows}) < up_to - after or any(
            supporter is None and user is None for _, supporter, user in rows):
        return Changes(frozenset(), everything=True)
    supporters = {supporter for _, supporter, _ in rows if supporter is not None}
    users = {user for _, _, user in rows if user is not None}
    if users:  # a supporter's name or account changed
        supporters |= set(session.scalars(
            select(SupporterProfile.id).where(SupporterProfile.user_id.in_(users))))
    return Changes(frozenset(supporters), everything=False)


def prune_changes(session: Session, *, now: datetime) -> int:
    """Delete changes older than ``KEPT_FOR``; return how many went."""
    result = session.execute(delete(SearchChange).where(SearchChange.created_at < now - KEPT_FOR))
    session.commit()
    return result.rowcount or 0
