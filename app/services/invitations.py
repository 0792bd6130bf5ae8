"""Invitations: people an admin brought in (the licence-list import) choose a password.

The emailed link is signed and time-limited like a password-reset link, with the
same machinery (``app.services.accounts``), and names the account's session
version: choosing a password bumps it, so the link works once. Following it
also confirms the email address, which is where it was sent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import User
from app.services import audit, mailer
from app.services.accounts import (
    _read_token,
    _serializer,
    _set_password,
    _token,
    check_new_password,
)

INVITATION_SALT = "invitation"
def _max_age_days() -> int:
    return int(current_app.config["INVITATION_MAX_AGE_DAYS"])


def invitation_token(user: User, serializer=None) -> str:
    """Return the token of an invitation link for ``user`` (flushed, with an id)."""
    payload = {"uid": user.id, "v": user.session_version}
    return serializer.dumps(payload) if serializer else _token(INVITATION_SALT, payload)


def invite_all(session: Session, people, *, now: datetime | None = None) -> None:
    """Email each of ``people`` a link to choose a password, which confirms their address.

    ``people`` have ``id``, ``email``, ``display_name`` and ``session_version``: new
    accounts, or the plain values of accounts inserted in bulk.
    """
    serializer = _serializer(INVITATION_SALT)
    context = {"days": _max_age_days(),
               "forgot_url": mailer.absolute_url("auth.forgot_password")}
    for person in people:
        url = mailer.absolute_url("auth.accept_invitation",
                                  token=invitation_token(person, serializer))
        mailer.queue(session, to=person, kind="invitation",
                     subject="You are invited to Find My Coaching Support: choose your "
                             "password",
                     template="invitation", context={**context, "url": url}, now=now)


def check_invitation(session: Session, token: str, *, now: datetime | None = None) -> User:
    """Return the account an invitation link is for, or raise InvalidInput."""
    now = now or datetime.now(UTC)
    payload = _read_token(INVITATION_SALT, token, _max_age_days() * 86400, now=now)
    uid = payload.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active or user.session_version != payload.get("v"):
        raise InvalidInput("This invitation has been used already or is out of date: sign "
                           "in, or ask for a password reset link.",
                           errors={"token": ["This invitation is no longer valid."]})
    return user


def accept_invitation(session: Session, token: str, password: str, *,
                      now: datetime | None = None) -> User:
    """Set the invited person's password from the link; it then stops working."""
    now = now or datetime.now(UTC)
    user = check_invitation(session, token, now=now)
    check_new_password(password, user.email)
    _set_password(user, password)
    # The link came to this address: it is theirs.
    if user.email_verified_at is None:
        user.email_verified_at = now
    audit.record(session, "account.invitation_accepted", actor=user, subject=user)
    return user
