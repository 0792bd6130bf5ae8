"""The taxonomy editor: roles, event groups, needs and ladders, as plain forms."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.taxonomy_admin import (
    TaxonomyEventGroupCreateArgs,
    TaxonomyEventGroupFormArgs,
    TaxonomyMoveArgs,
    TaxonomyNeedCreateArgs,
    TaxonomyNeedUpdateArgs,
    TaxonomyQualificationCreateArgs,
    TaxonomyQualificationFormArgs,
    TaxonomyRoleCreateArgs,
    TaxonomyRoleUpdateArgs,
)
from app.services import taxonomy_editor
from app.services.taxonomy_editor import EVENT_GROUP, NEED, QUALIFICATION, ROLE

CREATE_FORMS = {ROLE: TaxonomyRoleCreateArgs, EVENT_GROUP: TaxonomyEventGroupCreateArgs,
                NEED: TaxonomyNeedCreateArgs, QUALIFICATION: TaxonomyQualificationCreateArgs}
EDIT_FORMS = {ROLE: TaxonomyRoleUpdateArgs, EVENT_GROUP: TaxonomyEventGroupFormArgs,
              NEED: TaxonomyNeedUpdateArgs, QUALIFICATION: TaxonomyQualificationFormArgs}


@bp.get("/taxonomy")
@login_required
def taxonomy():
    """Every role, event group, need and ladder rung, retired ones too, with what to do."""
    view = taxonomy_editor.editor_view(db.session, current_user)
    return render_template("admin/taxonomy.html", taxonomy=view)


def _anchor(kind, key: str) -> str:
    return url_for("admin.taxonomy", _anchor=f"{kind.name}-{key}")


@bp.route("/taxonomy/<kind_path>", methods=["GET", "POST"])
@login_required
def taxonomy_new(kind_path: str):
    """Add a role, event group, need or rung."""
    kind = taxonomy_editor.kind_of(kind_path)
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(CREATE_FORMS[kind](), lambda args: taxonomy_editor.create_item(
            db.session, current_user, kind, args))
        if outcome.ok:
            flash(f"{outcome.value.name} is added: it is offered everywhere from now on.",
                  "success")
            return redirect(_anchor(kind, outcome.value.key))
        errors, status = outcome.errors, outcome.status
    return _form("new", kind, None, errors, status,
                 form=request.form if request.method == "POST" else None)


@bp.route("/taxonomy/<kind_path>/<key>", methods=["GET", "POST"])
@login_required
def taxonomy_item(kind_path: str, key: str):
    """Rename or change an item; move it to a position; retire or restore it."""
    kind = taxonomy_editor.kind_of(kind_path)
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(EDIT_FORMS[kind](), lambda args: taxonomy_editor.update_item(
            db.session, current_user, kind, key, args))
        if outcome.ok:
            flash(f"{outcome.value.name} is saved: search and every form show it at once.",
                  "success")
            return redirect(_anchor(kind, key))
        errors, status = outcome.errors, outcome.status
    return _form("edit", kind, key, errors, status,
                 form=request.form if request.method == "POST" else None)


def _form(mode: str, kind, key: str | None, errors: dict, status: int, *, form=None,
          position=None):
    """Render the add or edit page; ``form`` is what was posted, to show back."""
    item = taxonomy_editor.item_view(db.session, current_user, kind, key) if key else None
    return render_template(
        "admin/taxonomy_form.html", mode=mode, kind=kind, item=item, errors=errors,
        form=form, position=position or (item or {}).get("position"),
        taxonomy=taxonomy_editor.editor_view(db.session, current_user),
        framework=request.values.get("framework") or (item or {}).get("framework")), status


@bp.post("/taxonomy/<kind_path>/<key>/move")
@login_required
def taxonomy_move(kind_path: str, key: str):
    """Move an item one place up or down, or to a position."""
    kind = taxonomy_editor.kind_of(kind_path)
    outcome = submit(TaxonomyMoveArgs(), lambda args: taxonomy_editor.move_item(
        db.session, current_user, kind, key, **args))
    if outcome.ok:
        return redirect(_anchor(kind, key))
    if "position" in outcome.errors and "position" in request.form:
        return _form("edit", kind, key, {"position": outcome.errors["position"]},
                     outcome.status, position=request.form["position"])
    _flash_errors(outcome.errors)
    return redirect(_anchor(kind, key))


@bp.post("/taxonomy/<kind_path>/<key>/<any(retire, restore):action>")
@login_required
def taxonomy_retire(kind_path: str, key: str, action: str):
    """Retire an item (out of every new choice, kept where held), or restore it."""
    kind = taxonomy_editor.kind_of(kind_path)
    use_case = taxonomy_editor.retire_item if action == "retire" else \
        taxonomy_editor.restore_item
    outcome = submit(ConfirmArgs(), lambda args: use_case(db.session, current_user, kind, key))
    if outcome.ok:
        name = outcome.value.name
        flash(f"{name} is retired: no longer offered, still named wherever it is held."
              if action == "retire" else f"{name} is offered again.", "success")
    else:
        _flash_errors(outcome.errors)
    return redirect(_anchor(kind, key))


def _flash_errors(errors: dict) -> None:
    flash(" ".join(m for messages in errors.values() for m in messages), "error")
