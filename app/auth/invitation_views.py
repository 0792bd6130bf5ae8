"""The page an invitation email links to: choose a password, which confirms the address."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth import bp, sessions
from app.errors import DomainError
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ResetPasswordArgs
from app.services import invitations


@bp.route("/invitation", methods=["GET", "POST"])
def accept_invitation():
    """Choose a password from an invitation link; then sign in."""
    token = request.values.get("token", "")
    if request.method == "GET":
        try:
            user = invitations.check_invitation(db.session, token)
        except DomainError as err:
            return render_template("auth/link_problem.html", message=err.message), 400
        return render_template("auth/accept_invitation.html", token=token, email=user.email,
                               errors={})
    outcome = submit(ResetPasswordArgs(), lambda args: invitations.accept_invitation(
        db.session, args["token"], args["password"]))
    if outcome.ok:
        sessions.end()
        flash("Welcome: your password is set and your email address confirmed. Sign in to "
              "start.", "success")
        return redirect(url_for("auth.sign_in", email=outcome.value.email))
    if "token" in outcome.errors:
        return render_template("auth/link_problem.html",
                               message=" ".join(outcome.errors["token"])), 400
    return render_template("auth/accept_invitation.html", token=token, email=None,
                           errors=outcome.errors), outcome.status
