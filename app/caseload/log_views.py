"""The reflective log: read it, write, correct and delete entries, comment on them."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.caseload import bp
from app.errors import Conflict
from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.plans import CommentArgs, LogEntryArgs
from app.services import reflective_log


@bp.get("/plans/<id:plan_id>/log")
@login_required
def plan_log(plan_id: int):
    """The plan's reflective log, newest entry first, with comments."""
    return _log(plan_id)


def _log(plan_id: int, errors=None, form=None, status: int = 200):
    view = reflective_log.log_view(db.session, current_user, plan_id)
    return render_template("plans/log.html", log=view, errors=errors or {},
                           form=form or {}), status


@bp.route("/plans/<id:plan_id>/log/new", methods=["GET", "POST"])
@login_required
def new_entry(plan_id: int):
    """Write a reflective log entry."""
    return _entry_form(plan_id, None)


@bp.route("/plans/<id:plan_id>/log/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(plan_id: int, entry_id: int):
    """Correct a reflective log entry."""
    return _entry_form(plan_id, entry_id)


def _entry_form(plan_id: int, entry_id: int | None):
    errors, status = {}, 200
    if request.method == "POST":
        if entry_id is None:
            outcome = submit(LogEntryArgs(), lambda args: reflective_log.add_entry(
                db.session, current_user, plan_id, args))
        else:
            outcome = submit(LogEntryArgs(), lambda args: reflective_log.update_entry(
                db.session, current_user, plan_id, entry_id, args))
        if outcome.ok:
            flash("Your entry is saved." if entry_id else "Your entry is in your log.",
                  "success")
            return redirect(url_for("caseload.plan_log", plan_id=plan_id,
                                    _anchor=f"entry-{outcome.value.id}"))
        errors, status = outcome.errors, outcome.status
    log = reflective_log.log_view(db.session, current_user, plan_id)
    if "add" not in log["can"]:
        raise Conflict("Only the coach writes their reflective log, while the plan is open.")
    if request.method == "POST":
        values = {**request.form.to_dict(), "goal_ids": request.form.getlist("goal_ids")}
    elif entry_id is not None:
        values = reflective_log.entry_view(db.session, current_user, plan_id, entry_id)
    else:
        values = {"occurred_on": date.today().isoformat(), "goal_ids": []}
    return render_template("plans/entry_form.html", log=log, entry_id=entry_id,
                           values=values, errors=errors), status


@bp.post("/plans/<id:plan_id>/log/<id:entry_id>/delete")
@login_required
def delete_entry(plan_id: int, entry_id: int):
    """Delete a reflective log entry, with its comments."""
    outcome = submit(ConfirmArgs(), lambda args: reflective_log.delete_entry(
        db.session, current_user, plan_id, entry_id))
    if outcome.ok:
        flash("Entry deleted.", "success")
        return redirect(url_for("caseload.plan_log", plan_id=plan_id))
    return _log(plan_id, outcome.errors, request.form, outcome.status)


@bp.post("/plans/<id:plan_id>/log/<id:entry_id>/comments")
@login_required
def add_comment(plan_id: int, entry_id: int):
    """Comment on an entry."""
    outcome = submit(CommentArgs(), lambda args: reflective_log.add_comment(
        db.session, current_user, plan_id, entry_id, args["body"]))
    if outcome.ok:
        flash("Your comment is added.", "success")
        return redirect(url_for("caseload.plan_log", plan_id=plan_id,
                                _anchor=f"entry-{entry_id}"))
    errors = {f"comment-{entry_id}-{k}" if k != FORM_ERROR else k: v
              for k, v in outcome.errors.items()}
    return _log(plan_id, errors, request.form, outcome.status)
