"""Pages for programme admins: the supporter verification queue, account roles, widget keys,
cohort allocation."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import allocation_views, views, widget_views  # noqa: E402,F401
