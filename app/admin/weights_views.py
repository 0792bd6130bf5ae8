"""Ranking weights: their meanings, a preview of how rankings move, versions, samples."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.admin import bp
from app.extensions import db
from app.form_submission import FORM_ERROR, submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.weights import PreviewArgs, RestoreArgs, SampleSearchArgs, WeightsFormArgs
from app.services import ranking_weights, weight_preview
from app.services.ranking_weights import NAMES, number
from app.services.search import index_cache

#: The sample search form's fields carry this prefix, so its errors sit beside them.
SAMPLE = "sample-"


@bp.get("/weights")
@login_required
def weights():
    """The weights in force with their meanings, the sample searches and the history."""
    return _page()


def _page(*, form=None, preview=None, errors=None, sample_form=None, status: int = 200):
    view = weight_preview.page(db.session, current_user)
    if form is None:  # start from the weights in force, or (asked) from the defaults
        start = view["defaults"] if request.args.get("start") == "defaults" \
            else view["weights"]["weights"]
        form = {name: number(value) for name, value in start.items()}
        form["based_on"] = view["weights"]["version"]["id"]
    return render_template("admin/weights.html", page=view, form=form, preview=preview,
                           errors=errors or {}, sample_form=sample_form or MultiDict(),
                           meanings=ranking_weights.MEANINGS), status


def _values(args: dict) -> dict:
    return {name: args[name] for name in NAMES if name in args}


@bp.post("/weights/preview")
@login_required
def preview_weights():
    """Rank the sample searches (and a cohort) with the weights in force and the proposed."""
    outcome = submit(PreviewArgs(), lambda args: weight_preview.preview(
        db.session, current_user, _values(args), programme=args.get("programme")))
    return _page(form=request.form, preview=outcome.value, errors=outcome.errors,
                 status=outcome.status)


@bp.post("/weights")
@login_required
def save_weights():
    """Save the proposed weights as a new version; search ranks with them at once."""
    outcome = submit(WeightsFormArgs(), lambda args: ranking_weights.save(
        db.session, current_user, _values(args), note=args["note"],
        based_on=args.get("based_on")))
    if not outcome.ok:
        return _page(form=request.form, errors=outcome.errors, status=outcome.status)
    index_cache().invalidate()  # this worker's next search looks for the new version
    flash(f"Saved as version {outcome.value.id}. Search and allocation rank with it now.",
          "success")
    return redirect(url_for("admin.weights"))


@bp.post("/weights/versions/<id:version_id>/restore")
@login_required
def restore_weights(version_id: int):
    """Put an earlier version back in force, as a new version equal to it."""
    outcome = submit(RestoreArgs(), lambda args: ranking_weights.restore(
        db.session, current_user, version_id, note=args["note"]))
    if not outcome.ok:
        return _page(errors=outcome.errors, status=outcome.status)
    index_cache().invalidate()
    flash(f"Version {version_id} is back in force, as version {outcome.value.id}.", "success")
    return redirect(url_for("admin.weights", _anchor="history"))


@bp.post("/weights/samples")
@login_required
def add_sample_search():
    """Keep a search as a sample for previews."""
    outcome = submit(SampleSearchArgs(), lambda args: weight_preview.add_sample(
        db.session, current_user, args["name"], args))
    if not outcome.ok:
        errors = {k if k == FORM_ERROR else f"{SAMPLE}{k}": v
                  for k, v in outcome.errors.items()}
        return _page(errors=errors, sample_form=request.form, status=outcome.status)
    flash(f"“{outcome.value['name']}” is a sample search now: previews rank it both ways.",
          "success")
    return redirect(url_for("admin.weights", _anchor="samples"))


@bp.post("/weights/samples/<id:sample_id>/delete")
@login_required
def remove_sample_search(sample_id: int):
    """Stop using a sample search in previews."""
    outcome = submit(ConfirmArgs(), lambda args: weight_preview.remove_sample(
        db.session, current_user, sample_id))
    if not outcome.ok:
        return _page(errors=outcome.errors, status=outcome.status)
    flash("The sample search is removed.", "success")
    return redirect(url_for("admin.weights", _anchor="samples"))
