"""The impact report as a page and as a CSV download, for admins and coach developers alike.

The admin blueprint (``/admin/impact``) and the caseload blueprint
(``/caseload/impact``) differ only in whose figures they count (the scope,
decided first, so that anyone else gets 404 whatever they ask) and in their
addresses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, render_template, request
from flask_login import current_user
from marshmallow import ValidationError

from app.errors import InvalidInput, flatten_errors
from app.extensions import db
from app.schemas.impact import ImpactArgs
from app.services import impact_charts, impact_report


def _load(scope: impact_report.Scope) -> tuple[dict | None, dict]:
    """Return (the report, {}) for the query string, or (None, errors by field)."""
    try:
        args = ImpactArgs().load(request.args)
        return impact_report.report(db.session, scope, args,
                                    today=datetime.now(UTC).date()), {}
    except ValidationError as err:
        return None, flatten_errors(err.messages)
    except InvalidInput as err:
        db.session.rollback()
        return None, dict(err.errors)


def show(scope: impact_report.Scope, *, page: dict):
    """Render the report, or the filters with each bad value's message beside it (422)."""
    view, errors = _load(scope)
    today = datetime.now(UTC).date()
    presets = [{"key": key, "label": label,
                "period": impact_report.preset_period(key, today)}
               for key, label in impact_report.PRESETS.items()]
    return render_template(
        "impact/report.html", view=view, errors=errors, form=request.args, page=page,
        presets=presets, charts=impact_charts.report_charts(view) if view else [],
        # The CSV of exactly these days, whatever day it is downloaded on.
        query={"from": view["period"]["from"].isoformat(), "to": view["period"]["to"].isoformat(),
               "programme": view["programme"]} if view else {},
        figures=impact_report.FIGURES,
        programmes=view["programmes"] if view else impact_report.programmes(db.session, scope),
    ), 422 if errors else 200


def download(scope: impact_report.Scope, *, page: dict):
    """Send the figures by month as CSV, or show the page with the errors (422)."""
    view, errors = _load(scope)
    if view is None:
        return show(scope, page=page)
    filename, text = impact_report.as_csv(db.session, current_user, view)
    db.session.commit()  # the audit record of the download
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
