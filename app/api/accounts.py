"""Accounts over the JSON API: session, sign up, verification, passwords, my data.

Authentication is the same signed session cookie as the pages. Every
POST, PUT, PATCH and DELETE needs the CSRF token from GET /api/v1/session in
the X-CSRFToken header.
"""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from app.api.responses import errors
from app.auth import sessions
from app.extensions import db, limiter
from app.schemas.accounts import (
    AccountArgs,
    ChangePasswordArgs,
    EmailArgs,
    MeSchema,
    MessageSchema,
    PasswordArgs,
    ResetPasswordArgs,
    RolesArgs,
    SessionSchema,
    SignInArgs,
    SignUpArgs,
    TokenArgs,
)
from app.services import accounts, personal_data

blp = Blueprint("accounts", __name__, description="Accounts, sessions and your own data")

sign_in_limit = limiter.shared_limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
                                     scope="sign-in", methods=["POST"])
email_limit = limiter.shared_limit(lambda: current_app.config["ACCOUNT_EMAIL_RATE_LIMIT"],
                                   scope="account-email", methods=["POST"])


def _session_view() -> dict:
    user = current_user if current_user.is_authenticated else None
    return {"authenticated": user is not None, "csrf_token": generate_csrf(), "user": user}


@blp.route("/session")
class Session(MethodView):
    decorators = [sign_in_limit]

    @blp.response(200, SessionSchema)
    def get(self):
        """Say who is signed in, and give the CSRF token for changes."""
        return _session_view()

    @blp.arguments(SignInArgs)
    @blp.response(200, SessionSchema)
    @errors(blp, 400, 401, 422, 429)
    def post(self, args):
        """Sign in with email and password (at most 10 tries a minute from one address)."""
        try:
            user = accounts.authenticate(db.session, args["email"], args["password"],
                                         ip=request.remote_addr)
        finally:
            db.session.commit()  # the audit record, whether or not it worked
        sessions.start(user)
        return _session_view()

    @blp.response(204)
    @errors(blp, 400)
    def delete(self):
        """Sign out."""
        sessions.end()


@blp.route("/accounts")
class Accounts(MethodView):
    decorators = [email_limit]

    @blp.arguments(SignUpArgs)
    @blp.response(202, MessageSchema)
    @errors(blp, 400, 422, 429)
    def post(self, args):
        """Sign up; a link to confirm the email address is emailed.

        The answer is the same whether or not the address already has an
        account (its owner is emailed instead), so nobody learns who has one.
        """
        accounts.sign_up(db.session, args)
        db.session.commit()
        return {"message": "Check your email: we have sent a link to confirm your address."}


@blp.route("/accounts/email-verification")
class EmailVerification(MethodView):
    @blp.arguments(TokenArgs)
    @blp.response(200, MeSchema)
    @errors(blp, 400, 422)
    def post(self, args):
        """Confirm an email address with the token from the emailed link."""
        user = accounts.verify_email(db.session, args["token"])
        db.session.commit()
        return user


@blp.route("/accounts/email-verification/resend")
class ResendVerification(MethodView):
    decorators = [email_limit, login_required]

    @blp.response(202, MessageSchema)
    @errors(blp, 400, 401, 409, 429)
    def post(self):
        """Email the confirmation link again."""
        accounts.send_verification(db.session, current_user)
        db.session.commit()
        return {"message": f"We have sent a new link to {current_user.email}."}


@blp.route("/accounts/password-reset")
class PasswordReset(MethodView):
    decorators = [email_limit]

    @blp.arguments(EmailArgs)
    @blp.response(202, MessageSchema)
    @errors(blp, 400, 422, 429)
    def post(self, args):
        """Email a password reset link (the answer never says whether the account exists)."""
        accounts.request_password_reset(db.session, args["email"])
        db.session.commit()
        return {"message": "If that address has an account, a reset link is on its way."}


@blp.route("/accounts/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(ResetPasswordArgs)
    @blp.response(204)
    @errors(blp, 400, 422)
    def post(self, args):
        """Set a new password with the token from the emailed link; all sessions end."""
        accounts.reset_password(db.session, args["token"], args["password"])
        db.session.commit()
        sessions.end()


@blp.route("/me")
class Me(MethodView):
    decorators = [login_required]

    @blp.response(200, MeSchema)
    @errors(blp, 401)
    def get(self):
        """Your account."""
        return current_user

    @blp.arguments(AccountArgs)
    @blp.response(200, MeSchema)
    @errors(blp, 400, 401, 422)
    def patch(self, args):
        """Change your name, phone or your own roles (coach, supporter)."""
        accounts.update_account(db.session, current_user, args)
        db.session.commit()
        return current_user


@blp.route("/me/password")
class MyPassword(MethodView):
    decorators = [login_required]

    @blp.arguments(ChangePasswordArgs)
    @blp.response(204)
    @errors(blp, 400, 401, 422)
    def post(self, args):
        """Change your password; every other session of your account ends."""
        user = accounts.change_password(db.session, current_user, args["current_password"],
                                        args["new_password"])
        db.session.commit()
        sessions.renew(user)


@blp.route("/me/export")
class MyData(MethodView):
    decorators = [sign_in_limit, login_required]

    @blp.arguments(PasswordArgs)
    @blp.response(200)
    @errors(blp, 400, 401, 422, 429)
    def post(self, args):
        """Everything held about you, as JSON (your password confirms it is you)."""
        data = personal_data.export(db.session, current_user, args["password"])
        db.session.commit()
        return data


@blp.route("/me/deletion")
class MyDeletion(MethodView):
    decorators = [sign_in_limit, login_required]

    @blp.arguments(PasswordArgs)
    @blp.response(204)
    @errors(blp, 400, 401, 422, 429)
    def post(self, args):
        """Delete your account: personal data erased, anonymous counts kept; signs you out."""
        personal_data.erase(db.session, current_user, args["password"])
        db.session.commit()
        sessions.end()


@blp.route("/admin/users/<id:user_id>/roles")
class UserRoles(MethodView):
    decorators = [login_required]

    @blp.arguments(RolesArgs)
    @blp.response(200, MeSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def put(self, args, user_id):
        """(Admins) set every role of an account."""
        user = accounts.set_roles(db.session, current_user, user_id, args["roles"])
        db.session.commit()
        return user
