"""Pages for development plans, reflective logs, reviews, the caseload dashboard and
the relicensing record."""

from flask import Blueprint

bp = Blueprint("caseload", __name__)

from app.caseload import (  # noqa: E402,F401
    dashboard_views,
    impact_views,
    log_views,
    plan_views,
    record_views,
)
