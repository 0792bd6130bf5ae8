"""(Admins) coverage of demand: where coaches search and find nobody, and whom to ask."""

from __future__ import annotations

import functools

from flask import Response
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.coverage import CoverageArgs, CoverageSchema
from app.services import coverage
from app.services.permissions import require_admin

blp = Blueprint("admin_coverage", __name__,
                description="(Admins) coverage: unmet demand by area, and whom to ask")

CSV_RESPONSE = {"content": {"text/csv": {"schema": {"type": "string"}}}}


def _admins_first(view):
    """To anyone but an admin these do not exist: 404 before the filters are even read."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_admin(current_user)
        return view(*args, **kwargs)

    return wrapper


# login_required is the outer one: the anonymous are asked to sign in (401) first.
ADMINS = [_admins_first, login_required]


@blp.route("/admin/coverage")
class Coverage(MethodView):
    decorators = ADMINS

    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageSchema)
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """Searches by area (GB postcode district, US ZIP3) with what they found, and supply.

        Each area: searches, those that found someone in person with a place
        free, those that did not (`unmet`), found online, requests that
        followed, its centre, and the searchable supporters based there with
        their free places; most unmet first. For the most unmet areas,
        `whom_to_ask` lists the nearest supporters who are full or paused.
        Counts from 1 to `min_count` - 1 are never given, nor left derivable
        from the counts beside them: see each `*_between`. Searches for
        online support only, and (unless asked for) crawlers' and rate-limited
        clients' searches, are counted apart in `other`.
        """
        return coverage.coverage(db.session, current_user, args)


@blp.route("/admin/coverage.csv")
class CoverageCsv(MethodView):
    decorators = ADMINS

    @blp.arguments(CoverageArgs, location="query")
    @blp.doc(responses={"200": {"description": "Every area of `GET /admin/coverage` with the "
                                               "same filters, in its order; a hidden count "
                                               "as its range in words (\"fewer than 5\")",
                                **CSV_RESPONSE}})
    @errors(blp, 401, 404, 422)
    def get(self, args):
        """The coverage table as CSV, every area (the download is audited)."""
        filename, text = coverage.export_csv(db.session, current_user, args)
        db.session.commit()  # the audit record of the download
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "no-store"})
