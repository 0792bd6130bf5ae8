"""Widget keys: issue one to a club, change its sites and presets, revoke it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.widget import WidgetKeyArgs
from app.services import widget_keys
from app.services.taxonomy import load_taxonomy


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


@bp.get("/widget-keys")
@login_required
def widget_keys_list():
    """List the clubs' widget keys, live ones first."""
    keys = widget_keys.list_keys(db.session, current_user)
    return render_template("admin/widget_keys.html", keys=keys)


@bp.route("/widget-keys/new", methods=["GET", "POST"])
@login_required
def widget_key_new():
    """Issue a widget key to a club."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(WidgetKeyArgs(), lambda args: widget_keys.create_key(
            db.session, current_user, args))
        if outcome.ok:
            flash(f"Widget key issued to {outcome.value.club_name}: send them the embed code "
                  "below.", "success")
            return redirect(url_for("admin.widget_key", key_id=outcome.value.id))
        errors, status = outcome.errors, outcome.status
    return render_template("admin/widget_keys_new.html", widget_key=None, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           taxonomy=load_taxonomy(db.session)), status


@bp.route("/widget-keys/<id:key_id>", methods=["GET", "POST"])
@login_required
def widget_key(key_id: int):
    """Show a key's embed code; change its club name, sites, presets or rate limit."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(WidgetKeyArgs(), lambda args: widget_keys.update_key(
            db.session, current_user, key_id, args))
        if outcome.ok:
            flash("Widget key saved. Pages already using it pick up the change at once.",
                  "success")
            return redirect(url_for("admin.widget_key", key_id=key_id))
        errors, status = outcome.errors, outcome.status
    key = widget_keys.get_key(db.session, current_user, key_id)
    return render_template(
        "admin/widget_keys_detail.html", widget_key=key, errors=errors,
        form=request.form if request.method == "POST" else None,
        code=widget_keys.embed_code(key, _base_url()),
        # Retired presets the key holds stay on the form, so saving it keeps them.
        taxonomy=load_taxonomy(db.session, held={
            "support_roles": (key.presets or {}).get("roles", []),
            "event_groups": (key.presets or {}).get("event_groups", [])})), status


@bp.post("/widget-keys/<id:key_id>/revoke")
@login_required
def widget_key_revoke(key_id: int):
    """Switch a key off: every page using it shows that the search is switched off."""
    outcome = submit(ConfirmArgs(), lambda args: widget_keys.revoke_key(
        db.session, current_user, key_id))
    if outcome.ok:
        flash(f"The widget key of {outcome.value.club_name} is revoked.", "success")
    else:
        flash(" ".join(m for ms in outcome.errors.values() for m in ms), "error")
    return redirect(url_for("admin.widget_key", key_id=key_id))
