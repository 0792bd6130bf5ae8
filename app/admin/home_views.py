"""The admin home, and the lists it links to: expiring checks, late answers, overdue work,
the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.admin import bp
from app.errors import flatten_errors
from app.extensions import db
from app.schemas.admin_overview import AuditArgs, ExpiringArgs, UnansweredArgs
from app.services import admin_overview


@bp.get("/")
@login_required
def home():
    """Everything waiting for an admin, each linked to its list."""
    view = admin_overview.overview(db.session, current_user)
    return render_template("admin/home.html", view=view)


def _query(schema):
    """Load a list page's query string; a bad value is shown beside its field."""
    try:
        return schema.load(request.args), {}, 200
    except ValidationError as err:
        return schema.load({}), flatten_errors(err.messages), 422


@bp.get("/expiring")
@login_required
def expiring():
    """Safeguarding checks and licences ending soon, and expired ones."""
    args, errors, status = _query(ExpiringArgs())
    view = admin_overview.expiring_checks(db.session, current_user,
                                          today=datetime.now(UTC).date(), **args)
    return render_template("admin/expiring.html", view=view, errors=errors,
                           form=request.args), status


@bp.get("/requests/unanswered")
@login_required
def unanswered():
    """Requests waiting for an answer longer than the setting."""
    args, errors, status = _query(UnansweredArgs())
    view = admin_overview.unanswered_requests(db.session, current_user,
                                              now=datetime.now(UTC), **args)
    return render_template("admin/unanswered.html", view=view, errors=errors,
                           form=request.args), status


@bp.get("/caseloads/overdue")
@login_required
def overdue():
    """Overdue reflective logs and reviews across every caseload."""
    view = admin_overview.overdue_caseload(db.session, current_user,
                                           today=datetime.now(UTC).date())
    return render_template("admin/overdue.html", view=view)


@bp.get("/audit")
@login_required
def audit():
    """The audit log, newest first."""
    args, errors, status = _query(AuditArgs())
    view = admin_overview.audit_events(db.session, current_user, action=args["action"],
                                       before_id=args["before"])
    return render_template("admin/audit.html", view=view, errors=errors,
                           form=request.args), status
