"""Search for support: from what a coach typed to ranked, explained public cards.

An answer has up to three lists, as a coach reads them:

- ``results``: supporters who can meet in person, inside the search radius and
  their own travel distance, best fit first (or nearest first); for an online
  search, the online supporters. The pages cover every one of them.
- ``online``: the online section of an "in person or online" search (on its
  first page), or the online supporters offered when an in-person search
  finds few. Online supporters never compete with local ones on distance or
  places free.
- ``beyond_radius``: when few or none are near, the nearest in person beyond
  the radius, with their distance, and ``widen``: the smallest radius that
  finds someone.

Every search keeps to the country of its place (a GB postcode, a US ZIP)
unless the coach asks for other countries.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

import geodata
import matching
from app import i18n
from app.errors import InvalidInput
from app.extensions import db
from app.observability import SEARCH_RANK_SECONDS
from app.services import geocoding, search_demand
from app.services.search_index import SearchIndexCache, Snapshot, club_key, country_scope

log = logging.getLogger(__name__)

#: The online section of an "either" search shows at least this many, and fills
#: the first page up to its size when few are near (matching's online_min).
MIN_ONLINE_SHOWN = 5
#: How many of each kind of help a thin search offers (nearest beyond, online).
FALLBACK_LIMIT = 5


@dataclass(frozen=True)
class Origin:
    label: str
    precision: str
    near: str | None
    lat: float
    lon: float
    alternatives: tuple[str, ...] = ()
    country: str | None = None


def index_cache() -> SearchIndexCache:
    """Return this process's search index cache, creating it on first use."""
    cache = current_app.extensions.get("search_index")
    if cache is None:
        app = current_app._get_current_object()

        @contextmanager
        def background_session():
            with app.app_context():
                try:
                    yield db.session
                finally:
                    db.session.remove()

        cache = SearchIndexCache(
            current_app.config["SEARCH_INDEX_CHECK_SECONDS"],
            inline_rebuild_seconds=current_app.config["SEARCH_INDEX_INLINE_REBUILD_SECONDS"],
            rebuild_seconds=current_app.config["SEARCH_INDEX_REBUILD_SECONDS"],
            session_factory=background_session)
        current_app.extensions["search_index"] = cache
    return cache


def warm_up(app) -> Snapshot | None:
    """Build this process's search index and text model now, before any search asks.

    A server calls it as a worker starts (deploy/gunicorn.conf.py), so the
    first search finds the index built. It never raises: a worker that cannot
    reach the database starts anyway, and its first search builds the index.
    """
    started = time.perf_counter()
    with app.app_context():
        try:
            snapshot = index_cache().get(db.session)
            # Otherwise the first search with goals text would fit the TF-IDF model,
            # and the first change applied would compile its queries.
            snapshot.index.fit_text()
            index_cache().rehearse_a_change(db.session)
        except Exception:
            log.exception("Search index warm-up failed; the first search will build it")
            return None
        finally:
            db.session.remove()
    # And the first searches by postcode, town or point would open the offline
    # postcode, town and district indexes (a town's first: 0.2 s).
    for opens in (lambda: geodata.geocode("LS6 3QS"), lambda: geodata.geocode("Leeds"),
                  lambda: geodata.from_coordinates(53.8, -1.55)):
        try:
            opens()
        except geodata.GeodataError:  # not here offline: the first search opens it
            log.warning("Offline geodata not warmed", exc_info=True)
    log.info("Search index warm: %d supporters, version %d, in %.0f ms",
             len(snapshot.cards), snapshot.version, (time.perf_counter() - started) * 1000)
    return snapshot


def search_answer(session: Session, args: dict, render: Callable[[dict], bytes]
                  ) -> tuple[bytes, search_demand.Sighting | None]:
    """Return ``render(search_support(...))`` and how the search is counted, reusing
    this worker's earlier answer.

    Answers are kept with the index snapshot they came from, so any change to
    the data (a new snapshot) starts afresh; popular places, widget presets and
    paging through results are answered without ranking again. The caller
    counts the search (``search_demand.record``), answered afresh or not.
    """
    snapshot = index_cache().get(session)
    key = (i18n.current_language(),
           *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items()))
    answer = snapshot.answers.get(key)
    if answer is None:
        outcome = search_support(session, args, snapshot=snapshot, record=False)
        answer = (render(outcome), outcome["sighting"])
        snapshot.answers.put(key, answer)
    return answer


def search_support(session: Session, args: dict, *, snapshot: Snapshot | None = None,
                   record: bool = True, source: str = "site",
                   widget_key_id: int | None = None) -> dict:
    """Rank supporters for ``args`` (as loaded by ``SearchArgs``) and return the page.

    ``record``: count it in the search demand (and popular searches) as made
    from ``source`` (not a weights preview's or an alert's). ``sighting`` in
    the answer is how it is counted.
    """
    snapshot = snapshot or index_cache().get(session)
    origin = resolve_origin(session, args)
    query = build_query(snapshot, args, origin)
    page, per_page = args["page"], args["limit"]
    # The online section belongs to the first page; later pages page the main list.
    online_limit = per_page if page == 1 else 0
    with SEARCH_RANK_SECONDS.time():
        result = snapshot.index.rank(query, snapshot.weights, limit=per_page,
                                     offset=(page - 1) * per_page, online_limit=online_limit,
                                     online_min=MIN_ONLINE_SHOWN, order=args.get("sort", "fit"),
                                     fallback_limit=FALLBACK_LIMIT,
                                     translations=i18n.translations())
    d = result.diagnostics
    total = d.online if query.mode == "online" else d.in_person
    counts, online, beyond, widen = _lists(result, query.mode)
    sighting = search_demand.sighting(args, origin, counts)
    if record:
        search_demand.record(sighting, source=source, widget_key_id=widget_key_id)
    return {
        "origin": {"label": origin.label, "precision": origin.precision, "near": origin.near,
                   "alternatives": list(origin.alternatives), "country": origin.country},
        "mode": query.mode,
        "sort": args.get("sort", "fit"),
        "radius_km": query.radius_km,
        "other_countries": not query.countries,
        "counts": counts,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
        "results": [_card(snapshot, m) for m in result.matches],
        "online": [_card(snapshot, m) for m in online],
        "beyond_radius": [_card(snapshot, m) for m in beyond],
        "widen": widen,
        "diagnostics": {
            "considered": d.considered,
            "passed": d.passed,
            "removed": dict(d.removed),
            "explanation": result.explanation,
        },
        "query": query,
        "sighting": sighting,
    }


def _lists(result: matching.RankResult, mode: str):
    """Return the counts, the online list, the nearest beyond and a wider radius.

    Nobody is listed twice: an "either" search lists online supporters in its
    online section; an in-person one lists the nearest in person first.
    """
    d = result.diagnostics
    counts = {"in_person": d.in_person, "in_person_available": d.in_person_available,
              "online": d.online, "online_available": d.online_available}
    online, beyond, widen = list(result.online), [], None
    fallbacks = result.fallbacks
    if fallbacks is not None:
        beyond = list(fallbacks.beyond_radius)
        if mode == "in_person":  # online supporters, if the coach would meet online
            online = list(fallbacks.online)
            counts["online"] = counts["online_available"] = fallbacks.online_count
        if fallbacks.wider_radius_km is not None:
            widen = {"radius_km": fallbacks.wider_radius_km,
                     "found": fallbacks.within_wider_radius}
    elif mode == "in_person":
        counts["online"] = counts["online_available"] = None  # not looked for
    if mode == "either":
        listed = {m.id for m in online}
        beyond = [m for m in beyond if m.id not in listed]
    else:
        nearest = {m.id for m in beyond}
        online = [m for m in online if m.id not in nearest]
    return counts, online, beyond, widen


def resolve_origin(session: Session, args: dict) -> Origin:
    if "lat" in args:
        loc = geocoding.from_coordinates(args["lat"], args["lon"])
        return Origin(loc.label, loc.precision, loc.outward_code, loc.lat, loc.lon,
                      country=loc.country)
    found = geocoding.resolve_place(session, args["where"], field="where")
    loc = found.location
    return Origin(loc.label, loc.precision, loc.outward_code, loc.lat, loc.lon,
                  tuple(a.label for a in found.alternatives), loc.country)


def build_query(snapshot: Snapshot, args: dict, origin: Origin) -> matching.Query:
    """Turn validated arguments into a ``matching.Query``, checking taxonomy keys."""
    taxonomy = snapshot.taxonomy
    needs = need_priorities(args.get("needs", []))
    errors: dict[str, list[str]] = {}
    for name, keys, known in (("roles", args.get("roles", []), taxonomy.roles),
                              ("event_groups", args.get("event_groups", []),
                               taxonomy.event_groups),
                              ("needs", list(needs), taxonomy.needs)):
        unknown = [k for k in keys if k not in known]
        if unknown:
            errors[name] = [f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}. "
                            f"See /api/v1/taxonomy for the keys."]
    level = framework = None
    if args.get("qualification"):
        qualification = taxonomy.qualifications.get(args["qualification"])
        if qualification is None:
            errors["qualification"] = [f"Unknown qualification: {args['qualification']}."]
        else:
            _, level, framework = qualification
    if errors:
        raise InvalidInput("Some of the search is not valid: see errors for each field.",
                           errors=errors)
    scope = country_scope(origin.country)
    only_ids = None
    if args.get("name"):
        only_ids = frozenset(snapshot.named(args["name"]))
    return matching.Query(
        lat=origin.lat, lon=origin.lon, radius_km=args["radius_km"],
        roles=frozenset(args.get("roles", [])),
        event_groups=frozenset(args.get("event_groups", [])),
        needs=needs, level=level, framework=framework,
        club=club_key(args.get("club")), mode=args["mode"],
        goals_text=args.get("goals", ""), limit=args["limit"],
        countries=frozenset() if args.get("other_countries") or scope is None
        else frozenset({scope}),
        only_ids=only_ids,
    )


def need_priorities(items: list[str]) -> dict[str, float]:
    """Return ``{need: priority}`` from ``["periodisation:5", "strength", ...]``.

    A need may carry its plan priority (0 to 5) after a colon; without one,
    needs listed first matter most, as a plan lists them.
    """
    plain = [item for item in items if ":" not in item]
    priorities = {}
    for item in items:
        key, _, priority = item.partition(":")
        priorities[key] = float(priority) if priority else float(len(plain) - plain.index(item))
    return priorities


def _card(snapshot: Snapshot, match: matching.Match) -> dict:
    card = snapshot.cards[match.id]  # rendered afresh: ours to add to
    card.update(
        # Whole kilometres, from the coarse position search knows (a sector's centre).
        distance_km=float(max(1, round(match.distance_km))) if match.mode == "in_person"
        else None,
        score=round(match.score, 4),
        reasons=list(match.reasons),
        summary=match.summary,
        waitlist=match.waitlist,
    )
    return card
