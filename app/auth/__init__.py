"""Accounts on the web: sign up, sign in and out, verification, passwords, account.

``register(app)`` wires everything accounts need into the app: the sign-in
machinery (Flask-Login), session timeouts, sending queued email after a
request in development, and the blueprints for accounts, support requests
and profiles, and the admins' verification queue.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402,F401


def register(app) -> None:
    """Register the account, request and verification pages and their hooks."""
    from app.admin import bp as admin_bp
    from app.auth import sessions
    from app.services import mailer
    from app.support import bp as support_bp

    sessions.init_app(app)
    app.after_request(mailer.send_queued_after_request)
    app.register_blueprint(bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(admin_bp)
