"""Search for support: from what a coach typed to ranked, explained public cards."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

import matching
from app.errors import InvalidInput
from app.extensions import db
from app.services import geocoding
from app.services.search_index import SearchIndexCache, Snapshot, club_key

# Deep pages cost reasons for every match before them; nobody reads page 11.
MAX_RESULTS = 200


@dataclass(frozen=True)
class Origin:
    label: str
    precision: str
    near: str | None
    lat: float
    lon: float
    alternatives: tuple[str, ...] = ()


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
            session_factory=background_session)
        current_app.extensions["search_index"] = cache
    return cache


def search_answer(session: Session, args: dict, render: Callable[[dict], bytes]) -> bytes:
    """Return ``render(search_support(...))``, reusing this worker's earlier answer.

    Answers are kept with the index snapshot they came from, so any change to
    the data (a new snapshot) starts afresh; popular places, widget presets and
    paging through results are answered without ranking again.
    """
    snapshot = index_cache().get(session)
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items()))
    body = snapshot.answers.get(key)
    if body is None:
        body = render(search_support(session, args, snapshot=snapshot))
        snapshot.answers.put(key, body)
    return body


def search_support(session: Session, args: dict, *, snapshot: Snapshot | None = None) -> dict:
    """Rank supporters for ``args`` (as loaded by ``SearchArgs``) and return the page."""
    snapshot = snapshot or index_cache().get(session)
    origin = resolve_origin(session, args)
    query = build_query(snapshot, args, origin)
    page, per_page = args["page"], args["limit"]
    wanted = min(page * per_page, MAX_RESULTS)
    result = snapshot.index.rank(query, snapshot.weights, limit=wanted)

    matches = list(result.matches)
    shown = matches[(page - 1) * per_page: page * per_page]
    total = result.diagnostics.passed
    fallbacks = []
    if result.fallbacks is not None:
        fallbacks = [*result.fallbacks.beyond_radius, *result.fallbacks.online]
    return {
        "origin": {"label": origin.label, "precision": origin.precision, "near": origin.near,
                   "alternatives": list(origin.alternatives)},
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(min(total, MAX_RESULTS) / per_page)),
        "results": [_card(snapshot, m) for m in shown],
        "fallbacks": [_card(snapshot, m) for m in _unique(fallbacks)],
        "diagnostics": {
            "considered": result.diagnostics.considered,
            "passed": result.diagnostics.passed,
            "removed": dict(result.diagnostics.removed),
            "explanation": result.explanation,
        },
        "query": query,
    }


def resolve_origin(session: Session, args: dict) -> Origin:
    if "lat" in args:
        loc = geocoding.from_coordinates(args["lat"], args["lon"])
        return Origin(loc.label, loc.precision, loc.outward_code, loc.lat, loc.lon)
    found = geocoding.resolve_place(session, args["where"], field="where")
    loc = found.location
    return Origin(loc.label, loc.precision, loc.outward_code, loc.lat, loc.lon,
                  tuple(a.label for a in found.alternatives))


def build_query(snapshot: Snapshot, args: dict, origin: Origin) -> matching.Query:
    """Turn validated arguments into a ``matching.Query``, checking taxonomy keys."""
    taxonomy = snapshot.taxonomy
    errors: dict[str, list[str]] = {}
    for name, known in (("roles", taxonomy.roles), ("event_groups", taxonomy.event_groups),
                        ("needs", taxonomy.needs)):
        unknown = [k for k in args.get(name, []) if k not in known]
        if unknown:
            errors[name] = [f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}. "
                            f"See /api/v1/taxonomy for the keys."]
    level = None
    if args.get("qualification"):
        qualification = taxonomy.qualifications.get(args["qualification"])
        if qualification is None:
            errors["qualification"] = [f"Unknown qualification: {args['qualification']}."]
        else:
            level = qualification[1]
    if errors:
        raise InvalidInput("Some of the search is not valid: see errors for each field.",
                           errors=errors)
    needs = args.get("needs", [])
    # Needs listed first matter most: a plan's priorities in order.
    priorities = {key: float(len(needs) - i) for i, key in enumerate(needs)}
    return matching.Query(
        lat=origin.lat, lon=origin.lon, radius_km=args["radius_km"],
        roles=frozenset(args.get("roles", [])),
        event_groups=frozenset(args.get("event_groups", [])),
        needs=priorities, level=level,
        club=club_key(args.get("club")), mode=args["mode"],
        goals_text=args.get("goals", ""), limit=min(args["page"] * args["limit"], MAX_RESULTS),
    )


def _unique(matches):
    seen = set()
    for m in matches:
        if m.id not in seen:
            seen.add(m.id)
            yield m


def _card(snapshot: Snapshot, match: matching.Match) -> dict:
    card = dict(snapshot.cards[match.id])
    card.update(
        # Whole kilometres: precise distances from several places would pin a
        # supporter's home down.
        distance_km=float(max(1, round(match.distance_km))) if match.mode == "in_person"
        else None,
        score=round(match.score, 4),
        reasons=list(match.reasons),
        summary=match.summary,
        waitlist=match.waitlist,
    )
    return card
