"""Sending, reading and answering support requests."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import Conflict
from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.requests import (
    DeclineArgs,
    QuestionArgs,
    ReplyArgs,
    RequestFormArgs,
    WithdrawArgs,
)
from app.services import request_read_model, search_demand, support_requests
from app.services.waitlists import requests_page as waitlists_page
from app.support import bp


@bp.route("/supporters/<id:supporter_id>/request", methods=["GET", "POST"])
@login_required
def request_support(supporter_id: int):
    """Ask a supporter for support: choose the role, write a message, share the plan."""
    try:
        context = support_requests.request_form_context(db.session, current_user, supporter_id)
    except Conflict as err:
        return render_template("requests/cannot_request.html", message=err.message), 409
    standing = request_read_model.coach_standing(db.session, current_user, supporter_id)
    if standing and standing["state"] == "waiting":
        # The form could only be refused: say where the request stands instead.
        return render_template("requests/new.html", standing=standing, form={}, errors={},
                               **context), 409 if request.method == "POST" else 200
    errors, status = {}, 200
    if request.method == "POST":
        data = {**request.form.to_dict(), "supporter_id": supporter_id}
        outcome = submit(RequestFormArgs(), lambda args: support_requests.send_request(
            db.session, current_user, args), data=data)
        if outcome.ok:
            search_demand.request_sent()
            flash(f"Your request is sent to {context['supporter'].user.display_name}. "
                  "We will email you when they answer.", "success")
            return redirect(url_for("support.request_detail", request_id=outcome.value.id))
        errors, status = outcome.errors, outcome.status
    return render_template("requests/new.html", form=request.form, errors=errors,
                           **context), status


@bp.get("/requests")
@login_required
def inbox():
    """The requests a person received (as supporter) and sent (as coach)."""
    boxes = request_read_model.inbox(db.session, current_user)
    return render_template("requests/inbox.html", **boxes,
                           **waitlists_page(db.session, current_user))


@bp.get("/requests/<id:request_id>")
@login_required
def request_detail(request_id: int):
    """One request, its messages, and what the person may do with it."""
    view = request_read_model.detail(db.session, current_user, request_id)
    return render_template("requests/detail.html", support_request=view, errors={}, form={})


ACTIONS = {
    "accept": (None, lambda user, rid, args: support_requests.accept(db.session, user, rid),
               "You accepted the request. You can now see each other's contact details."),
    "decline": (DeclineArgs, lambda user, rid, args: support_requests.decline(
        db.session, user, rid, args["reason"]), "You declined the request; the coach is told."),
    "ask": (QuestionArgs, lambda user, rid, args: support_requests.ask_for_information(
        db.session, user, rid, args["question"]), "Your question is sent to the coach."),
    "reply": (ReplyArgs, lambda user, rid, args: support_requests.reply(
        db.session, user, rid, args["message"]), "Your answer is sent."),
    "withdraw": (WithdrawArgs, lambda user, rid, args: support_requests.withdraw(
        db.session, user, rid, args.get("reason")), "Your request is withdrawn."),
}


@bp.post("/requests/<id:request_id>/<any(accept, decline, ask, reply, withdraw):action>")
@login_required
def answer_request(request_id: int, action: str):
    """Accept, decline, ask, reply or withdraw; errors show beside their fields."""
    schema_class, use_case, done = ACTIONS[action]
    schema = schema_class() if schema_class else ConfirmArgs()
    outcome = submit(schema, lambda args: use_case(current_user, request_id, args))
    if outcome.ok:
        flash(done, "success")
        return redirect(url_for("support.request_detail", request_id=request_id))
    view = request_read_model.detail(db.session, current_user, request_id)
    errors = {f"{action}-{k}" if k != FORM_ERROR else k: v for k, v in outcome.errors.items()}
    return render_template("requests/detail.html", support_request=view, errors=errors,
                           form=request.form), outcome.status
