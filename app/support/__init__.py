"""Pages for support requests (send, inbox, answer) and for profiles."""

from flask import Blueprint

bp = Blueprint("support", __name__)

from app.support import profile_views, report_views, request_views  # noqa: E402,F401
