"""A coach's record of mentoring and informal learning, for relicensing."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user, login_required

from app.caseload import bp
from app.extensions import db
from app.services import relicensing


@bp.get("/record")
@login_required
def relicensing_record():
    """The record as a page to read or print."""
    view = relicensing.record(db.session, current_user)
    return render_template("caseload/record.html", record=view)


@bp.get("/record.csv")
@login_required
def relicensing_csv():
    """The record as a CSV file."""
    view = relicensing.record(db.session, current_user)
    filename = f"coaching-record-{view['generated_on'].isoformat()}.csv"
    return Response(relicensing.as_csv(view), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
