"""Reports that supporters never answered: the list, dismissing one, pausing a supporter."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.unanswered_reports import PauseSupporterArgs
from app.services import unanswered_reports


@bp.get("/reports/unanswered")
@login_required
def unanswered_reports_list():
    """Open reports, by supporter, with each supporter's answer history."""
    return _page()


def _page(errors=None, form=None, status: int = 200):
    view = unanswered_reports.open_reports(db.session, current_user)
    return render_template("admin/unanswered_reports.html", view=view, errors=errors or {},
                           form=form or {}), status


@bp.post("/reports/unanswered/<id:report_id>/dismiss")
@login_required
def dismiss_unanswered_report(report_id: int):
    """Dismiss one report; the supporter stays as they are."""
    outcome = submit(ConfirmArgs(), lambda args: unanswered_reports.dismiss(
        db.session, current_user, report_id))
    if outcome.ok:
        flash("Report dismissed.", "success")
        return redirect(url_for("admin.unanswered_reports_list"))
    return _page(outcome.errors, request.form, outcome.status)


@bp.post("/reports/unanswered/supporters/<id:profile_id>/pause")
@login_required
def pause_reported_supporter(profile_id: int):
    """Pause the supporter: out of search, waiting coaches told, the supporter emailed."""
    outcome = submit(PauseSupporterArgs(), lambda args: unanswered_reports.pause_supporter(
        db.session, current_user, profile_id, args.get("reason")))
    if outcome.ok:
        flash(f"{outcome.value.shown_name} is paused and emailed; coaches waiting for them "
              "are told to look elsewhere.", "success")
        return redirect(url_for("admin.unanswered_reports_list"))
    errors = {f"pause-{profile_id}-{k}" if k != FORM_ERROR else k: v
              for k, v in outcome.errors.items()}
    return _page(errors, request.form, outcome.status)
