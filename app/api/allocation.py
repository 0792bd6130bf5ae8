"""(Admins) cohort allocation: propose, re-run around locked pairs, publish."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.allocation import (
    AllocationArgs,
    AllocationPoolSchema,
    AllocationRunSchema,
    AllocationSummarySchema,
    RerunArgs,
)
from app.schemas.plans import PlanSummarySchema, ProgrammeArgs, ProgrammeSchema
from app.services import cohort_allocation, plans

blp = Blueprint("allocations", __name__, description="(Admins) cohort allocation")


def _run(run_id: int) -> dict:
    return cohort_allocation.run_view(db.session, current_user, run_id)


@blp.route("/admin/allocations")
class Allocations(MethodView):
    decorators = [login_required]

    @blp.response(200, AllocationSummarySchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """Every allocation run, newest first."""
        return cohort_allocation.runs(db.session, current_user)

    @blp.arguments(AllocationArgs)
    @blp.response(201, AllocationRunSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """Propose an allocation of a programme's coaches to coach developers.

        Nothing is created and nobody is emailed until the proposal is published.
        """
        run = cohort_allocation.start(db.session, current_user, args)
        db.session.commit()
        return _run(run.id)


@blp.route("/admin/allocations/pool")
class Pool(MethodView):
    decorators = [login_required]

    @blp.response(200, AllocationPoolSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """Coach developers who can be allocated today (searchable, places left)."""
        return cohort_allocation.overview(db.session, current_user)["pool"]


@blp.route("/admin/allocations/<id:run_id>")
class Allocation(MethodView):
    decorators = [login_required]

    @blp.response(200, AllocationRunSchema)
    @errors(blp, 401, 404)
    def get(self, run_id):
        """A run: pairs with scores and reasons, the unplaced with reasons, the pool."""
        return _run(run_id)


@blp.route("/admin/allocations/<id:run_id>/rerun")
class Rerun(MethodView):
    decorators = [login_required]

    @blp.arguments(RerunArgs)
    @blp.response(200, AllocationRunSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, run_id):
        """Re-run keeping `locks` (coach and supporter ids); the rest is allocated around them."""
        cohort_allocation.rerun(db.session, current_user, run_id, args["locks"])
        db.session.commit()
        return _run(run_id)


@blp.route("/admin/allocations/<id:run_id>/publish")
class Publish(MethodView):
    decorators = [login_required]

    @blp.response(200, AllocationRunSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, run_id):
        """Create the engagements and email everyone, all or nothing.

        Refused (409) when published already, or when a pair no longer fits
        (the supporter's places went meanwhile, or they are no longer searchable).
        """
        cohort_allocation.publish(db.session, current_user, run_id)
        db.session.commit()
        return _run(run_id)


@blp.route("/admin/allocations/<id:run_id>/discard")
class Discard(MethodView):
    decorators = [login_required]

    @blp.response(200, AllocationRunSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, run_id):
        """Set a proposal aside; it can no longer be published."""
        cohort_allocation.discard(db.session, current_user, run_id)
        db.session.commit()
        return _run(run_id)


@blp.route("/admin/programmes")
class Programmes(MethodView):
    decorators = [login_required]

    @blp.response(200, ProgrammeSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """Programme labels on open plans, with how many coaches carry each."""
        return cohort_allocation.overview(db.session, current_user)["programmes"]

    @blp.arguments(ProgrammeArgs)
    @blp.response(200, PlanSummarySchema(many=True))
    @errors(blp, 400, 401, 404, 422)
    def post(self, args):
        """Put coaches (by email) on a programme, or take them off with an empty programme."""
        changed = plans.set_programme(db.session, current_user, args["emails"],
                                      args.get("programme"))
        db.session.commit()
        return changed
