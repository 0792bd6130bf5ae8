"""Search for support, public supporter profiles and place suggestions."""

from __future__ import annotations

import functools

import orjson
from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from app.extensions import db, limiter
from app.schemas.places import PlacesArgs, PlaceSchema
from app.schemas.search import PublicSupporterSchema, SearchArgs, SearchResponseSchema
from app.services import directory, geocoding, search_demand
from app.services.search import index_cache, search_answer

blp = Blueprint("search", __name__, description="Search for coaching support")


# The documented top-level fields; the outcome also carries the matching query.
_RESPONSE_FIELDS = tuple(SearchResponseSchema().fields)


def _render_search(outcome: dict) -> bytes:
    # The outcome is plain JSON-ready data and its cards hold public fields
    # only (see search_index.build_snapshot), so it is encoded as it is: a
    # marshmallow dump of 20 cards costs more than ranking 100k supporters.
    # Keys sorted, as the rest of the API's JSON.
    return orjson.dumps({k: outcome[k] for k in _RESPONSE_FIELDS},
                        option=orjson.OPT_SORT_KEYS)


def _answer_repeats(view):
    """Answer a query string seen before, since the data last changed, as before.

    Runs before argument parsing: the same bytes were valid last time and the
    index has not changed since, so the earlier answer stands. It is still a
    search made, and counted.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        answers = index_cache().get(db.session).answers
        answer = answers.get(("query", request.query_string))
        if answer is None:
            response = view(*args, **kwargs)
            if response.status_code == 200:
                answers.put(("query", request.query_string),
                            (response.get_data(), g.search_sighting))
            return response
        body, sighting = answer
        search_demand.record(sighting, source="api")
        return current_app.response_class(body, mimetype="application/json")

    return wrapper


@blp.route("/search")
class Search(MethodView):
    decorators = [_answer_repeats,
                  limiter.limit(lambda: current_app.config["SEARCH_RATE_LIMIT"],
                                on_breach=search_demand.note_refused)]

    # An instance, not the class: a schema made per request costs a tenth of a search.
    @blp.arguments(SearchArgs(), location="query", unknown=RAISE)
    @blp.response(200, SearchResponseSchema)
    @blp.alt_response(404, description="The place given in `where` is unknown")
    @blp.alt_response(422, description="Invalid input; `errors` names each field")
    @blp.alt_response(429, description="Too many requests; see Retry-After")
    def get(self, args):
        """Rank verified supporters near a place by fit, with the reasons for each.

        Give `where` (a postcode, outward code, town or ZIP) or `lat` and `lon`.
        When few or none fit, `diagnostics.explanation` says why and
        `fallbacks` lists the nearest beyond the radius and online supporters.
        """
        body, g.search_sighting = search_answer(db.session, args, render=_render_search)
        search_demand.record(g.search_sighting, source="api")
        return current_app.response_class(body, mimetype="application/json")


@blp.route("/supporters/<id:supporter_id>")
class Supporter(MethodView):
    @blp.response(200, PublicSupporterSchema)
    @blp.alt_response(404, description="No such supporter, or not currently searchable")
    def get(self, supporter_id):
        """Return a supporter's public profile."""
        return directory.public_profile(db.session, supporter_id)


@blp.route("/places")
class Places(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["PLACES_RATE_LIMIT"])]

    @blp.arguments(PlacesArgs, location="query")
    @blp.response(200, PlaceSchema(many=True))
    def get(self, args):
        """Suggest up to 10 places (postcodes, outward codes, towns, ZIPs) for what was typed."""
        return geocoding.suggest(args["q"], limit=args["limit"])
