"""The search page and public supporter profiles."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.errors import DomainError, flatten_errors
from app.extensions import db
from app.schemas.search import SearchArgs
from app.services import directory, profiles
from app.services.search import search_support
from app.services.taxonomy import load_taxonomy
from app.web import bp


@bp.get("/search")
def search():
    """Show the search form and, once a place is given, the ranked results."""
    taxonomy = load_taxonomy(db.session)
    form = request.args
    if not request.args and current_user.is_authenticated:
        # A signed-in coach starts from their profile and plan (not searched yet).
        form = _prefilled(profiles.search_defaults(db.session, current_user))
    outcome, errors, status = None, {}, 200
    if _submitted(request.args):
        try:
            args = SearchArgs().load(form)
            outcome = search_support(db.session, args)
        except ValidationError as err:
            errors, status = flatten_errors(err.messages), 422
        except DomainError as err:
            errors = err.errors or {"where": [err.message]}
            status = err.status_code
    return render_template(
        "search.html", taxonomy=taxonomy, form=form, outcome=outcome, errors=errors,
        map_data=map_data(outcome) if outcome else None,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    ), status


@bp.get("/supporters/<id:supporter_id>")
def supporter(supporter_id: int):
    """Show a supporter's public profile."""
    card = directory.public_profile(db.session, supporter_id)
    return render_template("supporter.html", supporter=card)


def _prefilled(defaults: dict) -> MultiDict:
    return MultiDict([(key, item) for key, value in defaults.items()
                      for item in (value if isinstance(value, list) else [value])])


def _submitted(form) -> bool:
    return any(form.get(k) for k in ("where", "lat", "lon"))


def map_data(outcome: dict) -> dict:
    """Markers for the map: one per public area, never a supporter's own position."""
    areas: dict[tuple[float, float], dict] = {}
    for card in [*outcome["results"], *outcome["fallbacks"]]:
        if card["area_lat"] is None:
            continue
        key = (card["area_lat"], card["area_lon"])
        area = areas.setdefault(key, {"lat": key[0], "lon": key[1], "near": card["near"],
                                      "place": card["place"], "supporters": []})
        area["supporters"].append({"id": card["id"], "name": card["name"]})
    query = outcome["query"]
    return {"origin": {"lat": query.lat, "lon": query.lon, "label": outcome["origin"]["label"]},
            "areas": list(areas.values())}
