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
from app.services.request_closing import close_when_full
from app.services.search import Origin, build_query, index_cache

ROLE = "coach_developer"
NOT_FOUND = "No allocation with that id."


# --- the pool and the cohort ----------------------------------------------------------


def pool(session: Session, *, today: date | None = None) -> list[dict]:
    """Return the coach developers who may be allocated: searchable, granted, places left.

    Read from the search index, so eligibility (verified, checks in date,
    visible, not paused) and places left are exactly what search uses.
    """
    today = today or date.today()
    snapshot = index_cache().get(session, today)
    granted = set(session.scalars(
        select(SupporterProfile.id).join(UserRole, UserRole.user_id == SupporterProfile.user_id)
        .where(UserRole.role == ROLE)))
    found = []
    for supporter_id in snapshot.index.ids.tolist():
        candidate = snapshot.index.candidate(supporter_id)
        if ROLE in candidate.roles and supporter_id in granted and candidate.capacity_left > 0:
            card = snapshot.cards[supporter_id]
            found.append({"id": supporter_id, "name": card["name"], "near": card["near"],
                          "place": card["place"], "online": card["online"],
                          "places_left": candidate.capacity_left,
                          "event_groups": [g["name"] for g in card["event_groups"]]})
    return sorted(found, key=lambda s: (s["name"].casefold(), s["id"]))


def _cohort(session: Session, programme: str) -> tuple[list[DevelopmentPlan], list[dict]]:
    """Return the programme's plans to allocate, and the coaches left out (and why)."""
    plans = session.scalars(
        select(DevelopmentPlan).join(User, User.id == DevelopmentPlan.coach_id)
        .where(DevelopmentPlan.programme == programme,
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES),
               User.active.is_(True), User.deleted_at.is_(None))
        .options(selectinload(DevelopmentPlan.coach))
        .order_by(DevelopmentPlan.coach_id, DevelopmentPlan.id.desc())).all()
    engaged = dict(session.execute(
        select(Engagement.coach_id, User.display_name)
        .join(SupportRole, SupportRole.id == Engagement.role_id)
        .join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .join(User, User.id == SupporterProfile.user_id)
        .where(Engagement.status == "active", SupportRole.key == ROLE,
               Engagement.coach_id.in_([p.coach_id for p in plans]))).all()) if plans else {}
    chosen, left_out, seen = [], [], set()
    for plan in plans:
        if plan.coach_id in seen:
            continue  # an older open plan of the same coach
        seen.add(plan.coach_id)
        if plan.coach_id in engaged:
            left_out.append({"coach": {"id": plan.coach_id, "name": plan.coach.display_name},
                             "reason": f"already works with {engaged[plan.coach_id]} as their "
                                       "coach developer"})
        else:
            chosen.append(plan)
    return chosen, left_out


def _query(session: Session, snapshot, plan: DevelopmentPlan, settings: dict):
    """Build the coach's ``matching.Query`` as a search from their profile and plan would."""
    profile = session.scalar(select(CoachProfile).where(CoachProfile.user_id == plan.coach_id))
    needs = [f"{pn.need.key}:{pn.priority}"
             for pn in sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
             if pn.need.key in snapshot.taxonomy.needs]
    mode = settings["mode"]
    if profile is not None and profile.latitude is not None:
        origin = Origin(profile.place_label or "", "postcode", profile.outward_code,
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
    plans, _ = _cohort(session, programme)
    if not plans:
        raise InvalidInput("Nobody to allocate.", errors={"programme": [
            f"No coach on “{programme}” is waiting for a coach developer."]})
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
                            "most_per_supporter": args.get("most_per_supporter")})
    session.add(run)
    session.flush()
    _allocate(session, run, plans, locks=[], today=today)
    audit.record(session, "allocation.proposed", actor=admin, subject=run,
                 details={"programme": programme, "coaches": len(plans)})
    return run


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
    plans, _ = _cohort(session, run.programme)
    # Coaches who joined the programme since stay out of this run; start a new one for them.
    plans = [p for p in plans if p.coach_id in in_run]
    wanted = [(c, s) for c, s in wanted if c in {p.coach_id for p in plans}]
    run.reruns += 1
    _allocate(session, run, plans, locks=wanted, today=today)
    audit.record(session, "allocation.rerun", actor=admin, subject=run,
                 details={"locked": len(wanted)})
    return run


def _allocate(session: Session, run: AllocationRun, plans: list[DevelopmentPlan],
              locks: list[tuple[int, int]], today: date) -> None:
    """Run ``matching.allocate`` and store its proposal in the run."""
    settings = run.settings
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
        allocation = matching.allocate(cohort, index, snapshot.weights, locked=locks,
                                       objective=settings["objective"])
    except matching.InvalidLock as err:
        raise InvalidInput("Some locked pairs cannot be kept.",
                           errors={"locks": [_lock_message(session, err.message)]}) from err

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
    audit.record(session, "allocation.discarded", actor=admin, subject=run)
    session.flush()
    return run


# --- publication ----------------------------------------------------------------------


def publish(session: Session, admin: User, run_id: int, *, today: date | None = None,
            now: datetime | None = None) -> AllocationRun:
    """Create the proposed engagements and email everyone, all or nothing.

    Each supporter's row is locked (in id order, the same lock as accepting a
    request), then their places are counted: if any pair no longer fits,
    nothing is created and the refusal says why.
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
    wanted = Counter(p.supporter_id for p in pairs)

    problems = []
    profiles = {}
    for supporter_id in sorted(wanted):
        profile = lock_supporter(session, supporter_id)
        profiles[supporter_id] = profile
        name = profile.user.display_name
        # Read now, not from the search index: publishing shares contact details.
        if not is_searchable(session, profile, today):
            problems.append(f"{name} can no longer be allocated (not searchable today).")
            continue
        left = places_left(session, profile)
        if left < wanted[supporter_id]:
            problems.append(f"{name} has {max(left, 0)} {'place' if left == 1 else 'places'} "
                            f"left but {wanted[supporter_id]} coaches are proposed.")
    engaged = set(session.scalars(
        select(Engagement.coach_id).where(
            Engagement.status == "active", Engagement.role_id == role.id,
            Engagement.coach_id.in_([p.coach_id for p in pairs]))))
    for p in pairs:
        if p.coach.deleted_at is not None or not p.coach.active:
            problems.append("A coach of this proposal has closed their account.")
        elif p.coach_id in engaged:
            problems.append(f"{p.coach.display_name} now works with a coach developer "
                            "already.")
    if problems:
        raise Conflict("This proposal no longer fits, so nothing was published: "
                       + " ".join(problems) + " Re-run it to make a new proposal.",
                       errors={"placements": problems})

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
    audit.record(session, "allocation.published", actor=admin, subject=run,
                 details={"engagements": len(pairs)})
    _announce(session, run, pairs, role, profiles, now)
    for profile in profiles.values():
        if places_left(session, profile) <= 0:
            close_when_full(session, profile, now)
    return run


def _announce(session: Session, run: AllocationRun, pairs: list[AllocationPlacement],
              role: SupportRole, profiles: dict[int, SupporterProfile], now: datetime) -> None:
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
    for p in run.placements:
        if p.supporter_id is None:
            mailer.queue(session, to=p.coach, kind="allocation_unplaced",
                         subject=f"{run.programme}: no coach developer yet",
                         template="allocation_unplaced",
                         context={"run": run, "reason": p.unplaced_reason,
                                  "search_url": mailer.absolute_url("web.search")}, now=now)


# --- reading --------------------------------------------------------------------------


def overview(session: Session, admin: User, *, today: date | None = None) -> dict:
    """Return what the allocation page starts from: runs, programmes and the pool."""
    from app.services.plans import programmes

    return {"runs": runs(session, admin), "programmes": programmes(session),
            "pool": pool(session, today=today)}


def runs(session: Session, admin: User) -> list[dict]:
    """Return every allocation run, newest first."""
    require_admin(admin)
    found = session.scalars(select(AllocationRun).options(
        selectinload(AllocationRun.placements)).order_by(AllocationRun.id.desc())).all()
    return [{"id": r.id, "programme": r.programme, "status": r.status,
             "created_at": r.created_at, "published_at": r.published_at,
             "coaches": len(r.placements),
             "paired": sum(1 for p in r.placements if p.supporter_id is not None)}
            for r in found]


def run_view(session: Session, admin: User, run_id: int, *, today: date | None = None) -> dict:
    """Return a run side by side: pairs with scores and reasons, the unplaced, the pool."""
    today = today or date.today()
    run = _run(session, admin, run_id)
    placements = session.scalars(
        select(AllocationPlacement).where(AllocationPlacement.run_id == run.id)
        .options(selectinload(AllocationPlacement.coach),
                 selectinload(AllocationPlacement.supporter).selectinload(SupporterProfile.user))
        .order_by(AllocationPlacement.id)).all()
    names = dict(session.execute(
        select(SupporterProfile.id, User.display_name).join(
            User, User.id == SupporterProfile.user_id)
        .where(SupporterProfile.id.in_(run.settings["pool"]))).all())
    proposed = Counter(p.supporter_id for p in placements if p.supporter_id is not None)
    available = {s["id"]: s["places_left"] for s in pool(session, today=today)}
    _, left_out = _cohort(session, run.programme) if run.status == "proposed" else (None, [])

    def coach(p):
        return {"id": p.coach_id, "name": p.coach.display_name}

    paired = [{"placement_id": p.id, "coach": coach(p), "plan_id": p.plan_id,
               "supporter": {"id": p.supporter_id, "name": p.supporter.user.display_name},
               "score": p.score, "reasons": p.reasons or [], "locked": p.locked,
               "engagement_id": p.engagement_id}
              for p in placements if p.supporter_id is not None]
    return {
        "id": run.id, "programme": run.programme, "status": run.status,
        "settings": run.settings, "total_score": run.total_score, "reruns": run.reruns,
        "created_at": run.created_at, "published_at": run.published_at,
        "pairs": sorted(paired, key=lambda p: (p["supporter"]["name"].casefold(),
                                               p["coach"]["name"].casefold())),
        "unplaced": [{"placement_id": p.id, "coach": coach(p), "reason": p.unplaced_reason}
                     for p in placements if p.supporter_id is None],
        "pool": [{"id": sid, "name": names.get(sid, DELETED_NAME),
                  "proposed": proposed.get(sid, 0),
                  "places_left": available.get(sid, 0),
                  "most": run.settings.get("most_per_supporter")}
                 for sid in sorted(run.settings["pool"], key=lambda i: names.get(i, ""))],
        "left_out": left_out,
        "can": ["rerun", "publish", "discard"] if run.status == "proposed" else [],
    }
