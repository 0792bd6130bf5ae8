"""Pages for development plans, reflective logs, reviews, the caseload dashboard and
the relicensing record."""

from flask import Blueprint

bp = Blueprint("caseload", __name__)

from app.caseload import dashboard_views, log_views, plan_views, record_views  # noqa: E402,F401
