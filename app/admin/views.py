"""The verification queue, account roles and undelivered email."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.admin import bp
from app.errors import DomainError, flatten_errors
from app.extensions import db
from app.form_submission import submit
from app.models.users import USER_ROLES
from app.schemas.accounts import EmailArgs, RequeueArgs, RolesArgs
from app.schemas.profiles import VerificationDecisionArgs
from app.services import accounts, mailer, profile_changes


@bp.get("/verification")
@login_required
def verification():
    """List the changes waiting for verification, oldest first, field by field."""
    return _queue()


QUEUE_PAGE = 25


def _queue(errors=None, failed=None, form=None, status: int = 200):
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), 10_000)
    queue = profile_changes.verification_queue(db.session, current_user,
                                               offset=(page - 1) * QUEUE_PAGE, limit=QUEUE_PAGE)
    return render_template("admin/verification.html", queue=queue, errors=errors or {},
                           failed=failed, form=form, page=page, per_page=QUEUE_PAGE,
                           waiting=profile_changes.waiting(db.session)[0]), status


@bp.post("/verification/<id:profile_id>")
@login_required
def verify(profile_id: int):
    """Approve a change, reject it with a reason, or ask for changes with a message."""
    outcome = submit(VerificationDecisionArgs(), lambda args: profile_changes.decide(
        db.session, current_user, profile_id, args["decision"], args.get("message")))
    if not outcome.ok:
        return _queue(outcome.errors, profile_id, request.form, outcome.status)
    name = outcome.value.user.display_name
    flash({"approve": f"Approved: {name}'s profile is public as it now reads.",
           "reject": f"Rejected: {name} is told why, and their verified profile stays.",
           "request_changes": f"{name} is asked for changes; it comes back here when they "
                              "save."}[request.form.get("decision", "approve")], "success")
    return redirect(url_for("admin.verification", page=request.args.get("page", type=int)))


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    """Find an account by email and set its roles."""
    found, errors, status = None, {}, 200
    if request.args.get("email"):
        try:
            found = accounts.find_account(db.session, current_user,
                                          EmailArgs().load(request.args)["email"])
        except DomainError as err:
            errors, status = err.errors or {"email": [err.message]}, err.status_code
        except ValidationError as err:
            errors, status = flatten_errors(err.messages), 422
    return render_template("admin/users.html", found=found, errors=errors,
                           roles=USER_ROLES, form=request.args), status


@bp.post("/users/<id:user_id>/roles")
@login_required
def set_roles(user_id: int):
    """Set every role of an account."""
    outcome = submit(RolesArgs(), lambda args: accounts.set_roles(
        db.session, current_user, user_id, args.get("roles", [])),
        data=_roles_form())
    if outcome.ok:
        flash(f"Roles saved for {outcome.value.display_name}.", "success")
        return redirect(url_for("admin.users", email=outcome.value.email))
    flash(" ".join(m for ms in outcome.errors.values() for m in ms), "error")
    return redirect(url_for("admin.users"))


def _roles_form():
    form = request.form.copy()
    if "roles" not in form:
        form.setlist("roles", [])
    return form


@bp.get("/email")
@login_required
def dead_letters():
    """List the email given up after its retries, newest first, to send again."""
    count, letters = mailer.dead_letters(db.session)
    return render_template("admin/dead_letters.html", count=count, letters=letters)


@bp.post("/email/requeue")
@login_required
def requeue_dead_letters():
    """Send the dead letters again (one, or all of them)."""
    outcome = submit(RequeueArgs(), lambda args: mailer.requeue(
        db.session, [args["message_id"]] if args.get("message_id") else None))
    if outcome.ok:
        flash(f"{outcome.value} {'message' if outcome.value == 1 else 'messages'} will be "
              "sent again.", "success")
    else:
        flash(" ".join(m for ms in outcome.errors.values() for m in ms), "error")
    return redirect(url_for("admin.dead_letters"))
