"""(Admins) cohort allocation: propose, re-run around locked pairs, publish."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.allocation import (
    AllocationArgs,
    AllocationPoolArgs,
    AllocationPoolSchema,
    AllocationPublicationSchema,
    AllocationRunSchema,
    AllocationSummarySchema,
    ProgrammeCohortSchema,
    PublishAllocationArgs,
    RerunArgs,
)
from app.schemas.plans import PlanSummarySchema, ProgrammeArgs
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

    @blp.arguments(AllocationPoolArgs, location="query")
    @blp.response(200, AllocationPoolSchema(many=True))
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """Coach developers who can be allocated today (searchable, places left).

        `q` narrows the list as the page resolves a typed choice: a number
        (`#412`), or words that must each be a whole word of the name, place,
        postcode area or club ("Sam Patel Leeds").
        """
        return cohort_allocation.coach_developers(db.session, current_user, args.get("q"))


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

    @blp.response(200, AllocationPublicationSchema)
    @errors(blp, 401, 404, 409)
    def get(self, run_id):
        """What publishing would do: pairings created, who is emailed, and what blocks it.

        Changes nothing. `problems` lists why publishing would be refused now;
        409 when the run is published or set aside already.
        """
        return cohort_allocation.publish_preview(db.session, current_user, run_id)

    @blp.arguments(PublishAllocationArgs)
    @blp.response(200, AllocationRunSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, run_id):
        """Create the engagements and email everyone, all or nothing; needs `confirm: true`.

        Publishing emails every coach and coach developer paired (and tells the
        unpaired coaches), so it must be confirmed: without `confirm: true` the
        answer is 422 naming `confirm`, and nothing happens. Refused (409) when
        published already, or when a pair no longer fits (the supporter's
        places went meanwhile, or they are no longer searchable).
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

    @blp.response(200, ProgrammeCohortSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """Programme labels on open plans: each one's coaches, already placed and waiting.

        Counted as an allocation counts its cohort (each coach once, active
        accounts only).
        """
        return cohort_allocation.programme_cohorts(db.session, current_user)

    @blp.arguments(ProgrammeArgs)
    @blp.response(200, PlanSummarySchema(many=True))
    @errors(blp, 400, 401, 404, 422)
    def post(self, args):
        """Put coaches (by email) on a programme, or take them off with an empty programme."""
        changed = plans.set_programme(db.session, current_user, args["emails"],
                                      args.get("programme"))
        db.session.commit()
        return changed
