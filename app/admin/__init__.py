"""Pages for programme admins: the supporter verification queue, account roles, widget keys,
cohort allocation."""

from flask import Blueprint
from flask_login import current_user, login_required

from app.services.permissions import require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only():
    """Every admin page: sign in first; to anyone but an admin, it does not exist (404)."""
    require_admin(current_user)


from app.admin import (  # noqa: E402,F401
    allocation_views,
    coverage_views,
    home_views,
    impact_views,
    import_views,
    report_views,
    taxonomy_views,
    views,
    weights_views,
    widget_views,
)
