"""Preview proposed ranking weights: how sample searches and a cohort would change.

A preview saves nothing and emails nobody. It ranks each sample search twice
with this worker's search index, once with the weights in force and once with
the proposed ones (a copy of the index snapshot carrying them: ``matching``
ranks with whatever weights it is given), and compares the top ten: who
enters, who leaves, who moves and by how much, with names as public search
shows them. For a chosen programme it proposes the cohort's allocation both
ways: coaches placed, their mean score and the worst-off placed coach's score.

The sample searches are those admins keep (``weight_sample_searches``) and
the searches coaches made most in the last 30 days (see ``search_log``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matching
from app.errors import Conflict, DomainError, NotFound, flatten_errors
from app.models import DELETED_NAME, User, WeightSampleSearch
from app.schemas.search import SearchArgs
from app.services import audit, cohort_allocation, ranking_weights, search_log
from app.services.permissions import require_admin
from app.services.plans import programmes
from app.services.search import build_query, index_cache, resolve_origin, search_support
from app.services.search_index import AnswerCache, Snapshot

#: How far down each ranking the preview compares.
TOP = 10
#: How many popular searches a preview adds to the saved ones.
POPULAR_IN_PREVIEW = 10
#: How many sample searches admins may keep.
MAX_SAMPLES = 50
NO_SAMPLE = "No sample search with that id."
#: What of a search a sample keeps (the rest: which page, how many, is not the search).
SAMPLE_FIELDS = ("where", "radius_km", "mode", "roles", "event_groups", "needs",
                 "qualification", "club", "goals", "other_countries", "sort")
MODES = {"either": "in person or online", "in_person": "in person", "online": "online"}


# --- sample searches ---------------------------------------------------------------------


def sample_searches(session: Session, admin: User, *, today: date | None = None) -> dict:
    """Return the saved sample searches and the popular ones, each described in words."""
    require_admin(admin)
    taxonomy = index_cache().get(session, today).taxonomy
    rows = session.scalars(select(WeightSampleSearch).order_by(WeightSampleSearch.id)).all()
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.created_by_id for r in rows if r.created_by_id}))).all()) if rows else {}
    saved = [_sample(r, taxonomy, names) for r in rows]
    kept = {search_log.canonical(r.params) for r in rows}
    popular = [{"params": p["params"], "searches": p["searches"],
                "description": describe(p["params"], taxonomy),
                "saved": search_log.canonical(p["params"]) in kept}
               for p in search_log.popular(session, limit=POPULAR_IN_PREVIEW, today=today)]
    return {"saved": saved, "popular": popular, "popular_days": search_log.POPULAR_DAYS}


def _sample(row: WeightSampleSearch, taxonomy, names: Mapping) -> dict:
    return {"id": row.id, "name": row.name, "params": row.params,
            "description": describe(row.params, taxonomy),
            "created_by": names.get(row.created_by_id, DELETED_NAME),
            "created_at": row.created_at}


def add_sample(session: Session, admin: User, name: str, search: Mapping, *,
               today: date | None = None) -> dict:
    """Keep a search (as ``SearchArgs`` loads it) as a sample for previews.

    The place and the taxonomy keys are checked as the search itself checks
    them, so a sample that cannot be searched is refused, naming the field.
    """
    require_admin(admin)
    kept = session.scalar(select(func.count()).select_from(WeightSampleSearch))
    if kept >= MAX_SAMPLES:
        raise Conflict(f"There are {MAX_SAMPLES} sample searches already: remove one first.")
    params = tidy(search)
    snapshot = index_cache().get(session, today)
    build_query(snapshot, {**params, "page": 1, "limit": TOP},
                resolve_origin(session, params))
    sample = WeightSampleSearch(name=name.strip(), params=params, created_by_id=admin.id)
    session.add(sample)
    session.flush()
    audit.record(session, "weights.sample_added", actor=admin, subject=sample)
    return _sample(sample, snapshot.taxonomy, {admin.id: admin.display_name})


def tidy(search: Mapping) -> dict:
    """Return what of a search a sample keeps, written one way (so alike searches compare)."""
    params = {}
    for name in SAMPLE_FIELDS:
        value = search.get(name)
        if value in (None, "", [], False) or (name == "sort" and value == "fit"):
            continue
        if name == "radius_km":
            value = int(value) if float(value).is_integer() else float(value)
        elif name in ("roles", "event_groups"):
            value = sorted(set(value))
        params[name] = value
    return params


def remove_sample(session: Session, admin: User, sample_id: int) -> None:
    """Stop using a sample search in previews."""
    require_admin(admin)
    sample = session.get(WeightSampleSearch, sample_id)
    if sample is None:
        raise NotFound(NO_SAMPLE)
    audit.record(session, "weights.sample_removed", actor=admin, subject=sample)
    session.delete(sample)
    session.flush()


def describe(params: Mapping, taxonomy) -> str:
    """Return a search in words: "LS6 · within 25 km · in person or online · Mentor · Jumps"."""
    def names(keys, known):
        return ", ".join(known.get(k, k) for k in keys)

    radius = ranking_weights.number(float(params.get("radius_km", 25)))
    parts = [str(params.get("where", "?")), f"within {radius} km",
             MODES.get(params.get("mode", "either"), "")]
    if params.get("roles"):
        parts.append(names(params["roles"], taxonomy.roles))
    if params.get("event_groups"):
        parts.append(names(params["event_groups"], taxonomy.event_groups))
    needs = [item.partition(":")[0] for item in params.get("needs") or []]
    if needs:
        parts.append(f"needs: {names(needs, taxonomy.needs)}")
    qualification = taxonomy.qualifications.get(params.get("qualification") or "")
    if qualification:
        parts.append(f"coach: {qualification[0]}")
    if params.get("goals"):
        parts.append("with goals")
    if params.get("other_countries"):
        parts.append("other countries too")
    if params.get("sort") == "distance":
        parts.append("nearest first")
    return " · ".join(p for p in parts if p)


# --- the preview -------------------------------------------------------------------------


def preview(session: Session, admin: User, values: Mapping, *, programme: str | None = None,
            today: date | None = None) -> dict:
    """Compare rankings with the weights in force and with ``values`` put in them."""
    require_admin(admin)
    snapshot = index_cache().get(session, today)
    current = snapshot.weights
    proposed = ranking_weights.check(values, current)
    trial = replace(snapshot, weights=replace(proposed, version=current.version),
                    answers=AnswerCache())
    cohort = _cohort(session, admin, programme, snapshot, current, proposed, today) \
        if programme and programme.strip() else None
    samples = [_compare_search(session, sample, snapshot, trial)
               for sample in _samples(session, snapshot, today)]
    compared = [s for s in samples if s["problem"] is None]
    _, row = ranking_weights.in_force(session)
    return {
        "version": row.id if row is not None else 0,
        "current": ranking_weights.values_of(current),
        "proposed": ranking_weights.values_of(proposed),
        "changes": ranking_weights.changes(ranking_weights.values_of(current),
                                           ranking_weights.values_of(proposed)),
        "samples": samples,
        "summary": {
            "searches": len(compared),
            "changed": sum(1 for s in compared if s["changed"]),
            "entered": sum(len(lst["entered"]) for s in compared for lst in s["lists"]),
            "left": sum(len(lst["left"]) for s in compared for lst in s["lists"]),
            "moved": sum(len(lst["moved"]) for s in compared for lst in s["lists"]),
        },
        "cohort": cohort,
    }


def _samples(session: Session, snapshot: Snapshot, today: date | None) -> list[dict]:
    """Return the saved sample searches, then the popular ones not saved already."""
    rows = session.scalars(select(WeightSampleSearch).order_by(WeightSampleSearch.id)).all()
    found = [{"kind": "saved", "id": r.id, "name": r.name, "params": r.params,
              "searches": None} for r in rows]
    seen = {search_log.canonical(r.params) for r in rows}
    for item in search_log.popular(session, limit=POPULAR_IN_PREVIEW, today=today):
        if search_log.canonical(item["params"]) not in seen:
            found.append({"kind": "popular", "id": None, "name": None,
                          "params": item["params"], "searches": item["searches"]})
    for sample in found:
        sample["description"] = describe(sample["params"], snapshot.taxonomy)
        sample["name"] = sample["name"] or sample["description"]
    return found


def _compare_search(session: Session, sample: dict, snapshot: Snapshot,
                    trial: Snapshot) -> dict:
    """Rank one sample search both ways and compare the top of each list."""
    outcome = {**sample, "problem": None, "lists": [], "changed": False}
    try:
        args = SearchArgs().load({**sample["params"], "page": 1, "limit": TOP})
        before = search_support(session, args, snapshot=snapshot, record=False)
        after = search_support(session, args, snapshot=trial, record=False)
    except ValidationError as err:
        outcome["problem"] = " ".join(m for ms in flatten_errors(err.messages).values()
                                      for m in ms)
        return outcome
    except DomainError as err:  # a place no longer known, a need since retired
        outcome["problem"] = err.message
        return outcome
    mode = before["mode"]
    lists = [("Online" if mode == "online" else "In person", "results")]
    if mode == "either":
        lists.append(("Online", "online"))
    for title, key in lists:
        compared = compare(before[key], after[key])
        if compared["before"] or compared["after"]:
            outcome["lists"].append({"title": title, **compared})
    outcome["changed"] = any(lst["changed"] for lst in outcome["lists"])
    return outcome


def compare(before: list[dict], after: list[dict], top: int = TOP) -> dict:
    """Compare two rankings' first ``top`` cards: who enters, leaves and moves, and how far.

    ``change`` is how many places someone rose (negative: fell).
    """
    before, after = before[:top], after[:top]
    was = {card["id"]: rank for rank, card in enumerate(before, 1)}
    now = {card["id"]: rank for rank, card in enumerate(after, 1)}
    before_rows = [{"id": c["id"], "name": c["name"], "rank": rank, "now": now.get(c["id"]),
                    "status": "leaves" if c["id"] not in now
                    else "stays" if now[c["id"]] == rank else "moves"}
                   for rank, c in enumerate(before, 1)]
    after_rows = []
    for rank, c in enumerate(after, 1):
        old = was.get(c["id"])
        change = None if old is None else old - rank
        status = "enters" if old is None else "up" if change > 0 else \
            "down" if change < 0 else "same"
        after_rows.append({"id": c["id"], "name": c["name"], "rank": rank, "was": old,
                           "change": change, "status": status})
    entered = [r for r in after_rows if r["status"] == "enters"]
    left = [r for r in before_rows if r["status"] == "leaves"]
    moved = [r for r in after_rows if r["status"] in ("up", "down")]
    return {"before": before_rows, "after": after_rows, "entered": entered, "left": left,
            "moved": moved, "changed": bool(entered or left or moved)}


def _cohort(session: Session, admin: User, programme: str, snapshot: Snapshot,
            current: matching.Weights, proposed: matching.Weights,
            today: date | None) -> dict:
    """Allocate the programme's cohort both ways and compare what coaches would get."""
    before = cohort_allocation.what_if(session, admin, programme, current, today=today)
    after = cohort_allocation.what_if(session, admin, programme, proposed, today=today)
    coach_ids = {a.coach_id for a in before.assignments} | {u.coach_id for u in before.unassigned}
    coaches = dict(session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(coach_ids))).all())
    paired_before = {a.coach_id: a.supporter_id for a in before.assignments}
    paired_after = {a.coach_id: a.supporter_id for a in after.assignments}

    def supporter(sid):
        return snapshot.cards[sid]["name"] if sid in snapshot.cards else None

    moves = [{"coach": coaches.get(cid, DELETED_NAME), "before": supporter(paired_before.get(cid)),
              "after": supporter(paired_after.get(cid))}
             for cid in sorted(coach_ids, key=lambda c: coaches.get(c, "").casefold())
             if paired_before.get(cid) != paired_after.get(cid)]
    return {"programme": programme.strip(), "coaches": len(coach_ids),
            "current": _measures(before), "proposed": _measures(after), "moves": moves}


def _measures(allocation: matching.Allocation) -> dict:
    scores = [a.score for a in allocation.assignments]
    return {"placed": len(scores),
            "mean_score": round(sum(scores) / len(scores), 3) if scores else None,
            "lowest_score": round(min(scores), 3) if scores else None}


# --- the page ----------------------------------------------------------------------------


def page(session: Session, admin: User, *, today: date | None = None) -> dict:
    """Return what the weights page shows: weights, sample searches, history, cohorts."""
    require_admin(admin)
    return {"weights": ranking_weights.overview(session, admin),
            "versions": ranking_weights.versions(session, admin),
            "samples": sample_searches(session, admin, today=today),
            "programmes": programmes(session),
            "choices": index_cache().get(session, today).form,
            "defaults": ranking_weights.values_of(matching.Weights())}
