"""The caseload dashboard and closing an engagement."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.caseload import bp
from app.errors import flatten_errors
from app.extensions import db
from app.form_submission import submit
from app.schemas.caseload import CaseloadFormArgs, CloseEngagementFormArgs
from app.services import caseload


@bp.get("/caseload")
@login_required
def dashboard():
    """Every coach the supporter works with: goals, last log, next review, what is overdue."""
    errors, status = {}, 200
    schema = CaseloadFormArgs()
    try:
        args = schema.load(request.args)
    except ValidationError as err:
        errors, status = flatten_errors(err.messages), 422
        args = schema.load({})
    view = caseload.caseload(db.session, current_user, args)
    return render_template("caseload/dashboard.html", caseload=view, errors=errors), status


@bp.route("/caseload/engagements/<id:engagement_id>/close", methods=["GET", "POST"])
@login_required
def close_engagement(engagement_id: int):
    """End the work with a coach, recording the outcome."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(CloseEngagementFormArgs(), lambda args: caseload.close_engagement(
            db.session, current_user, engagement_id, args))
        if outcome.ok:
            flash(f"Your work with {outcome.value.coach.display_name} is closed; they are told.",
                  "success")
            return redirect(url_for("caseload.dashboard"))
        errors, status = outcome.errors, outcome.status
    view = caseload.engagement_view(db.session, current_user, engagement_id)
    return render_template("caseload/close.html", engagement=view, errors=errors,
                           form=request.form), status
