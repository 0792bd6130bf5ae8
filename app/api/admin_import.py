"""(Admins) the licence-list import (dry run, apply, failed rows) and the CSV exports.

The licence list is sent as a file in a ``multipart/form-data`` body (field
``file``), like a browser's upload form::

    curl -b cookies -H "X-CSRFToken: $TOKEN" -F file=@licences.csv \\
         https://support.example.org/api/v1/admin/import            # a dry run
    curl ... -X POST https://support.example.org/api/v1/admin/import/<token>/apply

Anyone but an admin gets 404, as for everything under /api/v1/admin.
"""

from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.admin.import_views import make_room_for_upload
from app.api.bodies import accepts_upload
from app.api.responses import errors
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.schemas.licence_import import (
    CsvExportSchema,
    LicenceFileArgs,
    LicenceImportQueryArgs,
    LicenceImportSchema,
)
from app.services import csv_exports, licence_import
from app.services.permissions import require_admin

blp = Blueprint("admin_import", __name__,
                description="(Admins) import the licence list; CSV exports")

CSV_RESPONSE = {"content": {"text/csv": {"schema": {"type": "string"}}}}
TOO_LARGE = "The file is larger than 10 MB (split it into smaller files)"


@blp.url_value_preprocessor
def admins_only(endpoint, values):
    """To anyone signed in but an admin none of this exists (404), whatever the body.

    URL preprocessors run before every before_request hook: before the body is
    read or checked, and before a licence list is given room (10 MB).
    """
    if current_user.is_authenticated:
        require_admin(current_user)
    if endpoint == "admin_import.LicenceImports":
        make_room_for_upload()


def _view(record) -> dict:
    return {"token": record.token, "status": record.status, "filename": record.filename,
            "created_at": record.created_at, "applied_at": record.applied_at,
            "counts": record.counts, "columns": record.result.get("columns", {}),
            "ignored_columns": record.result.get("ignored_columns", []),
            "notes": record.result.get("notes", []),
            "rows": record.result.get("rows", [])}


def _refuse(record, result: str):
    """Keep the updated dry run, then answer in the one error shape: nothing was written."""
    db.session.commit()
    failed = url_for("admin_import.LicenceImportFailedRows", token=record.token)
    if result == "changed":
        raise Conflict("Nothing was written: members' records changed since the dry run, so "
                       "some rows would do something else. GET the import to see the dry run "
                       "again, then apply it once more.")
    rows = {str(row["row"]): row["errors"] for row in record.result["rows"] if row["errors"]}
    raise InvalidInput(f"Nothing was written: {record.counts['error']} of "
                       f"{record.counts['total']} rows are in error (an import is applied "
                       f"whole or not at all). The rows in error, as CSV: {failed}",
                       errors={"rows": rows})


def _csv(filename: str, text: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@blp.route("/admin/import")
@accepts_upload
class LicenceImports(MethodView):
    decorators = [login_required]

    @blp.arguments(LicenceImportQueryArgs, location="query")
    @blp.arguments(LicenceFileArgs, location="files")
    @blp.response(200, LicenceImportSchema)
    @blp.alt_response(413, description=TOO_LARGE)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, query, files):
        """Dry-run a licence list (CSV, as the multipart field `file`), or apply it.

        A dry run says what each row would do (`create`, `update`, `unchanged`
        or `error`, with the field and reason) and changes nothing about members;
        the file is kept for 7 days so that exactly it can be applied with
        `POST /admin/import/<token>/apply`. With `apply=true` the file is applied
        at once, all or nothing: any row in error answers 422, naming each row's
        fields (`rows.<row>.<field>`), and nothing is written.
        """
        upload = files["file"]
        plan, record = licence_import.preview(
            db.session, current_user, upload.read(licence_import.MAX_BYTES + 1),
            filename=upload.filename)
        if query["apply"] and not licence_import.apply(db.session, current_user, plan, record):
            _refuse(record, "errors")
        db.session.commit()
        return _view(record)


@blp.route("/admin/import/<token>")
class LicenceImport(MethodView):
    decorators = [login_required]

    @blp.response(200, LicenceImportSchema)
    @errors(blp, 401, 404)
    def get(self, token):
        """A dry run (or applied import) by its token: counts and every row's outcome."""
        return _view(licence_import.upload(db.session, current_user, token))


@blp.route("/admin/import/<token>/apply")
class ApplyLicenceImport(MethodView):
    decorators = [login_required]

    @blp.response(200, LicenceImportSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, token):
        """Apply exactly the file that was dry-run, all or nothing.

        422 when a row is in error now, 409 when members' records changed since
        the dry run (so a row would do something else: its dry run is brought up
        to date) or the file was applied already. Either way nothing is written.
        """
        record, result = licence_import.apply_previewed(db.session, current_user, token)
        if result != "applied":
            _refuse(record, result)
        db.session.commit()
        return _view(record)


@blp.route("/admin/import/<token>/failed.csv")
class LicenceImportFailedRows(MethodView):
    decorators = [login_required]

    @blp.doc(responses={"200": {"description": "The rows in error as they were in the "
                                               "file, with an `error` column", **CSV_RESPONSE}})
    @errors(blp, 401, 404)
    def get(self, token):
        """The rows in error, as in the file, with an `error` column (CSV)."""
        filename, text = licence_import.failed_rows(db.session, current_user, token)
        db.session.commit()  # the audit record of the download
        return _csv(filename, text)


@blp.route("/admin/exports")
class Exports(MethodView):
    decorators = [login_required]

    @blp.response(200, CsvExportSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """The CSV exports there are."""
        return [{"kind": e.kind, "title": e.title, "description": e.description,
                 "url": url_for("admin_import.ExportCsv", kind=e.kind)}
                for e in csv_exports.exports(current_user)]


@blp.route("/admin/exports/<any(supporters, engagements, requests):kind>.csv")
class ExportCsv(MethodView):
    decorators = [login_required]

    @blp.doc(responses={"200": {"description": "The export, every cell guarded against "
                                               "spreadsheet formulas", **CSV_RESPONSE}})
    @errors(blp, 401, 404)
    def get(self, kind):
        """Download an export: supporters (with search status and expiry dates), engagements
        and outcomes, or requests. Each download is audited."""
        filename, text = csv_exports.export(db.session, current_user, kind)
        db.session.commit()
        return _csv(filename, text)
