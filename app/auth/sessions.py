"""Who is signed in: Flask-Login, idle and absolute timeouts, safe redirects.

The session cookie is signed, HttpOnly, SameSite=Lax and Secure in
production. A session ends after SESSION_IDLE_MINUTES without a request, and
SESSION_MAX_HOURS after signing in whatever happens; both are checked here
on every request, because a cookie's own expiry is renewed as it is used.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.errors import error_response, wants_json
from app.extensions import db, login_manager
from app.models import User


def init_app(app) -> None:
    if app.config.get("APP_ENV") == "production":
        # Whatever else was configured, production cookies travel over HTTPS only.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(enforce_timeouts)


def _load_user(session_id: str) -> User | None:
    from app.services.accounts import load_session_user

    return load_session_user(db.session, session_id)


def _unauthorized():
    if wants_json():
        return error_response(401, "Sign in first: this needs your account.")
    flash("Please sign in to continue.", "info")
    return redirect(url_for("auth.sign_in", next=_current_path()))


def _current_path() -> str:
    path = request.full_path if request.query_string else request.path
    return path


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing carried over from before)."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = time.time()
    session["signed_in_at"] = now
    session["last_seen"] = now


def renew(user: User) -> None:
    """Keep this session signed in after the password (and session version) changed."""
    started = session.get("signed_in_at", time.time())
    login_user(user)
    session["signed_in_at"] = started
    session["last_seen"] = time.time()


def end() -> None:
    logout_user()
    session.clear()


def enforce_timeouts():
    """Sign out a session idle for too long, or older than the absolute limit."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = time.time()
    config = current_app.config
    last_seen = session.get("last_seen")
    started = session.get("signed_in_at")
    idle = config["SESSION_IDLE_MINUTES"] * 60
    absolute = config["SESSION_MAX_HOURS"] * 3600
    if last_seen is None or started is None or now - last_seen > idle or now - started > absolute:
        end()
        if not wants_json():
            flash("You were signed out to keep your account safe. Please sign in again.",
                  "info")
        return None
    if current_user.is_authenticated:
        session["last_seen"] = now
    return None


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Only a plain path ("/requests/3?x=1") is accepted: nothing with a scheme
    or host, no "//host" or backslash tricks, no control characters.
    """
    if not target:
        return default
    if (not target.startswith("/") or target.startswith("//")
            or any(c in target for c in "\\\r\n\t\x00") or any(ord(c) < 32 for c in target)):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
