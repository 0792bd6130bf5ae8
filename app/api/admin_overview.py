"""(Admins) what needs attention: the admin home, expiring checks, late answers, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.admin_overview import (
    AuditArgs,
    AuditPageSchema,
    ExpiringArgs,
    ExpiringSchema,
    OverdueSchema,
    OverviewSchema,
    UnansweredArgs,
    UnansweredSchema,
)
from app.services import admin_overview

blp = Blueprint("admin_overview", __name__,
                description="(Admins) the admin home and what needs attention")


@blp.route("/admin/overview")
class Overview(MethodView):
    decorators = [login_required]

    @blp.response(200, OverviewSchema)
    @errors(blp, 401, 404)
    def get(self):
        """Everything waiting for an admin: verification, expiring checks, late answers,
        overdue logs and reviews, undelivered email, the latest audit events."""
        return admin_overview.overview(db.session, current_user)


@blp.route("/admin/expiring")
class Expiring(MethodView):
    decorators = [login_required]

    @blp.arguments(ExpiringArgs, location="query")
    @blp.response(200, ExpiringSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """Safeguarding checks and licences ending soon, and those expired, with the people."""
        return admin_overview.expiring_checks(db.session, current_user,
                                              today=datetime.now(UTC).date(), **args)


@blp.route("/admin/unanswered-requests")
class Unanswered(MethodView):
    decorators = [login_required]

    @blp.arguments(UnansweredArgs, location="query")
    @blp.response(200, UnansweredSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """Requests still waiting for an answer after the setting's number of days."""
        return admin_overview.unanswered_requests(db.session, current_user,
                                                  now=datetime.now(UTC), **args)


@blp.route("/admin/overdue")
class Overdue(MethodView):
    decorators = [login_required]

    @blp.response(200, OverdueSchema)
    @errors(blp, 401, 404)
    def get(self):
        """Overdue reflective logs and reviews across every caseload."""
        return admin_overview.overdue_caseload(db.session, current_user,
                                               today=datetime.now(UTC).date())


@blp.route("/admin/audit")
class Audit(MethodView):
    decorators = [login_required]

    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPageSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """The audit log, newest first, 50 at a time; ids and outcomes only."""
        return admin_overview.audit_events(db.session, current_user, action=args["action"],
                                           before_id=args["before"])
