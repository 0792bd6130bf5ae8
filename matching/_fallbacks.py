"""Help for a thin result page: the nearest beyond the radius, online ones, and why.

When fewer than a few supporters can be offered, a search offers the
nearest in person beyond the radius (those who travel that far first), the
smallest round radius that finds someone, and online supporters for an
in-person search; :func:`explain` says in one sentence what happened.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._arrays import IndexArrays
from ._geo import chord_from_km, km_from_chord
from ._ranking import build_matches, evaluate, top
from ._reasons import ReasonWriter, format_km
from ._results import Diagnostics, Fallbacks, Match
from ._scoring import Pool, chords, query_xyz, rows_within, score_rows
from ._screening import Screening, named, screen
from ._types import Candidate, Labels, Query
from ._weights import Weights

__all__ = ["explain", "offer_fallbacks"]

_GRACE_KM = 0.001
_NICE_RADII_KM = (5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000,
                  1500, 2000, 3000, 5000, 10000, 20016)


def offer_fallbacks(arrays: IndexArrays, query: Query, weights: Weights, screening: Screening,
              pool: Pool, writer: ReasonWriter, k: int, diagnostics: Diagnostics) -> Fallbacks:
    """Offer the nearest in person beyond the radius, a wider radius, then online ones."""
    beyond: tuple[Match, ...] = ()
    wider = None
    within = 0
    if query.mode != "online" and len(arrays) and k > 0:
        # Those who travel that far would be found by a wider search. When
        # nobody is free in person, nearer ones who do not travel that far fill
        # the list (the coach could go to them), and in a place nobody travels
        # to they are all there is to offer.
        rows, distance, _ = _beyond_radius(arrays, query, screening, k, travels=True)
        if len(rows) < k and diagnostics.in_person_available == 0:
            up_to = float(distance[-1]) if len(rows) else None
            more, more_km, _ = _beyond_radius(arrays, query, screening, k, travels=False,
                                              up_to=up_to)
            fresh = ~np.isin(more, rows)
            rows = np.concatenate([rows, more[fresh]])
            order = np.lexsort((arrays.rows.ids[rows],
                                np.concatenate([distance, more_km[fresh]])))
            rows = rows[order[:k]]
        if len(rows):
            chord = chords(arrays, rows, pool.query_xyz)
            extra = score_rows(arrays, query, weights, screening, rows, chord,
                               np.ones(len(rows), bool), pool.text_query, xyz=pool.query_xyz,
                               mode="in_person")
            beyond = build_matches(arrays, weights, screening, extra, np.arange(len(rows)),
                                   writer)
            too_far = (chord > arrays.rows.travel_chord[rows]).tolist()
            beyond = tuple(_travel_noted(m, arrays.candidates[row], writer) if far else m
                           for m, row, far in zip(beyond, rows.tolist(), too_far, strict=True))
            # The smallest round radius that finds someone: the nearest beyond
            # the radius who travels that far (a metre's grace: "within 40 km"
            # reads better than "within 50 km" for someone 40.0004 km away).
            near, near_km, _ = _beyond_radius(arrays, query, screening, 1, travels=True)
            if len(near):
                wider = float(next(r for r in _NICE_RADII_KM
                                   if r >= near_km[0] - _GRACE_KM or r == _NICE_RADII_KM[-1]))
                _, found, _ = _beyond_radius(arrays, query, screening, None, travels=True,
                                             up_to=wider + _GRACE_KM)
                within = diagnostics.in_person_available + len(found)

    online: tuple[Match, ...] = ()
    online_count = diagnostics.online_available if query.mode == "either" else 0
    if query.mode == "in_person" and len(arrays):
        online_query = replace(query, mode="online")
        online_screening = screen(arrays, online_query, weights)
        if screening.named is not None:
            online_screening = named(arrays, online_query, online_screening)
        online_pool, online_counts = evaluate(arrays, online_query, weights, online_screening,
                                              pool.text_query, k=k, sections=True)
        online_count = online_counts.available
        best = top(arrays, online_pool, np.flatnonzero(online_pool.available), k)
        online_writer = writer.for_query(online_query)
        online = build_matches(arrays, weights, online_screening, online_pool, best,
                               online_writer)
    return Fallbacks(beyond_radius=beyond, wider_radius_km=wider, within_wider_radius=within,
                     online=online, online_count=online_count)


def _travel_noted(match: Match, candidate: Candidate, writer: ReasonWriter) -> Match:
    """Return a beyond-radius match saying how far the supporter travels."""
    note = writer.travel_note(candidate.travel_km)
    return replace(match, reasons=(match.reasons[0], note, *match.reasons[1:]))


def _beyond_radius(arrays: IndexArrays, query: Query, screening: Screening, k: int | None, *,
                   travels: bool, up_to: float | None = None
                   ) -> tuple[np.ndarray, np.ndarray, float]:
    """Return available rows passing every rule but the search radius, nearest first.

    With ``travels``, only those whose own travel distance reaches the coach
    (widening the search would find them). The search widens (doubling) until
    ``k`` are found or nobody further could count, so everything nearer than
    the last radius searched has been seen.
    """
    xyz = query_xyz(query)
    limit_km = _NICE_RADII_KM[-1]
    if travels:
        limit_km = min(arrays.max_travel_km, limit_km)
    if up_to is not None and up_to <= query.radius_km:
        return np.empty(0, np.int64), np.empty(0), up_to
    radius = query.radius_km * 2 if up_to is None else up_to
    chord_r = float(chord_from_km(query.radius_km))
    while True:
        reach = min(radius, limit_km) if up_to is None else radius
        ball = rows_within(arrays, query, reach)
        # Online ones too: nearer than the rest, they could meet in person there.
        ball = ball[screening.passes(arrays, ball) & (arrays.rows.capacity[ball] > 0)]
        chord = chords(arrays, ball, xyz)
        keep = (chord > chord_r) & (chord <= float(chord_from_km(reach)))
        if travels:
            keep &= chord <= arrays.rows.travel_chord[ball]
        ball, chord = ball[keep], chord[keep]
        if up_to is not None or (k is not None and len(ball) >= k) or reach >= limit_km:
            break
        radius *= 2
    distance = km_from_chord(chord)
    order = np.lexsort((arrays.rows.ids[ball], distance))[:k]
    return ball[order], distance[order], reach


def explain(query: Query, diagnostics: Diagnostics, fallbacks: Fallbacks,
            labels: Labels) -> str:
    """Return one sentence for a page with few or no results.

    Examples
    --------
    >>> from types import MappingProxyType
    >>> from matching import Diagnostics, Fallbacks, Labels, Query
    >>> q = Query(53.8, -1.5, radius_km=10, roles={"mentor"}, event_groups={"jumps"},
    ...           require_event_group=True)
    >>> d = Diagnostics(considered=2000, removed=MappingProxyType({
    ...     "role": 812, "event_group": 300, "online_only": 0, "ladder": 22,
    ...     "outside_radius": 860, "travel_distance": 6}), passed=0, available=0, waitlist=0)
    >>> explain(q, d, Fallbacks(wider_radius_km=25.0, within_wider_radius=3, online_count=5),
    ...         Labels(event_groups={"jumps": "Jumps"}))
    'No jumps mentors within 10 km; 3 within 25 km; 5 online. Of the rest: 812 in other roles, 300 outside your event groups, 22 not at a suitable level for you, 860 beyond 10 km, 6 who do not travel that far.'
    """  # noqa: E501
    # The sentence is about the main list: in person, or online for an online search.
    if query.mode == "online":
        n = diagnostics.online_available
        waitlist = diagnostics.online - diagnostics.online_available
        where = "online"
    else:
        n = diagnostics.in_person_available
        waitlist = diagnostics.in_person - diagnostics.in_person_available
        where = f"within {format_km(query.radius_km)}"
    if n == 0:
        first = f"No {_subject(query, labels, plural=True)} {where}"
        if waitlist:
            first = (f"No {_subject(query, labels, plural=True)} with places free {where}"
                     f" ({waitlist} full: waitlist)")
    else:
        first = f"Only {n} {_subject(query, labels, plural=n != 1)} {where}"
    clauses = [first]
    if fallbacks.wider_radius_km is not None and fallbacks.within_wider_radius:
        clauses.append(f"{fallbacks.within_wider_radius:,} within "
                       f"{format_km(fallbacks.wider_radius_km)}")
    elif fallbacks.beyond_radius:
        nearest = format_km(fallbacks.beyond_radius[0].distance_km)
        clauses.append(f"the {'next ' if n else ''}nearest is {nearest} away")
    if fallbacks.online_count:
        clauses.append(f"{fallbacks.online_count:,} online")
    sentence = "; ".join(clauses) + "."
    if n == 0:
        why = _why(query, diagnostics)
        if why:
            # "Of the rest", not "not shown": some may be offered below as the
            # nearest beyond the radius or online.
            sentence += " Of the rest: " + ", ".join(why) + "."
    return sentence


def _subject(query: Query, labels: Labels, *, plural: bool) -> str:
    if query.roles:
        names = [labels.role_plural(r) if plural else labels.role(r) for r in sorted(query.roles)]
    else:
        names = ["supporters" if plural else "supporter"]
    subject = " or ".join(names)
    if query.require_event_group and query.event_groups:
        groups = " or ".join(labels.event_group(g).lower() for g in sorted(query.event_groups))
        subject = f"{groups} {subject}"
    return subject


def _why(query: Query, diagnostics: Diagnostics) -> list[str]:
    phrases = {
        "country": "in other countries",
        "role": "in other roles",
        "event_group": "outside your event groups",
        "online_only": "who do not offer online support",
        "ladder": "not at a suitable level for you",
        "name": "with another name or club",
        "outside_radius": f"beyond {format_km(query.radius_km)}",
        "travel_distance": "who do not travel that far",
    }
    return [f"{count:,} {phrases[rule]}" for rule, count in diagnostics.removed.items() if count]
