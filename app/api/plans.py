"""Development plans, their proposed changes, goal progress, reviews and the reflective log.

Access is the same as on the pages: the coach and the supporters working with
them (while the engagement is active) change the plan; a supporter whose
engagement ended and admins read it; anyone else gets 404.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.plans import (
    CommentArgs,
    DecisionArgs,
    LogCommentSchema,
    LogEntryArgs,
    LogEntrySchema,
    PlanChangeSchema,
    PlanContentArgs,
    PlanCreateArgs,
    PlanSchema,
    PlanSummarySchema,
    PlanVersionSchema,
    ProgressArgs,
    ProposalArgs,
    ReflectiveLogSchema,
    ReviewArgs,
)
from app.services import caseload, plan_access, plan_read_model, plans, reflective_log

blp = Blueprint("plans", __name__, description="Development plans and reflective logs")


def _plan(plan_id: int) -> dict:
    return plan_read_model.plan_view(db.session, current_user, plan_id)


def _entry(plan_id: int, entry_id: int) -> dict:
    log = reflective_log.log_view(db.session, current_user, plan_id)
    return next(e for e in log["entries"] if e["id"] == entry_id)


@blp.route("/plans")
class Plans(MethodView):
    decorators = [login_required]

    @blp.response(200, PlanSummarySchema(many=True))
    @errors(blp, 401)
    def get(self):
        """The plans you take part in: your own, then those of the coaches you support."""
        return plan_access.visible_plans(db.session, current_user)

    @blp.arguments(PlanCreateArgs)
    @blp.response(201, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """Start a plan: a coach for themselves, or a supporter for a coach (`coach_id`).

        Without `review_dates`, review points fall 3, 6 and 9 months after
        `starts_on` (those before `ends_on`). A coach has one open plan at a time (409).
        """
        plan = plans.create_plan(db.session, current_user, args, coach_id=args.get("coach_id"))
        db.session.commit()
        return _plan(plan.id)


@blp.route("/plans/<id:plan_id>")
class Plan(MethodView):
    decorators = [login_required]

    @blp.response(200, PlanSchema)
    @errors(blp, 401, 404)
    def get(self, plan_id):
        """One plan: needs, goals and their progress, reviews, the waiting proposal, history."""
        return _plan(plan_id)

    @blp.arguments(PlanContentArgs)
    @blp.response(200, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def put(self, args, plan_id):
        """(Coach) replace the plan's content directly: only while no supporter works on it.

        Once a supporter is engaged, propose the change instead (409 here).
        """
        plans.edit_plan(db.session, current_user, plan_id, args)
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/changes")
class Changes(MethodView):
    decorators = [login_required]

    @blp.response(200, PlanChangeSchema(many=True))
    @errors(blp, 401, 404)
    def get(self, plan_id):
        """Every proposed change to the plan, newest first."""
        return plan_read_model.changes(db.session, current_user, plan_id)

    @blp.arguments(ProposalArgs)
    @blp.response(201, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id):
        """Propose new content for the plan; the other side accepts or rejects it.

        One proposal waits at a time (409 while another does).
        """
        plans.propose_change(db.session, current_user, plan_id, args)
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/changes/<id:change_id>/accept")
class AcceptChange(MethodView):
    decorators = [login_required]

    @blp.arguments(DecisionArgs)
    @blp.response(200, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id, change_id):
        """(The other side) accept: the plan changes and a new version is kept.

        Refused (409) when the plan changed since the proposal was made.
        """
        plans.decide_change(db.session, current_user, plan_id, change_id, "accept",
                            args.get("note"))
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/changes/<id:change_id>/reject")
class RejectChange(MethodView):
    decorators = [login_required]

    @blp.arguments(DecisionArgs)
    @blp.response(200, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id, change_id):
        """(The other side) reject the proposal; the plan stays as it is."""
        plans.decide_change(db.session, current_user, plan_id, change_id, "reject",
                            args.get("note"))
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/changes/<id:change_id>/withdraw")
class WithdrawChange(MethodView):
    decorators = [login_required]

    @blp.response(200, PlanSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, plan_id, change_id):
        """(The proposer) withdraw a proposal nobody has answered."""
        plans.withdraw_change(db.session, current_user, plan_id, change_id)
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/versions")
class Versions(MethodView):
    decorators = [login_required]

    @blp.response(200, PlanVersionSchema(many=True))
    @errors(blp, 401, 404)
    def get(self, plan_id):
        """The plan's history: each version with what changed, newest first."""
        return _plan(plan_id)["versions"]


@blp.route("/plans/<id:plan_id>/goals/<id:goal_id>/progress")
class GoalProgress(MethodView):
    decorators = [login_required]

    @blp.arguments(ProgressArgs)
    @blp.response(201, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id, goal_id):
        """Record a goal as not_started, in_progress or achieved.

        In progress and achieved need `evidence_entry_id`: a log entry of the
        plan linked to the goal.
        """
        reflective_log.record_progress(db.session, current_user, plan_id, goal_id, args)
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/reviews")
class Reviews(MethodView):
    decorators = [login_required]

    @blp.arguments(ReviewArgs)
    @blp.response(201, PlanSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id):
        """(Supporter) record a review held: a review point (`review_id`) or one in between."""
        caseload.record_review(db.session, current_user, plan_id, args)
        db.session.commit()
        return _plan(plan_id)


@blp.route("/plans/<id:plan_id>/log")
class Log(MethodView):
    decorators = [login_required]

    @blp.response(200, ReflectiveLogSchema)
    @errors(blp, 401, 404)
    def get(self, plan_id):
        """The reflective log, newest entry first, with comments."""
        return reflective_log.log_view(db.session, current_user, plan_id)

    @blp.arguments(LogEntryArgs)
    @blp.response(201, LogEntrySchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id):
        """(Coach) write an entry: date, what happened, reflection, next steps, minutes, goals."""
        entry = reflective_log.add_entry(db.session, current_user, plan_id, args)
        db.session.commit()
        return _entry(plan_id, entry.id)


@blp.route("/plans/<id:plan_id>/log/<id:entry_id>")
class LogEntry(MethodView):
    decorators = [login_required]

    @blp.arguments(LogEntryArgs)
    @blp.response(200, LogEntrySchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def put(self, args, plan_id, entry_id):
        """(Coach) correct an entry."""
        reflective_log.update_entry(db.session, current_user, plan_id, entry_id, args)
        db.session.commit()
        return _entry(plan_id, entry_id)

    @blp.response(204)
    @errors(blp, 400, 401, 404, 409)
    def delete(self, plan_id, entry_id):
        """(Coach) delete an entry written by mistake, with its comments and goal links.

        Goal progress that cited it as evidence keeps its status, without the evidence.
        """
        reflective_log.delete_entry(db.session, current_user, plan_id, entry_id)
        db.session.commit()


@blp.route("/plans/<id:plan_id>/log/<id:entry_id>/comments")
class Comments(MethodView):
    decorators = [login_required]

    @blp.arguments(CommentArgs)
    @blp.response(201, LogCommentSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, plan_id, entry_id):
        """Comment on an entry (the supporters working with the coach, and the coach)."""
        comment = reflective_log.add_comment(db.session, current_user, plan_id, entry_id,
                                             args["body"])
        db.session.commit()
        return next(c for c in _entry(plan_id, entry_id)["comments"] if c["id"] == comment.id)
