"""The programme impact report: a page to show funders, a printable version and a CSV."""

from __future__ import annotations

from flask_login import current_user, login_required

from app import impact_pages
from app.admin import bp
from app.services import impact_report

PAGE = {"title": "Programme impact", "endpoint": "admin.impact", "csv": "admin.impact_csv",
        "back": ("admin.home", "Admin home"), "kind": "admin"}


@bp.get("/impact")
@login_required
def impact():
    """Requests, engagements, goals, reflective practice and reviews over a period."""
    return impact_pages.show(impact_report.admin_scope(current_user), page=PAGE)


@bp.get("/impact.csv")
@login_required
def impact_csv():
    """The report's figures by month, as CSV."""
    return impact_pages.download(impact_report.admin_scope(current_user), page=PAGE)
