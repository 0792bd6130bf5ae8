"""Joining and leaving a full supporter's waitlist."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import Conflict
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.waitlists import WaitlistJoinArgs
from app.services import waitlists
from app.support import bp


@bp.route("/supporters/<id:supporter_id>/waitlist", methods=["GET", "POST"])
@login_required
def join_waitlist(supporter_id: int):
    """Join a full supporter's waitlist: choose the role, add a note; or see your place."""
    try:
        context = waitlists.join_form_context(db.session, current_user, supporter_id)
    except Conflict as err:
        return render_template("requests/cannot_request.html", message=err.message), 409
    errors, status = {}, 200
    if request.method == "POST":
        data = {**request.form.to_dict(), "supporter_id": supporter_id}
        outcome = submit(WaitlistJoinArgs(), lambda args: waitlists.join(
            db.session, current_user, args), data=data)
        if outcome.ok:
            number = waitlists.position(db.session, outcome.value)
            flash(f"You are on {context['supporter'].shown_name}'s waitlist: number {number} "
                  "in line. We will email you when a place opens for you.", "success")
            return redirect(url_for("support.inbox", _anchor="waitlist-places"))
        errors, status = outcome.errors, outcome.status
        context = waitlists.join_form_context(db.session, current_user, supporter_id)
    return render_template("requests/waitlist_join.html", form=request.form, errors=errors,
                           **context), status


@bp.post("/waitlist/<id:place_id>/leave")
@login_required
def leave_waitlist(place_id: int):
    """Leave a waitlist; someone else's place is not found."""
    outcome = submit(ConfirmArgs(), lambda args: waitlists.leave(db.session, current_user,
                                                                 place_id))
    if outcome.ok:
        flash(f"You left {outcome.value.supporter.shown_name}'s waitlist.", "success")
    else:
        flash(" ".join(m for messages in outcome.errors.values() for m in messages), "error")
    return redirect(url_for("support.inbox", _anchor="waitlist-places"))
