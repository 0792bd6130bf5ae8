"""The licence-list import (upload, dry run, apply, failed rows) and the CSV exports."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.admin import bp
from app.extensions import db
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.licence_import import LicenceFileArgs
from app.services import csv_exports, licence_import

#: Room for the form's other fields and the multipart framing around the file.
UPLOAD_SLACK = 256 * 1024
PAGE_SIZE = 100
SHOWN = ("all", "error", "create", "update", "unchanged")


def make_room_for_upload() -> None:
    """Let an admin's licence list (up to 10 MB) through, before anything reads the body.

    Other requests keep MAX_CONTENT_LENGTH; anyone but an admin is never given more.
    """
    if request.method != "POST" or not current_user.is_authenticated \
            or not current_user.has_role("admin"):
        return
    allowed = licence_import.MAX_BYTES + UPLOAD_SLACK
    if request.content_length is not None and request.content_length > allowed:
        raise RequestEntityTooLarge(
            f"The file is larger than {licence_import.MAX_BYTES // 1_048_576} MB: split it "
            "into smaller files and import each. Nothing was changed.")
    request.max_content_length = allowed


@bp.url_value_preprocessor
def _room_for_licence_lists(endpoint, values):
    # URL preprocessors run before every before_request hook, so before the CSRF
    # check reads the form.
    if endpoint == "admin.start_import":
        make_room_for_upload()


def _send_csv(filename: str, text: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.get("/import")
@login_required
def licence_import_form():
    """The upload form, and the columns a licence list may have."""
    return _form()


def _form(errors=None, status: int = 200):
    return render_template("admin/import.html", errors=errors or {},
                           columns=licence_import.COLUMNS,
                           required=licence_import.REQUIRED,
                           max_mb=licence_import.MAX_BYTES // 1_048_576,
                           max_rows=licence_import.MAX_ROWS), status


@bp.post("/import")
@login_required
def start_import():
    """Dry-run an uploaded licence list: what each row would do. Nothing changes yet."""
    upload = request.files.get("file")
    data = {"file": upload} if upload is not None and upload.filename else {}
    outcome = submit(LicenceFileArgs(), lambda args: licence_import.preview(
        db.session, current_user, args["file"].read(licence_import.MAX_BYTES + 1),
        filename=args["file"].filename), data=data)
    if not outcome.ok:
        return _form(outcome.errors, outcome.status)
    _, record = outcome.value
    return redirect(url_for("admin.licence_import_result", token=record.token))


@bp.get("/import/template.csv")
@login_required
def licence_import_template():
    """A licence list with every column and two example rows, to start from."""
    return _send_csv("licence-list-template.csv", licence_import.template_csv())


@bp.get("/import/<token>")
@login_required
def licence_import_result(token: str):
    """The dry run (or applied import): counts, and each row's outcome, page by page."""
    record = licence_import.upload(db.session, current_user, token)
    return _result(record)


def _result(record, status: int = 200):
    rows = record.result.get("rows", [])
    show = request.args.get("show")
    if show not in SHOWN:
        show = "error" if record.counts.get("error") else "all"
    chosen = rows if show == "all" else [r for r in rows if r["outcome"] == show]
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = request.args.get("page", "1")
    page = min(max(int(page), 1), pages) if page.isdigit() and len(page) < 7 else 1
    return render_template(
        "admin/import_result.html", record=record, counts=record.counts, show=show,
        rows=chosen[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], shown=len(chosen), page=page,
        pages=pages, columns=record.result.get("columns", {}),
        ignored=record.result.get("ignored_columns", []),
        notes=record.result.get("notes", []), label=licence_import.field_label,
        summary=licence_import.summary(record.counts)), status


@bp.post("/import/<token>/apply")
@login_required
def apply_import(token: str):
    """Apply exactly the previewed file, all or nothing."""
    outcome = submit(ConfirmArgs(), lambda args: licence_import.apply_previewed(
        db.session, current_user, token))
    if not outcome.ok:
        flash(" ".join(m for messages in outcome.errors.values() for m in messages), "error")
        return redirect(url_for("admin.licence_import_result", token=token))
    record, result = outcome.value
    counts = record.counts
    if result == "applied":
        flash(f"Applied: {counts['create']:,} created, {counts['update']:,} updated, "
              f"{counts['unchanged']:,} unchanged. New people are emailed an invitation to "
              "choose their password.", "success")
    elif result == "changed":
        flash("Nothing was written: members' records changed since your dry run, so some "
              "rows would now do something else. Here is the dry run again: check it and "
              "apply once more.", "error")
    else:
        flash(f"Nothing was written: {counts['error']:,} "
              f"{'row is' if counts['error'] == 1 else 'rows are'} in error. Fix them (download "
              "the failed rows) and upload the file again.", "error")
    return redirect(url_for("admin.licence_import_result", token=token))


@bp.get("/import/<token>/failed.csv")
@login_required
def licence_import_failed_rows(token: str):
    """The rows in error, as they were in the file, with an error column."""
    filename, text = licence_import.failed_rows(db.session, current_user, token)
    db.session.commit()  # the audit record of the download
    return _send_csv(filename, text)


@bp.get("/exports")
@login_required
def exports():
    """The CSV exports an admin can download."""
    return render_template("admin/exports.html", exports=csv_exports.exports(current_user))


@bp.get("/exports/<any(supporters, engagements, requests):kind>.csv")
@login_required
def export_csv(kind: str):
    """Download one export; the download is audited."""
    filename, text = csv_exports.export(db.session, current_user, kind)
    db.session.commit()
    return _send_csv(filename, text)
