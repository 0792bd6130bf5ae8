"""(Admins) the taxonomy editor: list, add, change, reorder, retire and restore items.

The same operations for each kind of item, under
``/admin/taxonomy/{roles|event-groups|needs|qualifications}``. Keys never
change; a change shows in search at once.
"""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.taxonomy_admin import (
    AdminEventGroupSchema,
    AdminNeedSchema,
    AdminQualificationSchema,
    AdminSupportRoleSchema,
    AdminTaxonomySchema,
    TaxonomyEventGroupCreateArgs,
    TaxonomyEventGroupUpdateArgs,
    TaxonomyMoveArgs,
    TaxonomyNeedCreateArgs,
    TaxonomyNeedUpdateArgs,
    TaxonomyQualificationCreateArgs,
    TaxonomyQualificationUpdateArgs,
    TaxonomyRoleCreateArgs,
    TaxonomyRoleUpdateArgs,
)
from app.services import taxonomy_editor
from app.services.taxonomy_editor import EVENT_GROUP, NEED, QUALIFICATION, ROLE

blp = Blueprint("admin_taxonomy", __name__, description="(Admins) the taxonomy editor")


@blp.route("/admin/taxonomy", methods=["GET"])
@login_required
@blp.response(200, AdminTaxonomySchema)
@errors(blp, 401, 404)
def taxonomy():
    """Every role, event group, need and ladder rung, retired ones too, in order.

    Each item says its place in its list, when it was retired (if it was) and
    how many profiles and plans hold it; `ladder_rules` says what each rule means.
    """
    return taxonomy_editor.editor_view(db.session, current_user)


def _documented(summary: str, description: str = ""):
    def name(view):
        view.__doc__ = f"{summary}\n\n{description}" if description else summary
        return view

    return name


def _operations(kind, create_args, update_args, schema) -> None:
    """Add the five operations on items of ``kind`` to the blueprint."""
    base = f"/admin/taxonomy/{kind.path}"
    label = kind.label
    a_label = f"{'an' if label[0] in 'aeiou' else 'a'} {label}"

    def done(row) -> dict:
        db.session.commit()
        return taxonomy_editor.item_view(db.session, current_user, kind, row.key)

    @blp.route(base, methods=["POST"], endpoint=f"create_{kind.name}")
    @login_required
    @blp.arguments(create_args)
    @blp.response(201, schema)
    @errors(blp, 400, 401, 404, 422)
    @_documented(f"Add {a_label}.", "It goes last in its list (a rung: at `rank`, or the "
                                    "top of its ladder); the key never changes.")
    def create(args):
        return done(taxonomy_editor.create_item(db.session, current_user, kind, args))

    @blp.route(f"{base}/<key>", methods=["PATCH"], endpoint=f"update_{kind.name}")
    @login_required
    @blp.arguments(update_args)
    @blp.response(200, schema)
    @errors(blp, 400, 401, 404, 422)
    @_documented(f"Rename or change {a_label}.", "Only the fields given change; the new "
                                                 "name shows in search at once.")
    def update(args, key):
        return done(taxonomy_editor.update_item(db.session, current_user, kind, key, args))

    @blp.route(f"{base}/<key>/retire", methods=["POST"], endpoint=f"retire_{kind.name}")
    @login_required
    @blp.response(200, schema)
    @errors(blp, 400, 401, 404, 409)
    @_documented(f"Retire {a_label}.", "It leaves every new choice (forms, the public "
                                       "taxonomy, the widget); profiles, plans and records "
                                       "that hold it keep it, named as before.")
    def retire(key):
        return done(taxonomy_editor.retire_item(db.session, current_user, kind, key))

    @blp.route(f"{base}/<key>/restore", methods=["POST"], endpoint=f"restore_{kind.name}")
    @login_required
    @blp.response(200, schema)
    @errors(blp, 400, 401, 404, 409)
    @_documented(f"Offer a retired {label} again.")
    def restore(key):
        return done(taxonomy_editor.restore_item(db.session, current_user, kind, key))

    @blp.route(f"{base}/<key>/move", methods=["POST"], endpoint=f"move_{kind.name}")
    @login_required
    @blp.arguments(TaxonomyMoveArgs)
    @blp.response(200, schema)
    @errors(blp, 400, 401, 404, 409, 422)
    @_documented(f"Move {a_label} up or down its list, or to a position.",
                 "A rung moves on its own ladder (its rank).")
    def move(args, key):
        return done(taxonomy_editor.move_item(db.session, current_user, kind, key, **args))


_operations(ROLE, TaxonomyRoleCreateArgs, TaxonomyRoleUpdateArgs, AdminSupportRoleSchema)
_operations(EVENT_GROUP, TaxonomyEventGroupCreateArgs, TaxonomyEventGroupUpdateArgs,
            AdminEventGroupSchema)
_operations(NEED, TaxonomyNeedCreateArgs, TaxonomyNeedUpdateArgs, AdminNeedSchema)
_operations(QUALIFICATION, TaxonomyQualificationCreateArgs, TaxonomyQualificationUpdateArgs,
            AdminQualificationSchema)
