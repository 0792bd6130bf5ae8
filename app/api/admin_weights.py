"""(Admins) ranking weights: meanings, versions, restoring, previews and sample searches."""

from __future__ import annotations

import functools

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api.responses import errors
from app.extensions import db
from app.schemas.weights import (
    PreviewArgs,
    PreviewSchema,
    RestoreArgs,
    SampleSearchArgs,
    SampleSearchesSchema,
    SampleSearchSchema,
    VersionSchema,
    WeightsArgs,
    WeightsSchema,
)
from app.services import ranking_weights, weight_preview
from app.services.permissions import require_admin
from app.services.ranking_weights import NAMES
from app.services.search import index_cache

blp = Blueprint("weights", __name__, description="(Admins) ranking weights")


def _admins_first(view):
    """To anyone but an admin these do not exist: 404 before the body is even read."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_admin(current_user)
        return view(*args, **kwargs)

    return wrapper


# login_required is the outer one: the anonymous are asked to sign in (401) first.
ADMINS = [_admins_first, login_required]


def _weights() -> dict:
    return ranking_weights.overview(db.session, current_user)


def _in_force_now() -> None:
    """This worker's very next search looks for the new version (others within seconds)."""
    index_cache().invalidate()


@blp.route("/admin/weights")
class Weights(MethodView):
    decorators = ADMINS

    @blp.response(200, WeightsSchema)
    @errors(blp, 401, 404)
    def get(self):
        """The weights in force, each with its meaning in words, value, default and range."""
        return _weights()

    @blp.arguments(WeightsArgs)
    @blp.response(201, WeightsSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """Save new weights as a new version; search ranks with them at once.

        Give any of the weights: one left out keeps its value in force. Values
        outside a weight's range are refused (422, naming each). With
        `based_on`, a version saved meanwhile by someone else refuses it (409).
        """
        ranking_weights.save(db.session, current_user, _values(args), note=args["note"],
                             based_on=args.get("based_on"))
        db.session.commit()
        _in_force_now()
        return _weights()


def _values(args: dict) -> dict:
    return {name: args[name] for name in NAMES if name in args}


@blp.route("/admin/weights/versions")
class Versions(MethodView):
    decorators = ADMINS

    @blp.response(200, VersionSchema(many=True))
    @errors(blp, 401, 404)
    def get(self):
        """Every saved version, newest first, with what each changed from the one before."""
        return ranking_weights.versions(db.session, current_user)


@blp.route("/admin/weights/versions/<id:version_id>/restore")
class Restore(MethodView):
    decorators = ADMINS

    @blp.arguments(RestoreArgs)
    @blp.response(201, WeightsSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args, version_id):
        """Put an earlier version back in force, as a new version equal to it.

        Refused (409) when its weights are those in force already.
        """
        ranking_weights.restore(db.session, current_user, version_id, note=args["note"])
        db.session.commit()
        _in_force_now()
        return _weights()


@blp.route("/admin/weights/preview")
class Preview(MethodView):
    decorators = ADMINS

    @blp.arguments(PreviewArgs)
    @blp.response(200, PreviewSchema)
    @errors(blp, 400, 401, 404, 422)
    def post(self, args):
        """Compare the sample searches' top 10 with the weights in force and the proposed ones.

        Nothing is saved and nobody is emailed. With `programme`, its cohort is
        allocated both ways too: coaches placed, mean score, the worst-off
        placed coach's score and who would get another coach developer.
        """
        return weight_preview.preview(db.session, current_user, _values(args),
                                      programme=args.get("programme"))


@blp.route("/admin/weights/samples")
class Samples(MethodView):
    decorators = ADMINS

    @blp.response(200, SampleSearchesSchema)
    @errors(blp, 401, 404)
    def get(self):
        """The sample searches admins keep, and the most made searches of the last 30 days."""
        return weight_preview.sample_searches(db.session, current_user)

    @blp.arguments(SampleSearchArgs)
    @blp.response(201, SampleSearchSchema)
    @errors(blp, 400, 401, 404, 409, 422)
    def post(self, args):
        """Keep a search (as GET /api/v1/search takes it) as a sample for previews."""
        sample = weight_preview.add_sample(db.session, current_user, args["name"], args)
        db.session.commit()
        return sample


@blp.route("/admin/weights/samples/<id:sample_id>")
class Sample(MethodView):
    decorators = ADMINS

    @blp.response(204)
    @errors(blp, 400, 401, 404)
    def delete(self, sample_id):
        """Stop using a sample search in previews."""
        weight_preview.remove_sample(db.session, current_user, sample_id)
        db.session.commit()
