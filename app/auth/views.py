"""Pages for signing up, in and out, confirming email, passwords and the account."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.auth import bp, sessions
from app.errors import DomainError, flatten_errors
from app.extensions import db, limiter
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import (
    AccountFormArgs,
    ChangePasswordArgs,
    EmailArgs,
    PasswordArgs,
    ResetPasswordArgs,
    SignInArgs,
    SignUpArgs,
)
from app.services import accounts, personal_data, plan_access

sign_in_limit = limiter.shared_limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
                                     scope="sign-in", methods=["POST"])
email_limit = limiter.shared_limit(lambda: current_app.config["ACCOUNT_EMAIL_RATE_LIMIT"],
                                   scope="account-email", methods=["POST"])


@bp.route("/sign-up", methods=["GET", "POST"])
@email_limit
def sign_up():
    """Create an account; a link to confirm the email address is sent."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(SignUpArgs(), lambda args: accounts.sign_up(db.session, args))
        if outcome.ok:
            return redirect(url_for("auth.check_email"))
        errors, status = outcome.errors, outcome.status
    return render_template("auth/sign_up.html", form=request.form, errors=errors), status


@bp.get("/sign-up/check-email")
def check_email():
    """Tell the person to look for the confirmation email."""
    return render_template("auth/check_email.html")


@bp.get("/verify-email")
def verify_email():
    """Confirm an email address from the emailed link."""
    try:
        user = accounts.verify_email(db.session, request.args.get("token", ""))
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return render_template("auth/link_problem.html", message=err.message), 400
    flash("Thank you: your email address is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.sign_in", email=user.email))


@bp.post("/verify-email/resend")
@login_required
@email_limit
def resend_verification():
    """Send the confirmation link again."""
    try:
        accounts.send_verification(db.session, current_user)
        db.session.commit()
        flash(f"We have sent a new link to {current_user.email}.", "success")
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "info")
    return redirect(url_for("auth.account"))


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_limit
def sign_in():
    """Sign in with email and password; then go back where the person was."""
    next_url = sessions.safe_next(request.values.get("next"), "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or landing_page(current_user))
    if request.method == "GET":
        return render_template("auth/sign_in.html", form=request.args, errors={},
                               next_url=next_url)
    user, errors, status = _authenticate(request.form)
    if user is not None:
        sessions.start(user)
        return redirect(next_url or landing_page(user))
    return render_template("auth/sign_in.html", form=request.form, errors=errors,
                           next_url=next_url), status


def landing_page(user) -> str:
    """Return where a person's work is: admin home, caseload, requests, their plan or search."""
    if user.has_role("admin"):
        return url_for("admin.home")
    if user.has_role("coach_developer"):
        return url_for("caseload.dashboard")
    if user.has_role("supporter"):
        return url_for("support.inbox")
    if user.has_role("coach"):
        plan_id = plan_access.current_plan_id(db.session, user.id)
        return (url_for("caseload.plan_detail", plan_id=plan_id) if plan_id
                else url_for("web.search"))
    return url_for("auth.account")


def _authenticate(form) -> tuple[object | None, dict, int]:
    """Return (the user, {}, 200) for the right password, else (None, errors, status)."""
    try:
        args = SignInArgs().load(form)
        user = accounts.authenticate(db.session, args["email"], args["password"],
                                     ip=request.remote_addr)
    except ValidationError as err:
        return None, flatten_errors(err.messages), 422
    except accounts.SignInFailed as err:
        db.session.commit()  # keep the audit record of the failed attempt
        return None, {FORM_ERROR: [err.message]}, err.status_code
    db.session.commit()
    return user, {}, 200


@bp.post("/sign-out")
def sign_out():
    """Sign out of this session."""
    sessions.end()
    flash("You are signed out.", "success")
    return redirect(url_for("web.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@email_limit
def forgot_password():
    """Ask for a password reset link by email."""
    errors, status, sent = {}, 200, False
    if request.method == "POST":
        outcome = submit(EmailArgs(), lambda args: accounts.request_password_reset(
            db.session, args["email"]))
        sent = outcome.ok
        errors, status = outcome.errors, outcome.status
    return render_template("auth/forgot_password.html", form=request.form, errors=errors,
                           sent=sent), status


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password from an emailed link."""
    token = request.values.get("token", "")
    if request.method == "GET":
        try:
            accounts.check_reset_token(db.session, token)
        except DomainError as err:
            return render_template("auth/link_problem.html", message=err.message), 400
        return render_template("auth/reset_password.html", token=token, errors={})
    outcome = submit(ResetPasswordArgs(), lambda args: accounts.reset_password(
        db.session, args["token"], args["password"]))
    if outcome.ok:
        sessions.end()
        flash("Your password is changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.sign_in", email=outcome.value.email))
    if "token" in outcome.errors:
        return render_template("auth/link_problem.html",
                               message=" ".join(outcome.errors["token"])), 400
    return render_template("auth/reset_password.html", token=token,
                           errors=outcome.errors), outcome.status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show and change the person's name, phone and roles."""
    errors, status = {}, 200
    form = None
    if request.method == "POST":
        outcome = submit(AccountFormArgs(), lambda args: accounts.update_account(
            db.session, current_user, args))
        if outcome.ok:
            flash("Your details are saved.", "success")
            return redirect(url_for("auth.account"))
        errors, status, form = outcome.errors, outcome.status, request.form
    return render_template("account/account.html", form=form, errors=errors,
                           password_errors={}), status


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; every other session is signed out."""
    outcome = submit(ChangePasswordArgs(), lambda args: accounts.change_password(
        db.session, current_user, args["current_password"], args["new_password"]))
    if outcome.ok:
        sessions.renew(outcome.value)
        flash("Your password is changed. Any other device signed in to your account has "
              "been signed out.", "success")
        return redirect(url_for("auth.account"))
    return render_template("account/account.html", form=None, errors={},
                           password_errors=outcome.errors), outcome.status


@bp.post("/account/data")
@login_required
@sign_in_limit
def download_data():
    """Download everything held about the person, as JSON (password needed)."""
    try:
        args = PasswordArgs().load(request.form)
        data = personal_data.export(db.session, current_user, args["password"])
        db.session.commit()
    except ValidationError as err:
        return _account_with_export_errors(flatten_errors(err.messages), 422)
    except DomainError as err:
        db.session.rollback()
        return _account_with_export_errors(err.errors or {FORM_ERROR: [err.message]},
                                           err.status_code)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(json.dumps(data, indent=2, ensure_ascii=False),
                    mimetype="application/json",
                    headers={"Content-Disposition":
                             f'attachment; filename="my-coaching-support-data-{stamp}.json"',
                             "Cache-Control": "no-store"})


def _account_with_export_errors(errors, status):
    return render_template("account/account.html", form=None, errors={}, password_errors={},
                           export_errors=errors), status


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@sign_in_limit
def delete_account():
    """Erase the account's personal data (password needed), then sign out."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(PasswordArgs(), lambda args: personal_data.erase(
            db.session, current_user, args["password"]))
        if outcome.ok:
            sessions.end()
            flash("Your account is deleted and your personal data erased.", "success")
            return redirect(url_for("web.index"))
        errors, status = outcome.errors, outcome.status
    return render_template("account/delete.html", errors=errors), status
