"""Coverage of demand: the map and table of unmet searches by area, its CSV, whom to ask."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.admin import bp
from app.errors import InvalidInput, flatten_errors
from app.extensions import db
from app.schemas.coverage import CoverageArgs
from app.services import coverage

#: Rows of the most unmet areas on the page (the CSV has every area).
TABLE_ROWS = 25


def _filters() -> tuple[dict, dict]:
    """Load the query string; a bad value is shown beside its field (and the defaults used)."""
    try:
        return CoverageArgs().load(request.args), {}
    except ValidationError as err:
        return CoverageArgs().load({}), flatten_errors(err.messages)


def _coverage(args: dict, errors: dict) -> tuple[dict, dict]:
    try:
        return coverage.coverage(db.session, current_user, args), errors
    except InvalidInput as err:  # an unknown role, event group or widget key
        return coverage.coverage(db.session, current_user, {}), {**errors, **err.errors}


@bp.get("/coverage")
@login_required
def coverage_map():
    """Where coaches searched and found nobody in person with a place free, and whom to ask."""
    args, errors = _filters()
    view, errors = _coverage(args, errors)
    return render_template(
        "admin/coverage.html", view=view, errors=errors, form=request.args,
        choices=coverage.choices(db.session, current_user), rows=view["areas"][:TABLE_ROWS],
        map_data=map_data(view), count_text=coverage.count_text,
        # The CSV of what is shown: the filters as given, unless some were refused.
        csv_url=url_for("admin.coverage_csv", **({} if errors else request.args.to_dict())),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    ), 422 if errors else 200


@bp.get("/coverage.csv")
@login_required
def coverage_csv():
    """Every area of the coverage table, with the page's filters, as CSV."""
    args, errors = _filters()
    if errors:
        return coverage_map()
    try:
        filename, text = coverage.export_csv(db.session, current_user, args)
    except InvalidInput:
        return coverage_map()
    db.session.commit()  # the audit record of the download
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


#: What the map knows of each area, in this order (one short list per area: a national
#: map has thousands).
MAP_COLUMNS = ("label", "country", "lat", "lon", "searches", "band", "share", "searches_text",
               "found_text", "unmet_text", "requests_text", "supporters", "places_free")


def map_data(view: dict) -> dict:
    """The map's circles: each area's centre, size, colour band and counts in words."""
    k = view["min_count"]
    areas = [a for a in view["areas"] if a["lat"] is not None]

    def text(a, name):
        return coverage.count_text(a[name], a[f"{name}_between"], k)

    return {
        "bands": [{"band": b["band"], "colour": b["colour"]} for b in view["bands"]],
        "largest": max((a["searches"] or 0 for a in areas), default=0),
        "columns": MAP_COLUMNS,
        "areas": [[
            a["label"], a["country"], a["lat"], a["lon"], a["searches"], a["band"],
            None if a["share_found_in_person"] is None
            else round(100 * a["share_found_in_person"]),
            text(a, "searches"), text(a, "found_in_person"), text(a, "unmet"),
            text(a, "requests"), a["supporters"], a["places_free"],
        ] for a in areas],
    }
