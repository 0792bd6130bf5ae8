"""A coach developer's own impact report: their caseload's figures over a period."""

from __future__ import annotations

from flask_login import current_user, login_required

from app import impact_pages
from app.caseload import bp
from app.extensions import db
from app.services import impact_report

PAGE = {"title": "Your impact report", "endpoint": "caseload.impact",
        "csv": "caseload.impact_csv", "back": ("caseload.dashboard", "Your caseload"),
        "kind": "caseload"}


@bp.get("/caseload/impact")
@login_required
def impact():
    """The requests sent to you, your engagements and your coaches' progress, in counts."""
    return impact_pages.show(impact_report.caseload_scope(db.session, current_user), page=PAGE)


@bp.get("/caseload/impact.csv")
@login_required
def impact_csv():
    """Your caseload's figures by month, as CSV."""
    return impact_pages.download(impact_report.caseload_scope(db.session, current_user),
                                 page=PAGE)
