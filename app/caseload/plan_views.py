"""Development plans: start, read, edit or propose a change, answer it, progress, reviews."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.caseload import bp
from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.plans import (
    DecisionArgs,
    PlanFormArgs,
    ProgressArgs,
    ProposalFormArgs,
    ReviewArgs,
)
from app.services import caseload, plan_access, plan_read_model, plans, reflective_log
from app.services.taxonomy import load_taxonomy


@bp.get("/plans")
@login_required
def plan_list():
    """The plans a person takes part in: their own and their coaches'."""
    found = plan_access.visible_plans(db.session, current_user)
    own = [p for p in found if p.coach_id == current_user.id]
    if len(own) == 1 and len(found) == 1:
        return redirect(url_for("caseload.plan_detail", plan_id=own[0].id))
    return render_template("plans/list.html", own=own,
                           supported=[p for p in found if p.coach_id != current_user.id])


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def new_plan():
    """Start a plan: a coach for themselves, or a supporter for a coach they work with."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(PlanFormArgs(), lambda args: plans.create_plan(
            db.session, current_user, args, coach_id=args.get("coach_id")))
        if outcome.ok:
            flash("Your plan is started. Review points are set; change them any time.",
                  "success")
            return redirect(url_for("caseload.plan_detail", plan_id=outcome.value.id))
        errors, status = outcome.errors, outcome.status
    return render_template("plans/form.html", mode="new", plan=None, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           coach_id=request.values.get("coach_id", ""),
                           taxonomy=load_taxonomy(db.session)), status


@bp.get("/plans/<id:plan_id>")
@login_required
def plan_detail(plan_id: int):
    """The plan, its goals and progress, reviews, the waiting proposal and the history."""
    return _detail(plan_id)


def _detail(plan_id: int, errors=None, form=None, status: int = 200):
    view = plan_read_model.plan_view(db.session, current_user, plan_id)
    log = reflective_log.log_view(db.session, current_user, plan_id)
    return render_template("plans/detail.html", plan=view, log=log, errors=errors or {},
                           form=form or {}), status


@bp.route("/plans/<id:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int):
    """Change the plan directly (a coach whom no supporter works with on it)."""
    return _plan_form(plan_id, "edit", PlanFormArgs, plans.edit_plan,
                      "Your plan is saved; the change is kept in its history.")


@bp.route("/plans/<id:plan_id>/propose", methods=["GET", "POST"])
@login_required
def propose_change(plan_id: int):
    """Propose a change to the plan: the other side accepts or rejects it."""
    return _plan_form(plan_id, "propose", ProposalFormArgs, plans.propose_change,
                      "Your proposal is sent: it applies once it is accepted.")


def _plan_form(plan_id: int, mode: str, schema_class, use_case, done: str):
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(schema_class(), lambda args: use_case(
            db.session, current_user, plan_id, args))
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("caseload.plan_detail", plan_id=plan_id))
        errors, status = outcome.errors, outcome.status
    view = plan_read_model.plan_view(db.session, current_user, plan_id)
    # A retired need the plan holds stays on the form, so saving it keeps the need.
    held = {"needs": [need["key"] for need in view["content"]["needs"]]}
    return render_template("plans/form.html", mode=mode, plan=view, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           coach_id="", taxonomy=load_taxonomy(db.session, held=held)), status


DECISIONS = {"accept": "You accepted the change: the plan is updated and the old version kept.",
             "reject": "You rejected the change; they are told.",
             "withdraw": "Your proposal is withdrawn."}


@bp.post("/plans/<id:plan_id>/changes/<id:change_id>/<any(accept, reject, withdraw):action>")
@login_required
def answer_change(plan_id: int, change_id: int, action: str):
    """Accept, reject or withdraw a proposed change."""
    if action == "withdraw":
        outcome = submit(ConfirmArgs(), lambda args: plans.withdraw_change(
            db.session, current_user, plan_id, change_id))
    else:
        outcome = submit(DecisionArgs(), lambda args: plans.decide_change(
            db.session, current_user, plan_id, change_id, action, args.get("note")))
    if outcome.ok:
        flash(DECISIONS[action], "success")
        return redirect(url_for("caseload.plan_detail", plan_id=plan_id))
    return _detail(plan_id, _prefixed("change", outcome.errors), request.form, outcome.status)


@bp.post("/plans/<id:plan_id>/goals/<id:goal_id>/progress")
@login_required
def record_progress(plan_id: int, goal_id: int):
    """Record a goal's progress with a log entry as evidence."""
    outcome = submit(ProgressArgs(), lambda args: reflective_log.record_progress(
        db.session, current_user, plan_id, goal_id, args))
    if outcome.ok:
        flash("Progress recorded.", "success")
        return redirect(url_for("caseload.plan_detail", plan_id=plan_id,
                                _anchor=f"goal-{goal_id}"))
    return _detail(plan_id, _prefixed(f"goal-{goal_id}", outcome.errors), request.form,
                   outcome.status)


@bp.post("/plans/<id:plan_id>/reviews")
@login_required
def record_review(plan_id: int):
    """Record a review held with the coach."""
    outcome = submit(ReviewArgs(), lambda args: caseload.record_review(
        db.session, current_user, plan_id, args))
    if outcome.ok:
        flash("The review is recorded.", "success")
        return redirect(url_for("caseload.plan_detail", plan_id=plan_id, _anchor="reviews"))
    return _detail(plan_id, _prefixed("review", outcome.errors), request.form, outcome.status)


def _prefixed(prefix: str, errors: dict) -> dict:
    """Name a form's fields uniquely on a page with several forms ("review-notes")."""
    return {f"{prefix}-{k}" if k != FORM_ERROR else k: v for k, v in errors.items()}
