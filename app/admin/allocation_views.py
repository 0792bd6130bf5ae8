"""Cohort allocation: propose, review, adjust, publish; and programme membership."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.errors import Conflict
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.allocation import AllocationArgs, PublishAllocationArgs, RerunFormArgs
from app.schemas.plans import ProgrammeFormArgs
from app.services import cohort_allocation, plans


@bp.get("/allocations")
@login_required
def allocations():
    """Allocation runs so far, and the form to propose a new one."""
    return _overview()


def _overview(errors=None, form=None, status: int = 200):
    view = cohort_allocation.overview(db.session, current_user)
    return render_template("admin/allocations.html", overview=view, errors=errors or {},
                           form=form), status


@bp.post("/allocations")
@login_required
def start_allocation():
    """Propose an allocation of a programme's coaches; nothing is created yet."""
    outcome = submit(AllocationArgs(), lambda args: cohort_allocation.start(
        db.session, current_user, args))
    if outcome.ok:
        flash("Here is the proposal. Nothing is created until you publish it.", "success")
        return redirect(url_for("admin.allocation", run_id=outcome.value.id))
    return _overview(outcome.errors, request.form, outcome.status)


@bp.post("/programmes")
@login_required
def set_programme():
    """Put coaches (by email) on a programme, or take them off it."""
    outcome = submit(ProgrammeFormArgs(), lambda args: plans.set_programme(
        db.session, current_user, args["emails"], args.get("programme")))
    if outcome.ok:
        flash(f"{len(outcome.value)} {'coach' if len(outcome.value) == 1 else 'coaches'} "
              "updated.", "success")
        return redirect(url_for("admin.allocations"))
    errors = {f"programme-{k}": v for k, v in outcome.errors.items()}
    return _overview(errors, request.form, outcome.status)


@bp.get("/allocations/<id:run_id>")
@login_required
def allocation(run_id: int):
    """A proposal side by side: each pair's score and reasons, the unplaced and why."""
    return _detail(run_id)


def _detail(run_id: int, errors=None, status: int = 200, form=None):
    view = cohort_allocation.run_view(db.session, current_user, run_id)
    return render_template("admin/allocation_detail.html", run=view, errors=errors or {},
                           form=form), status


@bp.post("/allocations/<id:run_id>/rerun")
@login_required
def rerun_allocation(run_id: int):
    """Re-run around the locked and moved pairs, from the coach developers typed."""
    outcome = submit(RerunFormArgs(), lambda args: cohort_allocation.rerun_with_choices(
        db.session, current_user, run_id, args["choices"], args["lock"]))
    if outcome.ok:
        flash("Re-run: the locked and moved pairs are kept and the rest is allocated around "
              "them.", "success")
        return redirect(url_for("admin.allocation", run_id=run_id))
    return _detail(run_id, outcome.errors, outcome.status, request.form)


@bp.get("/allocations/<id:run_id>/publish")
@login_required
def confirm_publication(run_id: int):
    """Say exactly what publishing does (pairings, emails), and ask to confirm."""
    try:
        return _confirm_page(run_id)
    except Conflict as err:
        flash(err.message, "error")  # published or set aside already
        return redirect(url_for("admin.allocation", run_id=run_id))


def _confirm_page(run_id: int, errors=None, status: int = 200):
    preview = cohort_allocation.publish_preview(db.session, current_user, run_id)
    return render_template("admin/allocation_publish.html", preview=preview,
                           errors=errors or {}), status


@bp.post("/allocations/<id:run_id>/publish")
@login_required
def publish_allocation(run_id: int):
    """Create the engagements and email everyone, once confirmed."""
    outcome = submit(PublishAllocationArgs(), lambda args: cohort_allocation.publish(
        db.session, current_user, run_id))
    if outcome.ok:
        flash("Published: the engagements are created and everyone is emailed.", "success")
        return redirect(url_for("admin.allocation", run_id=run_id))
    try:
        return _confirm_page(run_id, outcome.errors, outcome.status)
    except Conflict as err:
        # Published or set aside (meanwhile): the proposal page says what it is now.
        return _detail(run_id, {"_form": [err.message]}, err.status_code)


@bp.post("/allocations/<id:run_id>/discard")
@login_required
def discard_allocation(run_id: int):
    """Set a proposal aside."""
    outcome = submit(ConfirmArgs(), lambda args: cohort_allocation.discard(
        db.session, current_user, run_id))
    if outcome.ok:
        flash("The proposal is set aside.", "success")
        return redirect(url_for("admin.allocations"))
    return _detail(run_id, outcome.errors, outcome.status)
