"""Reports that a supporter never answered: a coach reports, admins list and act."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.requests import RequestDetailSchema
from app.schemas.unanswered_reports import (
    OpenReportsSchema,
    PausedSupporterSchema,
    PauseSupporterArgs,
    ReportArgs,
    ReportDecisionSchema,
)
from app.services import request_read_model, unanswered_reports

blp = Blueprint("unanswered_reports", __name__,
                description="Reports that a supporter never answered a request")


@blp.route("/requests/<id:request_id>/unanswered-report")
class Report(MethodView):
    decorators = [login_required]

    @blp.arguments(ReportArgs)
    @blp.response(201, RequestDetailSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, request_id):
        """(Coach) report that the supporter never answered this request, once.

        Possible when the request expired, or is still pending after
        UNANSWERED_REQUEST_DAYS, and the supporter neither answered nor asked
        a question (409 otherwise, or when already reported). The programme
        team sees the report; the supporter is never told who made it.
        """
        unanswered_reports.report(db.session, current_user, request_id, args["note"])
        db.session.commit()
        return request_read_model.detail(db.session, current_user, request_id)


@blp.route("/admin/unanswered-reports")
class OpenReports(MethodView):
    decorators = [login_required]

    @blp.response(200, OpenReportsSchema)
    @errors(blp, 401, 404)
    def get(self):
        """(Admins) open reports by supporter, most reported first, with answer histories."""
        return unanswered_reports.open_reports(db.session, current_user)


@blp.route("/admin/unanswered-reports/<id:report_id>/dismiss")
class Dismiss(MethodView):
    decorators = [login_required]

    @blp.response(200, ReportDecisionSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, report_id):
        """(Admins) dismiss an open report; 409 when it is settled already."""
        found = unanswered_reports.dismiss(db.session, current_user, report_id)
        db.session.commit()
        return found


@blp.route("/admin/unanswered-reports/supporters/<id:profile_id>/pause")
class PauseSupporter(MethodView):
    decorators = [login_required]

    @blp.arguments(PauseSupporterArgs)
    @blp.response(200, PausedSupporterSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, profile_id):
        """(Admins) pause a supporter who does not answer: out of search, waiting coaches
        told, their open reports settled, the supporter emailed (never who reported)."""
        profile = unanswered_reports.pause_supporter(db.session, current_user, profile_id,
                                                     args.get("reason"))
        db.session.commit()
        return profile
