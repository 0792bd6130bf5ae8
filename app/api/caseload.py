"""The caseload of a supporter, and closing an engagement with an outcome."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.caseload import (
    CaseloadArgs,
    CaseloadSchema,
    CloseEngagementArgs,
    EngagementSchema,
)
from app.services import caseload

blp = Blueprint("caseloads", __name__, description="Your caseload as a supporter")


@blp.route("/caseload")
class Caseload(MethodView):
    decorators = [login_required]

    @blp.arguments(CaseloadArgs, location="query")
    @blp.response(200, CaseloadSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """Every coach you support: goals and progress, last log entry, next review, overdue.

        A log is overdue after LOG_OVERDUE_WEEKS weeks without an entry (counted
        from the later of the plan's start and the last entry); a review once its
        date has passed unheld. `capacity.text` reads e.g. "2 of 2". Admins may
        pass `supporter_id` to see anyone's caseload.
        """
        return caseload.caseload(db.session, current_user, args)


@blp.route("/caseload/engagements/<id:engagement_id>/close")
class CloseEngagement(MethodView):
    decorators = [login_required]

    @blp.arguments(CloseEngagementArgs)
    @blp.response(200, EngagementSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, engagement_id):
        """End your work with a coach, with its outcome (and optionally complete the plan)."""
        engagement = caseload.close_engagement(db.session, current_user, engagement_id, args)
        db.session.commit()
        return engagement
