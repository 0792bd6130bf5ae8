"""A coach reports, from the request page, that the supporter never answered."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.unanswered_reports import ReportArgs
from app.services import request_read_model, unanswered_reports
from app.support import bp


@bp.post("/requests/<id:request_id>/report-unanswered")
@login_required
def report_unanswered(request_id: int):
    """Report the request as never answered; the note is for the programme team only."""
    outcome = submit(ReportArgs(), lambda args: unanswered_reports.report(
        db.session, current_user, request_id, args["note"]))
    if outcome.ok:
        flash("Thank you: the programme team will look into it. The supporter is not told "
              "who reported them.", "success")
        return redirect(url_for("support.request_detail", request_id=request_id))
    view = request_read_model.detail(db.session, current_user, request_id)
    errors = {f"report-{k}" if k != FORM_ERROR else k: v for k, v in outcome.errors.items()}
    return render_template("requests/detail.html", support_request=view, errors=errors,
                           form=request.form), outcome.status
