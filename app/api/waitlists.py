"""Waitlists over the JSON API: join, leave and list your places; see your own line."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.waitlists import (
    SupporterWaitlistSchema,
    WaitlistJoinArgs,
    WaitlistPlaceSchema,
)
from app.services import waitlists

blp = Blueprint("waitlists", __name__,
                description="Waitlists of full supporters: coaches are told in turn when a "
                            "place opens")


@blp.route("/waitlist")
class MyPlaces(MethodView):
    decorators = [login_required]

    @blp.response(200, WaitlistPlaceSchema(many=True))
    @errors(blp, 401)
    def get(self):
        """(Coach) your places in line, a place open for you first, then recently ended ones."""
        return waitlists.coach_places(db.session, current_user)

    @blp.arguments(WaitlistJoinArgs)
    @blp.response(201, WaitlistPlaceSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """(Coach) join a full supporter's waitlist for one role, with an optional note.

        Refused (409) when the supporter has a place free (send a request
        instead), when you are in their line for that role already, have a
        request waiting for them or work with them in that role. When a place
        opens, the first coach in line is emailed and the place is held for
        them for `WAITLIST_HOLD_DAYS`; sending a request leaves the line.
        """
        place = waitlists.join(db.session, current_user, args)
        db.session.commit()
        return waitlists.place_detail(db.session, current_user, place.id)


@blp.route("/waitlist/<id:place_id>")
class MyPlace(MethodView):
    decorators = [login_required]

    @blp.response(200, WaitlistPlaceSchema)
    @errors(blp, 401, 404)
    def get(self, place_id):
        """(Coach) one of your places, with your number in the line."""
        return waitlists.place_detail(db.session, current_user, place_id)


@blp.route("/waitlist/<id:place_id>/leave")
class LeavePlace(MethodView):
    decorators = [login_required]

    @blp.response(200, WaitlistPlaceSchema)
    @errors(blp, 400, 401, 404, 409)
    def post(self, place_id):
        """(Coach) leave the line; a place held for you passes to the next coach."""
        waitlists.leave(db.session, current_user, place_id)
        db.session.commit()
        return waitlists.place_detail(db.session, current_user, place_id)


@blp.route("/me/waitlist")
class MyLine(MethodView):
    decorators = [login_required]

    @blp.response(200, SupporterWaitlistSchema)
    @errors(blp, 401, 404)
    def get(self):
        """(Supporter) the coaches waiting for a place with you, oldest first.

        Each with their name, the role, their note and how long they have
        waited: nothing else until you accept a request from them.
        """
        return waitlists.supporter_waitlist(db.session, current_user)
