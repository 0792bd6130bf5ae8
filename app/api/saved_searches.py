"""Saved searches ("tell me when") of the signed-in person: list, save, pause, delete.

Saving without an account (an email address confirmed by a link) is on the
site's search page only.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.saved_searches import SavedSearchActiveArgs, SavedSearchArgs, SavedSearchSchema
from app.services import saved_searches

blp = Blueprint("saved_searches", __name__,
                description="Your saved searches: an email when someone new matches")


@blp.before_request
def yours_before_the_body():
    """Someone else's saved search is 404 before its body is read (a 422 would tell)."""
    saved_id = (request.view_args or {}).get("saved_search_id")
    if saved_id is not None and current_user.is_authenticated:
        saved_searches.own(db.session, current_user, saved_id)


@blp.route("/saved-searches")
class SavedSearches(MethodView):
    decorators = [login_required]

    @blp.response(200, SavedSearchSchema(many=True))
    @errors(blp, 401)
    def get(self):
        """Your saved searches, newest first."""
        return saved_searches.saved_by(db.session, current_user)

    @blp.arguments(SavedSearchArgs)
    @blp.response(201, SavedSearchSchema)
    @errors(blp, 400, 401, 409, 422)
    def post(self, args):
        """Save a search (the parameters of GET /api/v1/search, less page, limit and sort).

        Once a day at most, you are emailed the supporters who newly match it
        with places free: in person within the radius, or online for an
        online search. Those who match now are not news. A place search does
        not know, or an unknown key, is 422 naming the field; past the most
        saved searches one may keep (10 by default) it is 409.
        """
        saved = saved_searches.save(db.session, current_user, args)
        db.session.commit()
        return saved_searches.view(db.session, saved)


@blp.route("/saved-searches/<id:saved_search_id>")
class SavedSearch(MethodView):
    decorators = [login_required]

    @blp.response(200, SavedSearchSchema)
    @errors(blp, 401, 404)
    def get(self, saved_search_id):
        """One of your saved searches."""
        return saved_searches.view(db.session,
                                   saved_searches.own(db.session, current_user, saved_search_id))

    @blp.arguments(SavedSearchActiveArgs)
    @blp.response(200, SavedSearchSchema)
    @errors(blp, 400, 401, 404, 422)
    def patch(self, args, saved_search_id):
        """Pause (`active: false`) or resume its alerts."""
        saved = saved_searches.set_active(db.session, current_user, saved_search_id,
                                          args["active"])
        db.session.commit()
        return saved_searches.view(db.session, saved)

    @blp.response(204)
    @errors(blp, 400, 401, 404)
    def delete(self, saved_search_id):
        """Delete it."""
        saved_searches.remove(db.session, current_user, saved_search_id)
        db.session.commit()
