"""Accounts on the web: sign up, sign in and out, verification, passwords, account.

The sign-in machinery (Flask-Login, timeouts, sign-ins kept on the server) is
in ``app.auth.sessions``; ``create_app`` wires it in.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import invitation_views, views  # noqa: E402,F401
