"""Cohort allocation: pair a whole programme's coaches with coach developers, optimally.

A programme admin picks the cohort (the coaches whose open plan carries a
programme label, e.g. "Advanced Coach pilot") and the pool (coach developers
who may appear in search and have places left, optionally at most N coaches
each from this cohort). ``matching.allocate`` proposes the pairs; the proposal
is stored with each pair's score and reasons and each unplaced coach's reason.
The admin reviews it, locks pairs (or moves a coach to another developer and
locks that) and re-runs around the locks, as often as needed.

Nothing else exists until the admin publishes: then, in one transaction, the
engagements are created under the same capacity lock as accepting a request
(the supporter's row, locked in id order), and everyone is emailed. A
proposal that no longer fits (someone accepted a request meanwhile, a check
expired) is refused whole, saying why.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import matching
from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    DELETED_NAME,
    AllocationPlacement,
    AllocationRun,
    CoachProfile,
    DevelopmentPlan,
    Engagement,
    SupporterProfile,
    SupportRole,
    User,
    UserRole,
)
from app.services import audit, mailer
from app.services.capacity import lock_supporter, places_left

# Capacity is locked exactly as accepting a request locks it; see support_requests.
from app.services.eligibility import is_searchable
from app.services.permissions import require_admin
from app.services.plan_access import OPEN_PLAN_STATUSES
from app.services.profile_fields import public_town
from app.services.request_closing import close_when_full
from app.services.search import Origin, build_query, index_cache

ROLE = "coach_developer"
NOT_FOUND = "No allocation with that id."
COUNTS = ("cohort", "paired", "unpaired", "already_placed")


# --- the pool and the cohort ----------------------------------------------------------


def pool(session: Session, *, today: date | None = None) -> list[dict]:
    """Return the coach developers who may be allocated: searchable, granted, places left.

    Read from the search index, so eligibility (verified, checks in date,
    visible, not paused) and places left are exactly what search uses. Each
    one carries a ``label`` telling apart people who share a name: place,
    places free and their number ("Sam Patel — Leeds (LS6) · 2 of 3 free · #412").
    """
    today = today or date.today()
    snapshot = index_cache().get(session, today)
    granted = set(session.scalars(
        select(SupporterProfile.id).join(UserRole, UserRole.user_id == SupporterProfile.user_id)
        .where(UserRole.role == ROLE)))
    left = {}
    for supporter_id in snapshot.index.ids.tolist():
        candidate = snapshot.index.candidate(supporter_id)
        if ROLE in candidate.roles and supporter_id in granted and candidate.capacity_left > 0:
            left[supporter_id] = candidate.capacity_left
    described = _describe(session, left)
    found = []
    for supporter_id, places in left.items():
        if supporter_id not in described:
            continue  # erased since the index was built: it will drop out at the next build
        card = snapshot.cards[supporter_id]
        found.append({**described[supporter_id], "near": card["near"], "place": card["place"],
                      "online": card["online"], "places_left": places,
                      "event_groups": [g["name"] for g in card["event_groups"]]})
    return _labelled(sorted(found, key=lambda s: (s["name"].casefold(), s["id"])))


def _describe(session: Session, supporter_ids) -> dict[int, dict]:
    """Return what tells supporters apart (name, place, club, capacity), read in one query."""
    ids = list(supporter_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(SupporterProfile.id, User.display_name, SupporterProfile.outward_code,
               SupporterProfile.place_label, SupporterProfile.club, SupporterProfile.capacity,
               SupporterProfile.offers_online)
        .join(User, User.id == SupporterProfile.user_id)
        .where(SupporterProfile.id.in_(ids))).all()
    return {sid: {"id": sid, "name": name, "near": near, "place": public_town(near, place),
                  "club": club,
                  "capacity": capacity, "online": online}
            for sid, name, near, place, club, capacity, online in rows}


def _labelled(members: list[dict], *, proposed: Counter | None = None) -> list[dict]:
    """Give each supporter a label that names them apart; the club only where names clash."""
    clashes = Counter(m["name"].casefold() for m in members)
    for member in members:
        where = _where(member)
        parts = [f"{member['name']} — {where}" if where else member["name"]]
        if member.get("club") and clashes[member["name"].casefold()] > 1:
            parts.append(member["club"])
        parts.append(f"{max(member['places_left'], 0)} of {member['capacity']} free")
        if proposed is not None and proposed.get(member["id"]):
            parts.append(f"{proposed[member['id']]} proposed")
        parts.append(f"#{member['id']}")
        member["label"] = " · ".join(parts)
        member["details"] = member["label"].removeprefix(member["name"]).lstrip(" —·")
    return members


def _where(member: dict) -> str | None:
    """Say where a supporter is: "Leeds (LS6)", or "online" for someone with no place."""
    if member.get("place") and member.get("near"):
        return f"{member['place']} ({member['near']})"
    return member.get("near") or member.get("place") or ("online" if member.get("online")
                                                         else None)


def _words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"\w+", text)]


def find_in_pool(members: list[dict], text: str) -> list[dict]:
    """Return the supporters that ``text`` names: a number (#412), or every word of it.

    Each word must be a whole word of the supporter's name, place, postcode
    area, club or number, so "Sam Patel Leeds" or "Patel LS6" narrow a common
    name down; among several matches, those whose name is exactly ``text`` win.
    """
    text = text.strip()
    number = re.search(r"#\s*(\d+)", text) or re.fullmatch(r"(\d+)", text)
    if number:
        return [m for m in members if m["id"] == int(number.group(1))]
    wanted = set(_words(text))
    if not wanted:
        return []
    found = [m for m in members if wanted <= set(_words(" ".join(
        str(m.get(k) or "") for k in ("name", "place", "near", "club", "id"))))]
    exact = [m for m in found if m["name"].casefold() == text.casefold()]
    return exact if len(found) > 1 and exact else found


def _not_one(found: list[dict], text: str) -> str:
    """Say why ``text`` names no supporter, or several, and how to name just one."""
    if not found:
        return (f"No coach developer in this pool matches “{text.strip()}”: choose one from "
                "the list, or type their name and place, or their number (#123).")
    shown = "; ".join(", ".join(filter(None, (_where(m), m.get("club"), f"#{m['id']}")))
                      for m in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return (f"{len(found)} coach developers match “{text.strip()}”: add the place or number "
            f"({shown}{more}).")


def coach_developers(session: Session, admin: User, text: str | None = None, *,
                     today: date | None = None) -> list[dict]:
    """Return the pool (admins only), narrowed to those ``text`` names when given."""
    require_admin(admin)
    members = pool(session, today=today)
    return find_in_pool(members, text) if text and text.strip() else members


def programme_cohorts(session: Session, admin: User) -> list[dict]:
    """Return each programme's cohort counts (admins only); see :func:`cohorts`."""
    require_admin(admin)
    return cohorts(session)


def cohorts(session: Session) -> list[dict]:
    """Return each programme on open plans: its coaches, those already placed, those waiting.

    Counted exactly as an allocation counts its cohort: each coach once
    (whatever number of open plans they have), active accounts only, and a
    coach who already works with a coach developer is "already placed".
    """
    rows = session.execute(
        select(DevelopmentPlan.programme, DevelopmentPlan.coach_id).distinct()
        .join(User, User.id == DevelopmentPlan.coach_id)
        .where(DevelopmentPlan.programme.is_not(None),
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES),
               User.active.is_(True), User.deleted_at.is_(None))).all()
    engaged = _engaged(session, {coach_id for _, coach_id in rows})
    coaches: dict[str, set[int]] = {}
    for programme, coach_id in rows:
        coaches.setdefault(programme, set()).add(coach_id)
    found = []
    for programme in sorted(coaches, key=str.casefold):
        placed = len(coaches[programme] & engaged.keys())
        found.append({"name": programme, "coaches": len(coaches[programme]),
                      "already_placed": placed, "waiting": len(coaches[programme]) - placed})
    return found


def _engaged(session: Session, coach_ids) -> dict[int, tuple[int, str]]:
    """Return each of ``coach_ids`` who works with a coach developer now: (supporter, name)."""
    if not coach_ids:
        return {}
    rows = session.execute(
        select(Engagement.coach_id, SupporterProfile.id, User.display_name)
        .join(SupportRole, SupportRole.id == Engagement.role_id)
        .join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .join(User, User.id == SupporterProfile.user_id)
        .where(Engagement.status == "active", SupportRole.key == ROLE,
               Engagement.coach_id.in_(list(coach_ids)))
        .order_by(Engagement.id)).all()
    return {coach_id: (supporter_id, name) for coach_id, supporter_id, name in rows}


def _cohort(session: Session, programme: str) -> tuple[list[DevelopmentPlan], list[dict]]:
    """Return the programme's plans to allocate, and the coaches already placed (and why)."""
    plans = session.scalars(
        select(DevelopmentPlan).join(User, User.id == DevelopmentPlan.coach_id)
        .where(DevelopmentPlan.programme == programme,
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES),
               User.active.is_(True), User.deleted_at.is_(None))
        .options(selectinload(DevelopmentPlan.coach))
        .order_by(DevelopmentPlan.coach_id, DevelopmentPlan.id.desc())).all()
    engaged = _engaged(session, {p.coach_id for p in plans})
    chosen, left_out, seen = [], [], set()
    for plan in plans:
        if plan.coach_id in seen:
            continue  # an older open plan of the same coach
        seen.add(plan.coach_id)
        if plan.coach_id in engaged:
            supporter_id, name = engaged[plan.coach_id]
            left_out.append(_placed(plan.coach_id, plan.coach.display_name, supporter_id, name,
                                    "already works with"))
        else:
            chosen.append(plan)
    return chosen, left_out


def _placed(coach_id: int, coach_name: str, supporter_id: int | None, supporter_name: str,
            verb: str) -> dict:
    return {"coach": {"id": coach_id, "name": coach_name},
            "supporter": {"id": supporter_id, "name": supporter_name},
            "reason": f"{verb} {supporter_name} as their coach developer"}


def _query(session: Session, snapshot, plan: DevelopmentPlan, settings: dict):
    """Build the coach's ``matching.Query`` as a search from their profile and plan would."""
    profile = session.scalar(select(CoachProfile).where(CoachProfile.user_id == plan.coach_id))
    needs = [f"{pn.need.key}:{pn.priority}"
             for pn in sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
             if pn.need.key in snapshot.taxonomy.needs]
    mode = settings["mode"]
    if profile is not None and profile.latitude is not None:
        origin = Origin(public_town(profile.outward_code, profile.place_label) or "",
                        "postcode", profile.outward_code,
                        profile.latitude, profile.longitude, country=profile.country)
    else:
        # Nowhere to measure from: only online support can be offered.
        origin, mode = Origin("", "none", None, 0.0, 0.0), "online"
    args = {
        "roles": [ROLE],
        "event_groups": [g.key for g in profile.event_groups] if profile else [],
        "needs": needs,
        "qualification": profile.qualification.key if profile and profile.qualification
        else None,
        "club": profile.club if profile else None,
        "goals": "; ".join(g.title for g in plan.goals),
        "radius_km": settings["radius_km"], "mode": mode, "page": 1, "limit": 1,
    }
    return build_query(snapshot, args, origin)


# --- proposals ------------------------------------------------------------------------


def start(session: Session, admin: User, args: dict, *, today: date | None = None,
          now: datetime | None = None) -> AllocationRun:
    """Propose an allocation of a programme's cohort to the pool; nothing else is created."""
    require_admin(admin)
    today = today or date.today()
    now = now or datetime.now(UTC)
    programme = args["programme"].strip()
    plans, placed = _cohort(session, programme)
    if not plans:
        already = f" (all {len(placed)} already have one)" if placed else ""
        raise InvalidInput("Nobody to allocate.", errors={"programme": [
            f"No coach on “{programme}” is waiting for a coach developer{already}."]})
    eligible = {s["id"] for s in pool(session, today=today)}
    chosen = args.get("pool") or sorted(eligible)
    strangers = [i for i in chosen if i not in eligible]
    if strangers:
        raise InvalidInput("Some of the pool cannot be allocated.", errors={"pool": [
            f"Supporter {i} is not a searchable coach developer with places left."
            for i in strangers]})
    if not chosen:
        raise InvalidInput("Nobody to allocate to.", errors={"pool": [
            "No coach developer has places left: nobody can be allocated."]})
    run = AllocationRun(programme=programme, role_key=ROLE, status="proposed",
                        created_by_id=admin.id, created_at=now, reruns=0, settings={
                            "pool": sorted(set(chosen)),
                            "radius_km": args.get("radius_km", 50.0),
                            "mode": args.get("mode", "either"),
                            "objective": args.get("objective", "coverage"),
                            "most_per_supporter": args.get("most_per_supporter"),
                            "already_placed": _kept(placed)})
    session.add(run)
    session.flush()
    _allocate(session, run, plans, locks=[], today=today)
    audit.record(session, "allocation.proposed", actor=admin, subject=run,
                 details={"programme": programme, "coaches": len(plans),
                          "pool": len(run.settings["pool"]), **_tally(run)})
    return run


def _kept(placed: list[dict]) -> list[dict]:
    """Keep who was already placed, by id, so a run's counts stay as they were."""
    return [{"coach_id": x["coach"]["id"], "supporter_id": x["supporter"]["id"]} for x in placed]


def _tally(run: AllocationRun) -> dict:
    """Count a run's outcome for the audit log (numbers only)."""
    paired = sum(1 for p in run.placements if p.supporter_id is not None)
    return {"paired": paired, "unpaired": len(run.placements) - paired,
            "already_placed": len(run.settings.get("already_placed") or [])}


def _run(session: Session, admin: User, run_id: int, *, lock: bool = False) -> AllocationRun:
    require_admin(admin)
    query = select(AllocationRun).where(AllocationRun.id == run_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    run = session.scalar(query)
    if run is None:
        raise NotFound(NOT_FOUND)
    return run


def _must_be_proposed(run: AllocationRun) -> None:
    if run.status != "proposed":
        raise Conflict(f"This allocation is {run.status}, so it cannot change any more: "
                       "start a new one.")


def rerun(session: Session, admin: User, run_id: int, locks: list[dict], *,
          today: date | None = None) -> AllocationRun:
    """Re-run the allocation keeping ``locks`` (coach id and supporter id) as they are."""
    today = today or date.today()
    run = _run(session, admin, run_id, lock=True)
    _must_be_proposed(run)
    in_run = {p.coach_id for p in run.placements}
    wanted, problems = [], []
    for lock in locks:
        if lock["coach_id"] not in in_run:
            problems.append(f"Coach {lock['coach_id']} is not in this cohort.")
        elif lock["supporter_id"] not in run.settings["pool"]:
            problems.append(f"Supporter {lock['supporter_id']} is not in this pool.")
        else:
            wanted.append((lock["coach_id"], lock["supporter_id"]))
    if problems:
        raise InvalidInput("Some locked pairs cannot be kept.", errors={"locks": problems})
    plans, placed = _cohort(session, run.programme)
    # Coaches who joined the programme since stay out of this run; start a new one for them.
    plans = [p for p in plans if p.coach_id in in_run]
    wanted = [(c, s) for c, s in wanted if c in {p.coach_id for p in plans}]
    run.reruns += 1
    run.settings = {**run.settings, "already_placed": _kept(placed)}
    _allocate(session, run, plans, locks=wanted, today=today)
    audit.record(session, "allocation.rerun", actor=admin, subject=run,
                 details={"locked": len(wanted), "reruns": run.reruns, **_tally(run)})
    return run


def rerun_with_choices(session: Session, admin: User, run_id: int, choices: dict[int, str],
                       locked: list[int], *, today: date | None = None) -> AllocationRun:
    """Re-run from what the admin typed: per coach a coach developer, and the locked coaches.

    Each typed choice is resolved to exactly one supporter of the run's pool
    (by number, or by name with place or club), else it is refused beside its
    field (``supporter-<coach id>``) and nothing changes. A coach given someone
    other than the proposal's is moved, and so locked; a ticked lock with
    nothing typed keeps the proposed pair.
    """
    today = today or date.today()
    run = _run(session, admin, run_id)
    _must_be_proposed(run)
    current = {p.coach_id: p.supporter_id for p in run.placements}
    members = _members(session, run, Counter(), today)
    locks, problems = [], {}
    strangers = [c for c in {*locked, *choices} if c not in current]
    if strangers:
        problems["locks"] = [f"Coach {c} is not in this cohort." for c in sorted(strangers)]
    for coach_id, proposed in current.items():
        typed = (choices.get(coach_id) or "").strip()
        if not typed:
            # Nobody typed: a ticked lock keeps the proposed pair; else the run decides.
            if coach_id in locked and proposed is not None:
                locks.append({"coach_id": coach_id, "supporter_id": proposed})
            continue
        found = find_in_pool(members, typed)
        if len(found) != 1:
            problems[f"supporter-{coach_id}"] = [_not_one(found, typed)]
        elif coach_id in locked or found[0]["id"] != proposed:
            locks.append({"coach_id": coach_id, "supporter_id": found[0]["id"]})
    if problems:
        raise InvalidInput("Some choices do not name one coach developer of this pool.",
                           errors=problems)
    return rerun(session, admin, run_id, locks, today=today)


def what_if(session: Session, admin: User, programme: str, weights: matching.Weights, *,
            today: date | None = None) -> matching.Allocation:
    """Return what proposing ``programme`` (everyone in the pool, the default settings)
    would give under ``weights``, for the weights preview. Nothing is stored or emailed."""
    require_admin(admin)
    today = today or date.today()
    plans, _ = _cohort(session, programme.strip())
    if not plans:
        raise InvalidInput("Nobody to allocate.", errors={"programme": [
            f"No coach on “{programme.strip()}” is waiting for a coach developer."]})
    settings = {"pool": [s["id"] for s in pool(session, today=today)], "radius_km": 50.0,
                "mode": "either", "objective": "coverage", "most_per_supporter": None}
    return _proposal(session, plans, settings, [], today, weights=weights)


def _proposal(session: Session, plans: list[DevelopmentPlan], settings: dict,
              locks: list[tuple[int, int]], today: date, *,
              weights: matching.Weights | None = None) -> matching.Allocation:
    """Return ``matching.allocate``'s answer for ``plans`` and a run's ``settings``.

    Read only: the pool is the settings' supporters still searchable today,
    each with places left (at most ``most_per_supporter``); ``weights``
    default to the ones search uses.
    """
    snapshot = index_cache().get(session, today)
    cap = settings.get("most_per_supporter")
    candidates = []
    for supporter_id in settings["pool"]:
        if supporter_id not in snapshot.index:
            continue  # no longer searchable: they drop out of the pool
        candidate = snapshot.index.candidate(supporter_id)
        left = candidate.capacity_left if cap is None else min(candidate.capacity_left, cap)
        candidates.append(replace(candidate, capacity_left=left))
    index = matching.SupportIndex.build(candidates, labels=snapshot.index.labels,
                                        related_groups=snapshot.index.related_groups,
                                        roles=snapshot.index.roles, today=today)
    cohort = [matching.CohortCoach(plan.coach_id, _query(session, snapshot, plan, settings))
              for plan in plans]
    locks = [(c, s) for c, s in locks if s in index]
    try:
        return matching.allocate(cohort, index, weights or snapshot.weights, locked=locks,
                                 objective=settings["objective"])
    except matching.InvalidLock as err:
        raise InvalidInput("Some locked pairs cannot be kept.",
                           errors={"locks": [_lock_message(session, err.message)]}) from err


def _allocate(session: Session, run: AllocationRun, plans: list[DevelopmentPlan],
              locks: list[tuple[int, int]], today: date) -> None:
    """Run ``matching.allocate`` and store its proposal in the run."""
    allocation = _proposal(session, plans, run.settings, locks, today)
    plan_of = {p.coach_id: p.id for p in plans}
    run.placements = []
    session.flush()
    for a in allocation.assignments:
        run.placements.append(AllocationPlacement(
            coach_id=a.coach_id, plan_id=plan_of[a.coach_id], supporter_id=a.supporter_id,
            score=round(a.score, 4), reasons=list(a.reasons), locked=a.locked))
    for u in allocation.unassigned:
        run.placements.append(AllocationPlacement(
            coach_id=u.coach_id, plan_id=plan_of[u.coach_id], supporter_id=None,
            reasons=[], unplaced_reason=u.reason, locked=False))
    run.total_score = round(allocation.total_score, 4)
    session.flush()


def _lock_message(session: Session, message: str) -> str:
    """Name the supporter in matching's lock message ("supporter 7 has 1 places free...")."""
    words = message.split()
    if len(words) > 1 and words[0] == "supporter" and words[1].isdigit():
        profile = session.get(SupporterProfile, int(words[1]))
        if profile is not None:
            left = message.split(" has ", 1)[1] if " has " in message else message
            return f"{profile.user.display_name} has {left}."
    return message[:1].upper() + message[1:] + "."


def discard(session: Session, admin: User, run_id: int) -> AllocationRun:
    """Set a proposal aside; it stays listed, and can no longer be published."""
    run = _run(session, admin, run_id, lock=True)
    _must_be_proposed(run)
    run.status = "discarded"
    audit.record(session, "allocation.discarded", actor=admin, subject=run, details=_tally(run))
    session.flush()
    return run


# --- publication ----------------------------------------------------------------------


def publish_preview(session: Session, admin: User, run_id: int, *,
                    today: date | None = None) -> dict:
    """Say exactly what publishing would do: pairings created, who is emailed, what blocks it.

    Read only: the same checks as :func:`publish`, without taking any lock, so
    the admin sees a refusal before confirming rather than after.
    """
    today = today or date.today()
    run = _run(session, admin, run_id)
    if run.status == "published":
        raise Conflict("This allocation was published already: its engagements exist.")
    _must_be_proposed(run)
    pairs = [p for p in run.placements if p.supporter_id is not None]
    profiles = {sid: session.get(SupporterProfile, sid) for sid in {p.supporter_id for p in pairs}}
    problems = _problems(session, run, pairs, profiles, today) if pairs else [
        "Nothing to publish: no coach is paired in this proposal."]
    told = _told_unplaced(session, run)
    counting = _counting(session, run, run.placements)
    label = {m["id"]: m["label"] for m in _members(
        session, run, Counter(p.supporter_id for p in pairs), today)}
    by_supporter: dict[int, list[dict]] = {}
    for p in sorted(pairs, key=lambda p: p.coach.display_name.casefold()):
        by_supporter.setdefault(p.supporter_id, []).append(
            {"id": p.coach_id, "name": p.coach.display_name})
    return {
        "id": run.id, "programme": run.programme,
        "engagements": len(pairs), "coaches_emailed": len(pairs),
        "coach_developers_emailed": len(by_supporter), "unpaired_emailed": len(told),
        "emails": len(pairs) + len(by_supporter) + len(told),
        "sentence": _publish_sentence(len(pairs), len(by_supporter), len(told)),
        "problems": problems, "can_publish": not problems,
        "by_coach_developer": sorted(
            ({"supporter": {"id": sid, "name": profiles[sid].user.display_name,
                            "label": label.get(sid, profiles[sid].user.display_name)},
              "coaches": coaches} for sid, coaches in by_supporter.items()),
            key=lambda row: (row["supporter"]["name"].casefold(), row["supporter"]["id"])),
        "unpaired": [{"id": p.coach_id, "name": p.coach.display_name} for p in told],
        "counts": {k: counting[k] for k in COUNTS}, "summary": counting["summary"],
    }


def _publish_sentence(pairs: int, supporters: int, unpaired: int) -> str:
    def n(count, one, many):
        return f"{count} {one if count == 1 else many}"

    told = (f"; {n(unpaired, 'coach', 'coaches')} not paired {'is' if unpaired == 1 else 'are'} "
            "told that nobody was found yet" if unpaired else "")
    return (f"This creates {n(pairs, 'pairing', 'pairings')} and emails "
            f"{n(pairs, 'coach', 'coaches')} and "
            f"{n(supporters, 'coach developer', 'coach developers')}{told}.")


def _problems(session: Session, run: AllocationRun, pairs: list[AllocationPlacement],
              profiles: dict[int, SupporterProfile], today: date) -> list[str]:
    """Return why the proposed pairs no longer fit (read now, not from the search index)."""
    wanted = Counter(p.supporter_id for p in pairs)
    problems = []
    for supporter_id in sorted(wanted):
        profile = profiles[supporter_id]
        name = profile.user.display_name
        # Read now, not from the search index: publishing shares contact details.
        if not is_searchable(session, profile, today):
            problems.append(f"{name} can no longer be allocated (not searchable today).")
            continue
        left = places_left(session, profile)
        if left < wanted[supporter_id]:
            problems.append(f"{name} has {max(left, 0)} {'place' if left == 1 else 'places'} "
                            f"left but {wanted[supporter_id]} coaches are proposed.")
    engaged = _engaged(session, {p.coach_id for p in pairs})
    plans, _ = _cohort(session, run.programme)
    on_programme = {p.coach_id for p in plans}
    for p in pairs:
        if p.coach.deleted_at is not None or not p.coach.active:
            problems.append("A coach of this proposal has closed their account.")
        elif p.coach_id in engaged:
            problems.append(f"{p.coach.display_name} now works with a coach developer "
                            "already.")
        elif p.coach_id not in on_programme:
            problems.append(f"{p.coach.display_name} is no longer on {run.programme}.")
    return problems


def _told_unplaced(session: Session, run: AllocationRun) -> list[AllocationPlacement]:
    """Return the unpaired coaches publishing tells that nobody was found yet.

    Not those who closed their account or found a coach developer meanwhile.
    """
    unplaced = [p for p in run.placements if p.supporter_id is None
                and p.coach.deleted_at is None and p.coach.active]
    engaged = _engaged(session, {p.coach_id for p in unplaced})
    return [p for p in unplaced if p.coach_id not in engaged]


def publish(session: Session, admin: User, run_id: int, *, today: date | None = None,
            now: datetime | None = None) -> AllocationRun:
    """Create the proposed engagements and email everyone, all or nothing.

    Each supporter's row is locked (in id order, the same lock as accepting a
    request), then their places are counted: if any pair no longer fits,
    nothing is created and the refusal says why. :func:`publish_preview` says
    beforehand what this does.
    """
    today = today or date.today()
    now = now or datetime.now(UTC)
    run = _run(session, admin, run_id, lock=True)
    if run.status == "published":
        raise Conflict("This allocation was published already: its engagements exist.")
    _must_be_proposed(run)
    pairs = [p for p in run.placements if p.supporter_id is not None]
    if not pairs:
        raise Conflict("Nothing to publish: no coach is paired in this proposal.")
    role = session.scalar(select(SupportRole).where(SupportRole.key == run.role_key))
    profiles = {sid: lock_supporter(session, sid) for sid in sorted({p.supporter_id
                                                                      for p in pairs})}
    problems = _problems(session, run, pairs, profiles, today)
    if problems:
        raise Conflict("This proposal no longer fits, so nothing was published: "
                       + " ".join(problems) + " Re-run it to make a new proposal.",
                       errors={"placements": problems})

    told = _told_unplaced(session, run)
    for p in pairs:
        engagement = Engagement(coach_id=p.coach_id, supporter_id=p.supporter_id,
                                role_id=role.id, plan_id=p.plan_id, status="active",
                                started_on=today)
        session.add(engagement)
        session.flush()
        p.engagement_id = engagement.id
    run.status = "published"
    run.published_at = now
    run.published_by_id = admin.id
    session.flush()
    audit.record(session, "allocation.published", actor=admin, subject=run, details={
        "engagements": len(pairs), "coaches_emailed": len(pairs),
        "coach_developers_emailed": len(profiles), "unpaired_emailed": len(told)})
    _announce(session, run, pairs, told, role, profiles, now)
    for profile in profiles.values():
        if places_left(session, profile) <= 0:
            close_when_full(session, profile, now)
    return run


def _announce(session: Session, run: AllocationRun, pairs: list[AllocationPlacement],
              told: list[AllocationPlacement], role: SupportRole,
              profiles: dict[int, SupporterProfile], now: datetime) -> None:
    caseload_url = mailer.absolute_url("caseload.dashboard")
    for p in pairs:
        supporter = profiles[p.supporter_id].user
        mailer.queue(session, to=p.coach, kind="allocation_paired",
                     subject=f"Your coach developer for {run.programme}: {supporter.display_name}",
                     template="allocation_paired_coach",
                     context={"run": run, "supporter": supporter, "role": role,
                              "url": mailer.absolute_url("caseload.plan_detail",
                                                         plan_id=p.plan_id)
                              if p.plan_id else caseload_url}, now=now)
    by_supporter: dict[int, list[User]] = {}
    for p in pairs:
        by_supporter.setdefault(p.supporter_id, []).append(p.coach)
    for supporter_id, coaches in by_supporter.items():
        supporter = profiles[supporter_id].user
        mailer.queue(session, to=supporter, kind="allocation_paired",
                     subject=f"{run.programme}: your {len(coaches)} new "
                             f"{'coach' if len(coaches) == 1 else 'coaches'}",
                     template="allocation_paired_supporter",
                     context={"run": run, "coaches": coaches, "url": caseload_url}, now=now)
    for p in told:
        mailer.queue(session, to=p.coach, kind="allocation_unplaced",
                     subject=f"{run.programme}: no coach developer yet",
                     template="allocation_unplaced",
                     context={"run": run, "reason": p.unplaced_reason,
                              "search_url": mailer.absolute_url("web.search")}, now=now)


# --- reading --------------------------------------------------------------------------


def overview(session: Session, admin: User, *, today: date | None = None) -> dict:
    """Return what the allocation page starts from: runs, programmes (cohorts) and the pool."""
    return {"runs": runs(session, admin), "programmes": cohorts(session),
            "pool": pool(session, today=today)}


def runs(session: Session, admin: User) -> list[dict]:
    """Return every allocation run, newest first, counted as its page counts it."""
    require_admin(admin)
    found = session.scalars(select(AllocationRun).options(
        selectinload(AllocationRun.placements).selectinload(AllocationPlacement.coach))
        .order_by(AllocationRun.id.desc())).all()
    live: dict[str, tuple] = {}  # one cohort query per programme with a proposal open
    return [{"id": r.id, "programme": r.programme, "status": r.status,
             "created_at": r.created_at, "published_at": r.published_at,
             "coaches": len(r.placements), **_counting(session, r, r.placements, live)}
            for r in found]


def _counting(session: Session, run: AllocationRun, placements: list[AllocationPlacement],
              live: dict | None = None) -> dict:
    """Return a run's cohort counted whole: paired, not paired, already placed, and changes.

    The cohort is the run's coaches plus those of the programme who already
    had a coach developer. For a proposal that is read now (so the counts agree
    with the programme today, and what changed since is said); once published
    or set aside, as it was at its last run.
    """
    in_run = {p.coach_id for p in placements}
    changes = {"joined": [], "placed": [], "left": []}
    if run.status == "proposed":
        if live is None or run.programme not in live:
            found = _cohort(session, run.programme)
            if live is not None:
                live[run.programme] = found
        else:
            found = live[run.programme]
        plans, placed = found
        already = [x for x in placed if x["coach"]["id"] not in in_run]
        changes["placed"] = [x["coach"] for x in placed if x["coach"]["id"] in in_run]
        changes["joined"] = [{"id": p.coach_id, "name": p.coach.display_name}
                             for p in plans if p.coach_id not in in_run]
        still = {p.coach_id for p in plans} | {x["coach"]["id"] for x in placed}
        changes["left"] = [{"id": p.coach_id, "name": p.coach.display_name}
                           for p in placements if p.coach_id not in still]
    else:
        already = _already_placed(session, run.settings.get("already_placed") or [])
    paired = sum(1 for p in placements if p.supporter_id is not None)
    unpaired = len(placements) - paired
    cohort = len(placements) + len(already)
    words = [f"{paired} of {cohort} {'coach' if cohort == 1 else 'coaches'} paired"]
    if already:
        words.append(f"{len(already)} already placed")
    if unpaired:
        words.append(f"{unpaired} not paired")
    return {"cohort": cohort, "paired": paired, "unpaired": unpaired,
            "already_placed": len(already), "summary": "; ".join(words),
            "left_out": already, "changes": changes}


def _already_placed(session: Session, kept: list[dict]) -> list[dict]:
    """Name the coaches a run kept as already placed (by id) when it was made."""
    coaches = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_([k["coach_id"] for k in kept]))).all()) if kept else {}
    supporters = {sid: d["name"] for sid, d in _describe(
        session, {k["supporter_id"] for k in kept if k.get("supporter_id")}).items()}
    return [_placed(k["coach_id"], coaches.get(k["coach_id"], DELETED_NAME), k.get("supporter_id"),
                    supporters.get(k.get("supporter_id"), DELETED_NAME), "already had")
            for k in kept]


def _members(session: Session, run: AllocationRun, proposed: Counter,
             today: date) -> list[dict]:
    """Return the run's pool, each with places left today, proposed here, and a label."""
    available = {s["id"]: s for s in pool(session, today=today)}
    described = _describe(session, run.settings["pool"])
    members = []
    for sid in run.settings["pool"]:
        member = dict(available.get(sid) or {**described.get(sid, {
            "id": sid, "name": DELETED_NAME, "near": None, "place": None, "club": None,
            "capacity": 0, "online": False}), "places_left": 0, "event_groups": []})
        member.update(proposed=proposed.get(sid, 0), most=run.settings.get("most_per_supporter"))
        members.append(member)
    members.sort(key=lambda m: (m["name"].casefold(), m["id"]))
    # Once published or set aside, "proposed" no longer means anything to the reader.
    return _labelled(members, proposed=proposed if run.status == "proposed" else None)


def run_view(session: Session, admin: User, run_id: int, *, today: date | None = None) -> dict:
    """Return a run side by side: pairs with scores and reasons, the unplaced, the pool.

    ``counts`` and ``summary`` count the whole cohort ("9 of 12 coaches paired;
    3 already placed"), as the list of runs and the publication preview do.
    """
    today = today or date.today()
    run = _run(session, admin, run_id)
    placements = session.scalars(
        select(AllocationPlacement).where(AllocationPlacement.run_id == run.id)
        .options(selectinload(AllocationPlacement.coach),
                 selectinload(AllocationPlacement.supporter).selectinload(SupporterProfile.user))
        .order_by(AllocationPlacement.id)).all()
    proposed = Counter(p.supporter_id for p in placements if p.supporter_id is not None)
    members = _members(session, run, proposed, today)
    label = {m["id"]: m["label"] for m in members}
    details = {m["id"]: m["details"] for m in members}
    counting = _counting(session, run, placements)

    def coach(p):
        return {"id": p.coach_id, "name": p.coach.display_name}

    paired = [{"placement_id": p.id, "coach": coach(p), "plan_id": p.plan_id,
               "supporter": {"id": p.supporter_id, "name": p.supporter.user.display_name,
                             "label": label.get(p.supporter_id, p.supporter.user.display_name),
                             "details": details.get(p.supporter_id, "")},
               "score": p.score, "reasons": p.reasons or [], "locked": p.locked,
               "engagement_id": p.engagement_id}
              for p in placements if p.supporter_id is not None]
    return {
        "id": run.id, "programme": run.programme, "status": run.status,
        "settings": run.settings, "total_score": run.total_score, "reruns": run.reruns,
        "created_at": run.created_at, "published_at": run.published_at,
        "counts": {k: counting[k] for k in COUNTS},
        "summary": counting["summary"], "changes": counting["changes"],
        "pairs": sorted(paired, key=lambda p: (p["supporter"]["name"].casefold(),
                                               p["coach"]["name"].casefold())),
        "unplaced": [{"placement_id": p.id, "coach": coach(p), "reason": p.unplaced_reason}
                     for p in placements if p.supporter_id is None],
        "pool": members,
        "left_out": counting["left_out"],
        "can": ["rerun", "publish", "discard"] if run.status == "proposed" else [],
    }
