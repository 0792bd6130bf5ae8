"""The search page and public supporter profiles."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.errors import DomainError, flatten_errors
from app.extensions import db, limiter
from app.schemas.search import SearchArgs
from app.services import coach_profiles, directory, request_read_model, search_demand
from app.services.search import index_cache, search_support
from app.web import bp

# The search form sends this: what it holds is exactly what the coach wants, so
# their profile fills nothing in (an unticked need stays unticked).
FROM_FORM = "filters"
# How results are shown (cards or a compact list): the page's, not the search's.
VIEW = "view"


@bp.get("/search")
# As the API's: a page of cards is no easier to harvest than an answer of them.
@limiter.limit(lambda: current_app.config["SEARCH_RATE_LIMIT"],
               on_breach=search_demand.note_refused)
def search():
    """Show the search form and, once a place is given, the ranked results."""
    # The form's choices come with the search index: no query of the page's own.
    taxonomy = index_cache().get(db.session).form
    form = _with_coach_defaults(request.args)
    outcome, errors, status = _search(form) if _submitted(form) else (None, {}, 200)
    return render_template(
        "search.html", taxonomy=taxonomy, form=form, outcome=outcome, errors=errors,
        chosen_needs={item.partition(":")[0]: item for item in form.getlist("needs")},
        point_area=point_area(outcome["origin"]) if outcome else None,
        searched_from=searched_place(outcome["origin"]) if outcome else None,
        map_data=map_data(outcome) if outcome else None,
        view="list" if form.get(VIEW) == "list" else "cards",
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    ), status


def _search(form: MultiDict) -> tuple[dict | None, dict, int]:
    """Return (the answer, errors by field, status) of the form's search."""
    try:
        args = SearchArgs().load(MultiDict(
            [(k, v) for k, v in form.items(multi=True) if k not in (FROM_FORM, VIEW)]))
        outcome = search_support(db.session, args)
        search_demand.remember(search_demand.reference(outcome["sighting"], source="site"))
        return outcome, {}, 200
    except ValidationError as err:
        return None, flatten_errors(err.messages), 422
    except DomainError as err:
        return None, err.errors or {"where": [err.message]}, err.status_code


@bp.get("/supporters/<id:supporter_id>")
def supporter(supporter_id: int):
    """Show a supporter's public profile."""
    card = directory.public_profile(db.session, supporter_id)
    search_demand.remember(request.args.get("ref"))  # a widget's link from its search
    # A signed-in person sees where they stand (a request waiting, work under way)
    # rather than an offer the request form would refuse.
    standing = (request_read_model.coach_standing(db.session, current_user, supporter_id)
                if current_user.is_authenticated else None)
    return render_template("supporter.html", supporter=card, standing=standing)


def _with_coach_defaults(args: MultiDict) -> MultiDict:
    """Fill what a signed-in coach did not say from their profile and plan.

    Every way into search (the home page's box, the menu, a link from their
    plan) starts from their event groups, needs with priorities, level and
    club; only the search form itself says exactly what is wanted.
    """
    if not current_user.is_authenticated or args.get(FROM_FORM):
        return args
    defaults = coach_profiles.search_defaults(db.session, current_user)
    if not defaults:
        return args
    merged = MultiDict(args)
    if merged.get("lat"):  # "use my location" replaces the profile's place
        defaults.pop("where", None)
    for key, value in defaults.items():
        if key not in merged:
            merged.setlist(key, value if isinstance(value, list) else [value])
    return merged


def _submitted(form) -> bool:
    return any(form.get(k) for k in ("where", "lat", "lon"))


def point_area(origin: dict) -> str | None:
    """Name the area around a "use my location" point ("LS6"), never the point itself.

    None for a search from a place, and for a point in no area we can name
    (its only label would be its coordinates).
    """
    if origin["precision"] != "coordinates" or origin["country"] is None:
        return None
    return origin["near"] or origin["label"].removeprefix("near ")


def searched_place(origin: dict) -> str:
    """Say where a search was made from, as its heading says it."""
    if origin["precision"] != "coordinates":
        return origin["label"]
    area = point_area(origin)
    return (gettext("your location (near %(place)s)", place=area) if area
            else gettext("your location"))


def map_data(outcome: dict) -> dict | None:
    """Markers for the map: in-person supporters only, by public area, never a position.

    The map fits the search radius around the place searched; online
    supporters have no place on it.
    """
    if outcome["mode"] == "online":
        return None
    areas: dict[tuple[float, float], dict] = {}
    for beyond, cards in ((False, outcome["results"]), (True, outcome["beyond_radius"])):
        for card in cards:
            if card["area_lat"] is None:
                continue
            key = (card["area_lat"], card["area_lon"])
            area = areas.setdefault(key, {"lat": key[0], "lon": key[1], "near": card["near"],
                                          "place": card["place"], "beyond": beyond,
                                          "supporters": []})
            area["supporters"].append({"id": card["id"], "name": card["name"]})
    query = outcome["query"]
    origin = outcome["origin"]
    if origin["precision"] != "coordinates":
        tooltip = gettext("You searched near %(place)s", place=origin["label"])
    elif area := point_area(origin):
        tooltip = gettext("Your location, near %(place)s", place=area)
    else:
        tooltip = gettext("Your location")
    return {"origin": {"lat": query.lat, "lon": query.lon, "tooltip": tooltip},
            "radius_km": query.radius_km, "areas": list(areas.values())}
