"""The impact report: programme-wide for admins, a caseload's own for coach developers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.impact import ImpactArgs, ImpactReportSchema
from app.services import impact_report

blp = Blueprint("impact", __name__, description="The impact report: requests, engagements, "
                                                "goals, reflective practice and reviews, "
                                                "counted by month")

CSV_RESPONSE = {"content": {"text/csv": {"schema": {"type": "string"}}}}
CSV_DOC = {"200": {"description": "One row per month, then a `total` row; the columns are "
                                  "those of the JSON figures", **CSV_RESPONSE}}


@blp.url_value_preprocessor
def who_may_see(endpoint, values):
    """Anyone signed in who may not see a report gets 404 before their query is read."""
    if current_user.is_authenticated:
        _scope(endpoint)


def _scope(endpoint: str) -> impact_report.Scope:
    if endpoint.startswith("impact.Caseload"):
        return impact_report.caseload_scope(db.session, current_user)
    return impact_report.admin_scope(current_user)


def _report(endpoint: str, args: dict) -> dict:
    return impact_report.report(db.session, _scope(endpoint), args,
                                today=datetime.now(UTC).date())


def _csv(endpoint: str, args: dict) -> Response:
    view = _report(endpoint, args)
    filename, text = impact_report.as_csv(db.session, current_user, view)
    db.session.commit()  # the audit record of the download
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@blp.route("/admin/impact")
class AdminImpact(MethodView):
    decorators = [login_required]

    @blp.arguments(ImpactArgs, location="query")
    @blp.response(200, ImpactReportSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """(Admins) the impact report: every coach, or one programme's, over a period.

        A period is `from`/`to` (the last 12 months by default) or a named
        `period`; `programme` narrows it to the coaches published allocations
        placed in that programme. Counts only: nobody is named.
        """
        return _report("impact.AdminImpact", args)


@blp.route("/admin/impact.csv")
class AdminImpactCsv(MethodView):
    decorators = [login_required]

    @blp.arguments(ImpactArgs, location="query")
    @blp.doc(responses=CSV_DOC)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """(Admins) the impact report's figures by month, as CSV (audited)."""
        return _csv("impact.AdminImpactCsv", args)


@blp.route("/caseload/impact")
class CaseloadImpact(MethodView):
    decorators = [login_required]

    @blp.arguments(ImpactArgs, location="query")
    @blp.response(200, ImpactReportSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """(Coach developers) the impact report of your own caseload over a period.

        The same figures as the admins' report, counting only the requests sent
        to you, your engagements and the plans you share through them.
        """
        return _report("impact.CaseloadImpact", args)


@blp.route("/caseload/impact.csv")
class CaseloadImpactCsv(MethodView):
    decorators = [login_required]

    @blp.arguments(ImpactArgs, location="query")
    @blp.doc(responses=CSV_DOC)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """(Coach developers) your caseload's impact figures by month, as CSV (audited)."""
        return _csv("impact.CaseloadImpactCsv", args)
