"""Your supporter and coach profiles, search defaults, and the verification queue."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.errors import NotFound
from app.extensions import db
from app.schemas.profiles import (
    CoachProfileArgs,
    CoachProfileSchema,
    PauseArgs,
    QueuedProfileSchema,
    SearchDefaultsSchema,
    SupporterProfileArgs,
    SupporterProfileSchema,
    VerificationDecisionArgs,
    VerificationOutcomeSchema,
)
from app.services import coach_profiles, profile_changes, profiles

blp = Blueprint("profiles", __name__, description="Your profiles, and verification by admins")


def _supporter_view():
    view = profiles.supporter_view(db.session, current_user)
    if view is None:
        raise NotFound("You have no supporter profile yet: PUT one first.")
    return view


@blp.route("/me/profile")
class MySupporterProfile(MethodView):
    decorators = [login_required]

    @blp.response(200, SupporterProfileSchema)
    @errors(blp, 401, 404)
    def get(self):
        """Your supporter profile, with why you are or are not in search."""
        return _supporter_view()

    @blp.arguments(SupporterProfileArgs)
    @blp.response(200, SupporterProfileSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def put(self, args):
        """Create or replace your supporter profile.

        Changes to what the public sees (roles, event groups, expertise,
        qualification, years, club, bio, location) or to the safeguarding and
        licence dates wait for an admin's verification before you are
        searchable again. `location` is geocoded: an unknown place answers 404
        naming the field.
        """
        profiles.save_supporter_profile(db.session, current_user, args)
        db.session.commit()
        return _supporter_view()


@blp.route("/me/profile/pause")
class Pause(MethodView):
    decorators = [login_required]

    @blp.arguments(PauseArgs)
    @blp.response(200, SupporterProfileSchema)
    @errors(blp, 400, 401, 404, 422)
    def post(self, args):
        """Pause: stop appearing in search for now."""
        profiles.pause(db.session, current_user, args.get("reason"))
        db.session.commit()
        return _supporter_view()


@blp.route("/me/profile/unpause")
class Unpause(MethodView):
    decorators = [login_required]

    @blp.response(200, SupporterProfileSchema)
    @errors(blp, 400, 401, 404)
    def post(self):
        """Unpause (also confirms you are still available after a stale pause)."""
        profiles.unpause(db.session, current_user)
        db.session.commit()
        return _supporter_view()


@blp.route("/me/coach-profile")
class MyCoachProfile(MethodView):
    decorators = [login_required]

    @blp.response(200, CoachProfileSchema)
    @errors(blp, 401)
    def get(self):
        """Your coach profile and your development plan's needs and goals."""
        return coach_profiles.coach_view(db.session, current_user)

    @blp.arguments(CoachProfileArgs)
    @blp.response(200, CoachProfileSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def put(self, args):
        """Replace your coach profile and your plan's needs (with priorities) and goals."""
        coach_profiles.save_coach_profile(db.session, current_user, args)
        db.session.commit()
        return coach_profiles.coach_view(db.session, current_user)


@blp.route("/me/search-defaults")
class MySearchDefaults(MethodView):
    decorators = [login_required]

    @blp.response(200, SearchDefaultsSchema)
    @errors(blp, 401)
    def get(self):
        """The search a coach starts from: place, event groups, needs by priority, etc."""
        return coach_profiles.search_defaults(db.session, current_user)


@blp.route("/admin/verification")
class VerificationQueue(MethodView):
    decorators = [login_required]

    @blp.response(200, QueuedProfileSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """(Admins) changes waiting for verification, oldest first, field by field.

        Each lists what changes against the last verified version (for a new
        profile, everything it says). The verified version stays public meanwhile.
        """
        return profile_changes.verification_queue(db.session, current_user)


@blp.route("/admin/verification/<id:profile_id>")
class Verify(MethodView):
    decorators = [login_required]

    @blp.arguments(VerificationDecisionArgs)
    @blp.response(200, VerificationOutcomeSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, profile_id):
        """(Admins) approve, reject (with a reason) or ask for changes (with a message).

        Approving makes the change public at once. The supporter is emailed the
        outcome either way, with the message.
        """
        profile = profile_changes.decide(db.session, current_user, profile_id,
                                         args["decision"], args.get("message"))
        change = profile_changes.latest_change(db.session, profile)
        db.session.commit()
        return {"id": profile.id, "verified": profile.verified, "status": change.status}
