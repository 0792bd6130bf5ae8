"""Accounts: sign up, email verification, sign in, passwords and roles.

Tokens in emailed links are signed and time-limited (itsdangerous). A
password-reset token names the account's session version, which every
password change bumps: a used link, or one sent before a later change, no
longer works, and every other session of the account ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.models import User, UserRole
from app.models.users import USER_ROLES, email_key
from app.services import audit, mailer, sign_ins
from app.services.passwords import hash_password, verify_password
from app.services.permissions import require_admin

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
PASSWORD_MIN, PASSWORD_MAX = 10, 128
# Roles people choose for themselves; coach developer and admin are granted.
SELF_SERVICE_ROLES = ("coach", "supporter")
VERIFY_SALT = "verify-email"
RESET_SALT = "reset-password"


class SignInFailed(DomainError):
    """The email and password do not match an active account."""

    status_code = 401


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Return what is wrong with ``password`` as a new password (empty when fine)."""
    if len(password) < PASSWORD_MIN:
        return [f"Use at least {PASSWORD_MIN} characters."]
    if len(password) > PASSWORD_MAX:
        return [f"Use at most {PASSWORD_MAX} characters."]
    lowered = password.strip().lower()
    if email and lowered in {email_key(email), email_key(email).split("@")[0]}:
        return ["Do not use your email address as your password."]
    if lowered in common_passwords() or len(set(lowered)) < 3:
        return ["This password is too common and easy to guess: choose another, "
                "e.g. three or four unrelated words."]
    return []


def check_new_password(password: str, email: str | None, field: str = "password") -> None:
    problems = password_problems(password, email)
    if problems:
        raise InvalidInput("Choose a different password.", errors={field: problems})


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _read_token(salt: str, token: str, max_age_seconds: int, *, now: datetime) -> dict:
    """Return a token's payload or raise InvalidInput saying why it is not valid."""
    serializer = _serializer(salt)
    try:
        payload, signed_at = serializer.loads(token, max_age=None, return_timestamp=True)
    except BadSignature as err:  # includes a malformed token
        raise InvalidInput("This link is not valid: check you copied all of it.",
                           errors={"token": ["This link is not valid."]}) from err
    age = (now - signed_at).total_seconds()
    if age > max_age_seconds:
        raise InvalidInput("This link has expired: ask for a new one.",
                           errors={"token": ["This link has expired."]})
    if not isinstance(payload, dict):
        raise InvalidInput("This link is not valid.", errors={"token": ["Not valid."]})
    return payload


def _token(salt: str, payload: dict) -> str:
    return _serializer(salt).dumps(payload)


def find_by_email(session: Session, email: str) -> User | None:
    # Roles load only when asked for: a found address must not cost a second query
    # that an unknown one does not (the time would tell who has an account).
    return session.scalar(select(User).where(User.email == email_key(email))
                          .options(lazyload(User.roles)))


def sign_up(session: Session, data: dict, *, now: datetime | None = None) -> User | None:
    """Create an account and email a verification link.

    When the address already has an account, nothing is created and its owner
    is emailed instead (returning None), so sign-up never reveals who has an
    account.
    """
    now = now or datetime.now(UTC)
    email = email_key(data["email"])
    check_new_password(data["password"], email)
    # Hashed whether or not the address has an account: the slow step, done
    # either way, so the time an answer takes does not tell who has one.
    password_hash = hash_password(data["password"])
    existing = find_by_email(session, email)
    if existing is not None:
        if existing.is_active:
            mailer.queue(session, to=existing, kind="account_exists",
                         subject="Someone tried to sign up with your email address",
                         template="account_exists",
                         context={"reset_url": mailer.absolute_url("auth.forgot_password")},
                         now=now)
        return None
    user = User(email=email, display_name=data["display_name"].strip(),
                password_hash=password_hash, created_at=now)
    user.roles = [UserRole(role=role) for role in sorted(set(data["roles"]))]
    session.add(user)
    session.flush()
    audit.record(session, "account.created", actor=user, subject=user,
                 details={"roles": sorted(user.role_names)})
    send_verification(session, user, now=now)
    return user


def send_verification(session: Session, user: User, *, now: datetime | None = None) -> None:
    """Email ``user`` a link confirming their address (again, if asked)."""
    if user.email_verified_at is not None:
        raise Conflict("Your email address is already confirmed.")
    token = _token(VERIFY_SALT, {"uid": user.id, "email": user.email})
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"]
    mailer.queue(session, to=user, kind="verify_email",
                 subject="Confirm your email address", template="verify_email",
                 context={"url": mailer.absolute_url("auth.verify_email", token=token),
                          "hours": hours}, now=now)


def verify_email(session: Session, token: str, *, now: datetime | None = None) -> User:
    """Mark the address in ``token`` as confirmed and return its account."""
    now = now or datetime.now(UTC)
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"]
    payload = _read_token(VERIFY_SALT, token, hours * 3600, now=now)
    user = session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or not user.is_active or user.email != payload.get("email"):
        raise InvalidInput("This link is not valid any more.",
                           errors={"token": ["This link is not valid any more."]})
    if user.email_verified_at is None:
        user.email_verified_at = now
        audit.record(session, "account.email_verified", actor=user, subject=user)
    return user


def authenticate(session: Session, email: str, password: str, *,
                 now: datetime | None = None, ip: str | None = None) -> User:
    """Return the account for ``email`` and ``password`` or raise SignInFailed."""
    now = now or datetime.now(UTC)
    user = find_by_email(session, email)
    if user is None:
        # Spend the same time as a real check, so timing reveals no accounts.
        verify_password(_dummy_hash(), password)
        audit.record(session, "auth.sign_in_failed", details={"reason": "unknown_email"}, ip=ip)
        raise SignInFailed("The email address or password is not right.")
    if not verify_password(user.password_hash, password) or not user.is_active:
        audit.record(session, "auth.sign_in_failed", subject=user,
                     details={"reason": "password" if user.is_active else "inactive"}, ip=ip)
        raise SignInFailed("The email address or password is not right.")
    user.last_login_at = now
    audit.record(session, "auth.signed_in", actor=user, subject=user, ip=ip)
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-for-timing")


def load_session_user(session: Session, session_id: str) -> User | None:
    """Return the user a session cookie names, if that session is still valid.

    The id is ``"<user id>:<session version>"``: after a password change the
    version moves on and every older session stops being signed in.
    """
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def change_password(session: Session, user: User, current: str, new: str, *,
                    now: datetime | None = None) -> User:
    """Change ``user``'s password, ending every other session."""
    now = now or datetime.now(UTC)
    if not verify_password(user.password_hash, current):
        raise InvalidInput("Your current password is not right.",
                           errors={"current_password": ["This is not your current password."]})
    check_new_password(new, user.email, field="new_password")
    _set_password(user, new)
    audit.record(session, "account.password_changed", actor=user, subject=user)
    mailer.queue(session, to=user, kind="password_changed", subject="Your password was changed",
                 template="password_changed",
                 context={"reset_url": mailer.absolute_url("auth.forgot_password")}, now=now)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # reset links made before stop working


def request_password_reset(session: Session, email: str, *,
                           now: datetime | None = None) -> None:
    """Email a reset link if ``email`` has an account; say nothing either way.

    The same work either way, so the time an answer takes does not tell who has
    an account: an address without one is told so (someone may have tried the
    wrong address), as an address with one gets its link.
    """
    now = now or datetime.now(UTC)
    user = find_by_email(session, email)
    known = user is not None and user.is_active
    token = _token(RESET_SALT, {"uid": user.id, "v": user.session_version} if known
                   else {"uid": 0, "v": 0})  # made either way, like the rest
    if not known:
        stranger = SimpleNamespace(id=None, email=email_key(email), display_name="")
        mailer.queue(session, to=stranger, kind="password_reset_no_account",
                     subject="Reset your password", template="password_reset_no_account",
                     context={"sign_up_url": mailer.absolute_url("auth.sign_up"),
                              "reset_url": mailer.absolute_url("auth.forgot_password")},
                     now=now)
        audit.record(session, "account.password_reset_unknown")  # no address kept here
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    mailer.queue(session, to=user, kind="password_reset", subject="Reset your password",
                 template="password_reset",
                 context={"url": mailer.absolute_url("auth.reset_password", token=token),
                          "minutes": minutes}, now=now)
    audit.record(session, "account.password_reset_requested", subject=user)


def check_reset_token(session: Session, token: str, *, now: datetime | None = None) -> User:
    """Return the account a reset link is for, or raise InvalidInput."""
    now = now or datetime.now(UTC)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    payload = _read_token(RESET_SALT, token, minutes * 60, now=now)
    uid = payload.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active or user.session_version != payload.get("v"):
        raise InvalidInput("This link has been used already or is out of date: ask for a "
                           "new one.", errors={"token": ["This link is no longer valid."]})
    return user


def reset_password(session: Session, token: str, password: str, *,
                   now: datetime | None = None) -> User:
    """Set a new password from a reset link; the link then stops working."""
    now = now or datetime.now(UTC)
    user = check_reset_token(session, token, now=now)
    check_new_password(password, user.email)
    _set_password(user, password)
    sign_ins.end_all(session, user, reason="password_reset", now=now)
    # Following the emailed link proves the address is theirs.
    if user.email_verified_at is None:
        user.email_verified_at = now
    audit.record(session, "account.password_reset", actor=user, subject=user)
    mailer.queue(session, to=user, kind="password_changed", subject="Your password was changed",
                 template="password_changed",
                 context={"reset_url": mailer.absolute_url("auth.forgot_password")}, now=now)
    return user


def update_account(session: Session, user: User, data: dict, *,
                   now: datetime | None = None) -> User:
    """Change a person's name, phone and their self-chosen roles (coach, supporter).

    A supporter's name is on their public card: a new one waits for an admin's
    verification like any other public field (a name could carry a phone number),
    and coaches see the verified one until then.
    """
    if "display_name" in data and data["display_name"].strip() != user.display_name:
        from app.services import profile_changes, profiles

        profile = profiles.supporter_profile(session, user)
        if profile is not None and profile.verified_at and not profile.public_name:
            profile.public_name = user.display_name  # the name verified so far stays shown
        user.display_name = data["display_name"].strip()
        if profile is not None:
            profile_changes.stage(session, profile, user, {"name": user.display_name},
                                  now=now or datetime.now(UTC))
    if "phone" in data:
        user.phone = (data["phone"] or "").strip() or None
    if "roles" in data:
        wanted = set(data["roles"]) & set(SELF_SERVICE_ROLES)
        granted = user.role_names - set(SELF_SERVICE_ROLES)
        _apply_roles(session, user, wanted | granted, actor=user)
    return user


def set_roles(session: Session, admin: User, user_id: int, roles: list[str]) -> User:
    """An admin sets every role of an account; others are told there is no such account."""
    require_admin(admin, "No account with that id.")
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("No account with that id.")
    if user.id == admin.id and "admin" not in roles:
        raise Conflict("You cannot remove your own admin role; ask another admin.",
                       errors={"roles": ["Keep the admin role on your own account."]})
    _apply_roles(session, user, set(roles) & set(USER_ROLES), actor=admin)
    return user


def _apply_roles(session: Session, user: User, wanted: set[str], *, actor: User) -> None:
    before = user.role_names
    if wanted == before:
        return
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - before)]
    if "supporter" in before - wanted and user.supporter_profile is not None:
        # No longer a supporter: out of search until they choose to return.
        user.supporter_profile.visible = False
    audit.record(session, "account.roles_changed", actor=actor, subject=user,
                 details={"before": sorted(before), "after": sorted(wanted)})


def find_account(session: Session, admin: User, email: str) -> User:
    """An admin looks an account up by email."""
    require_admin(admin, "No account with that email address.")
    user = find_by_email(session, email)
    if user is None or user.deleted_at is not None:
        raise NotFound("No account with that email address.",
                       errors={"email": ["No account with that email address."]})
    return user


def grant_role(session: Session, email: str, role: str) -> User:
    """Give ``role`` to the account with ``email`` (for the command line)."""
    if role not in USER_ROLES:
        raise InvalidInput(f"Unknown role {role!r}: one of {', '.join(USER_ROLES)}.")
    user = find_by_email(session, email)
    if user is None:
        raise NotFound(f"No account with the email address {email}.")
    if role not in user.role_names:
        before = user.role_names
        user.roles.append(UserRole(role=role))
        audit.record(session, "account.roles_changed", subject=user,
                     details={"before": sorted(before), "after": sorted(before | {role}),
                              "via": "command line"})
    return user
