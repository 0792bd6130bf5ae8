"""Sign-in sessions on the server: started at sign-in, checked on every request, ended.

A cookie is only as good as the session row it names: signing out, a password
change elsewhere, an idle or absolute timeout, or erasing the account ends the
row, and with it every copy of the cookie at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import SignIn, User

# last_seen_at is written at most this often: enough for an idle timeout in minutes.
TOUCH_EVERY = timedelta(seconds=60)


def start(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Start a sign-in session for ``user``; return the token for the cookie."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(SignIn(user_id=user.id, token_hash=_hash(token), created_at=now,
                       last_seen_at=now))
    return token


def check(session: Session, user_id: int, token: str | None, *, idle: timedelta,
          longest: timedelta, now: datetime | None = None) -> str | None:
    """Return None when the session is live (and note it was seen), else why it ended."""
    now = now or datetime.now(UTC)
    row = session.scalar(select(SignIn).where(SignIn.token_hash == _hash(token or "")))
    if row is None or row.user_id != user_id:
        return "unknown"
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    reason = None
    if now - _aware(row.last_seen_at) > idle:
        reason = "idle"
    elif now - _aware(row.created_at) > longest:
        reason = "expired"
    if reason:
        row.ended_at, row.ended_reason = now, reason
        return reason
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return None


def end(session: Session, token: str | None, *, reason: str = "signed_out",
        now: datetime | None = None) -> None:
    """End one sign-in session (its every copy stops working)."""
    if token:
        session.execute(update(SignIn).where(SignIn.token_hash == _hash(token),
                                             SignIn.ended_at.is_(None))
                        .values(ended_at=now or datetime.now(UTC), ended_reason=reason))


def end_all(session: Session, user: User, *, reason: str, keep: str | None = None,
            now: datetime | None = None) -> None:
    """End every sign-in session of ``user`` but the one whose token is ``keep``."""
    condition = [SignIn.user_id == user.id, SignIn.ended_at.is_(None)]
    if keep:
        condition.append(SignIn.token_hash != _hash(keep))
    session.execute(update(SignIn).where(*condition)
                    .values(ended_at=now or datetime.now(UTC), ended_reason=reason))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
