"""Who is signed in: Flask-Login over server-side sign-in sessions, and safe redirects.

The cookie is signed, HttpOnly, SameSite=Lax and Secure in production, and
holds a random token naming a sign-in session kept in the database
(``app.services.sign_ins``). Every request checks it there: signing out, a
password change elsewhere, SESSION_IDLE_MINUTES without a request or
SESSION_MAX_HOURS after signing in end the session on the server, so a
copied cookie stops working at once. Anonymous visitors get no cookie at all
until they open a form.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import login_user, logout_user

from app.error_handlers import as_anonymous_for_now, error_response, wants_json
from app.errors import DATABASE_AWAY
from app.extensions import db, login_manager
from app.models import User
from app.services import sign_ins

TOKEN = "sign_in"
#: What answers from each worker's own search index while the database is away.
ANSWERED_WITHOUT_DATABASE = frozenset({
    "search.Search", "search.Places", "search.Supporter", "web.search", "web.supporter",
    "static", "widget.widget_script", "widget.embed_script", "system.Liveness"})


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


def _fresh_session() -> None:
    """Empty the session, keeping only the language chosen (it says nothing about anyone)."""
    lang = session.get("lang")
    session.clear()
    if lang is not None:
        session["lang"] = lang


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing carried over from before)."""
    _fresh_session()
    login_user(user)
    session.permanent = True
    session[TOKEN] = sign_ins.start(db.session, user)
    db.session.commit()


def renew(user: User) -> None:
    """Keep this session signed in after the password changed; end every other one."""
    sign_ins.end_all(db.session, user, reason="password_changed", keep=session.get(TOKEN))
    db.session.commit()
    login_user(user)


def end(reason: str = "signed_out") -> None:
    sign_ins.end(db.session, session.get(TOKEN), reason=reason)
    db.session.commit()
    logout_user()
    _fresh_session()


def enforce_timeouts():
    """Sign out a session the server has ended, or that is idle or too old."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    config = current_app.config
    user_id = str(session["_user_id"]).partition(":")[0]
    try:
        ended = sign_ins.check(
            db.session, int(user_id) if user_id.isdigit() else 0, session.get(TOKEN),
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            longest=timedelta(hours=config["SESSION_MAX_HOURS"]))
        db.session.commit()
    except DATABASE_AWAY:
        if request.endpoint not in ANSWERED_WITHOUT_DATABASE:
            raise  # 503: nothing else can be done without it
        # Search and public profiles need nobody signed in: serve them as to a
        # visitor, and keep the session for when the database is back.
        db.session.rollback()
        as_anonymous_for_now()
        return None
    if ended is None:
        return None
    logout_user()
    _fresh_session()
    if ended in ("idle", "expired") and not wants_json():
        flash("You were signed out to keep your account safe. Please sign in again.", "info")
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
