"""The widget's JSON API: its form's configuration and the search itself.

Every request names a widget key (``?key=``). A request from another site
must come from one of the key's allowed origins: only then does the answer
carry ``Access-Control-Allow-Origin`` (that origin, never ``*``), so only
those sites' pages can read it. Each key has its own rate limit.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from marshmallow import ValidationError

from app.errors import InvalidInput, flatten_errors
from app.extensions import db, limiter
from app.i18n import widget_catalogue
from app.schemas.search import SearchResponseSchema
from app.schemas.widget import WidgetConfigArgs, WidgetConfigSchema, WidgetSearchArgs
from app.services import search_demand, widget_keys
from app.services.search import search_support
from app.widget import api_bp

PREFLIGHT_MAX_AGE = 600


def _own_origin() -> str:
    return request.host_url.rstrip("/")


@api_bp.before_request
def check_key_and_origin():
    """Refuse unknown and revoked keys and sites not on the key's list; answer preflights."""
    g.cors_origin = None
    try:
        grant = widget_keys.authorise(db.session, request.args.get("key"),
                                      request.headers.get("Origin"), own_origin=_own_origin())
    except widget_keys.WidgetRefused as err:
        g.cors_origin = err.cors_origin
        raise
    g.widget_key, g.cors_origin = grant.widget_key, grant.cors_origin
    if request.method == "OPTIONS":
        response = current_app.response_class(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Allow-Headers"] = "Accept"
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response
    return None


@api_bp.after_request
def cross_origin_headers(response):
    """Let the key's allowed site (and only it) read the answer, errors included."""
    response.vary.add("Origin")
    origin = g.get("cors_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    response.headers["Cache-Control"] = "no-store"
    return response


# One budget per key across the widget's API, whoever the visitors are.
per_key_limit = limiter.shared_limit(
    lambda: f"{g.widget_key.rate_limit_per_minute} per minute", scope="widget-key",
    key_func=lambda: f"widget-key:{g.widget_key.id}", on_breach=search_demand.note_refused)
# And the public search API's own per-visitor limit, so the widget is no way around it.
per_visitor_limit = limiter.limit(lambda: current_app.config["SEARCH_RATE_LIMIT"],
                                  on_breach=search_demand.note_refused)


@api_bp.get("/config")
@per_key_limit
def config():
    """Return the club's name, its presets, the choices for its form and its strings."""
    args = _load(WidgetConfigArgs, "Some of the request is not valid: see errors for each field.")
    data = widget_keys.widget_config(db.session, g.widget_key)
    data["catalogue"] = widget_catalogue(args["lang"])
    return jsonify(WidgetConfigSchema().dump(data))


@api_bp.get("/search")
@per_key_limit
@per_visitor_limit
def search():
    """Search as the search page does; the answer holds the same public cards."""
    args = _load(WidgetSearchArgs, "Some of the search is not valid: see errors for each field.")
    outcome = search_support(db.session, args, source="widget", widget_key_id=g.widget_key.id)
    answer = SearchResponseSchema().dump(outcome)
    answer["demand_ref"] = search_demand.reference(outcome["sighting"], source="widget",
                                                   widget_key_id=g.widget_key.id)
    return jsonify(answer)


def _load(schema, message: str) -> dict:
    try:
        return schema().load(request.args)
    except ValidationError as err:
        raise InvalidInput(message, errors=flatten_errors(err.messages)) from err
