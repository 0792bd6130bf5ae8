"""Support requests over the JSON API: send, list, read, and answer them."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.requests import (
    DeclineArgs,
    InboxSchema,
    QuestionArgs,
    ReplyArgs,
    RequestArgs,
    RequestDetailSchema,
    RequestListArgs,
    WithdrawArgs,
)
from app.services import request_read_model, search_demand, support_requests

blp = Blueprint("requests", __name__, description="Support requests between coaches and "
                                                  "supporters")


def _detail(request_id: int) -> dict:
    return request_read_model.detail(db.session, current_user, request_id)


@blp.route("/requests")
class Requests(MethodView):
    decorators = [login_required]

    @blp.arguments(RequestListArgs, location="query")
    @blp.response(200, InboxSchema)
    @errors(blp, 401, 422)
    def get(self, args):
        """The requests you received (as a supporter) and sent (as a coach), newest first."""
        boxes = request_read_model.inbox(db.session, current_user)
        if args["box"] == "received":
            boxes["sent"] = []
        elif args["box"] == "sent":
            boxes["received"] = []
        return boxes

    @blp.arguments(RequestArgs)
    @blp.response(201, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """Ask a supporter for support (you need the coach role and a confirmed email).

        Refused (409) when the supporter has no places free, when you already
        have a request waiting for them, or already work with them in that role.
        """
        created = support_requests.send_request(db.session, current_user, args)
        db.session.commit()
        search_demand.request_sent()
        return _detail(created.id)


@blp.route("/requests/<id:request_id>")
class Request(MethodView):
    decorators = [login_required]

    @blp.response(200, RequestDetailSchema)
    @errors(blp, 401, 404)
    def get(self, request_id):
        """One of your requests; `contact` holds the other side's details once accepted."""
        return _detail(request_id)


@blp.route("/requests/<id:request_id>/accept")
class Accept(MethodView):
    decorators = [login_required]

    @blp.response(200, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, request_id):
        """(Supporter) accept: an engagement starts and contact details are shared."""
        support_requests.accept(db.session, current_user, request_id)
        db.session.commit()
        return _detail(request_id)


@blp.route("/requests/<id:request_id>/decline")
class Decline(MethodView):
    decorators = [login_required]

    @blp.arguments(DeclineArgs)
    @blp.response(200, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, request_id):
        """(Supporter) decline, with a reason the coach will read."""
        support_requests.decline(db.session, current_user, request_id, args["reason"])
        db.session.commit()
        return _detail(request_id)


@blp.route("/requests/<id:request_id>/questions")
class Questions(MethodView):
    decorators = [login_required]

    @blp.arguments(QuestionArgs)
    @blp.response(200, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, request_id):
        """(Supporter) ask the coach for more information; the request stays pending."""
        support_requests.ask_for_information(db.session, current_user, request_id,
                                             args["question"])
        db.session.commit()
        return _detail(request_id)


@blp.route("/requests/<id:request_id>/replies")
class Replies(MethodView):
    decorators = [login_required]

    @blp.arguments(ReplyArgs)
    @blp.response(200, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, request_id):
        """(Coach) answer the supporter's question."""
        support_requests.reply(db.session, current_user, request_id, args["message"])
        db.session.commit()
        return _detail(request_id)


@blp.route("/requests/<id:request_id>/withdraw")
class Withdraw(MethodView):
    decorators = [login_required]

    @blp.arguments(WithdrawArgs)
    @blp.response(200, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, request_id):
        """(Coach) withdraw a pending request."""
        support_requests.withdraw(db.session, current_user, request_id, args.get("reason"))
        db.session.commit()
        return _detail(request_id)
