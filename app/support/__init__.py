"""Pages for support requests (send, inbox, answer) and for profiles."""

from flask import Blueprint

bp = Blueprint("support", __name__)

from app.support import (  # noqa: E402,F401
    profile_views,
    report_views,
    request_views,
    waitlist_views,
)
