"""Writing the demo population: named accounts to try each role, then the crowd."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

import geodata
from app.demo.demand import seed_search_demand
from app.demo.history import seed_request_history
from app.demo.world import (
    DEMO_PASSWORD,
    GOALS,
    PILOT_COHORT,
    PILOT_PROGRAMME,
    ROLE_WEIGHTS,
    World,
    bio_for,
    club_name,
    email_for,
    person_name,
    phone_number,
)
from app.models import (
    CoachProfile,
    DevelopmentPlan,
    Engagement,
    GoalProgress,
    LogComment,
    PlanGoal,
    PlanNeed,
    PlanReview,
    ProfileChange,
    ReflectiveLogEntry,
    SupporterProfile,
    User,
    UserRole,
    WidgetKey,
)
from app.models.profiles import (
    coach_event_groups,
    supporter_event_groups,
    supporter_expertise,
    supporter_roles,
)
from app.services import passwords
from app.services.plan_access import default_review_dates
from app.services.taxonomy import seed_taxonomy


@dataclass
class DemoCounts:
    supporters: int
    coaches: int
    engagements: int
    created: bool


def seed_demo(
    session: Session,
    *,
    seed: int = 2026,
    supporters: int = 2000,
    coaches: int = 500,
    us_share: float = 0.08,
    today: date | None = None,
) -> DemoCounts:
    """Create the demo population unless one is already there.

    ``supporters`` and ``coaches`` count Great Britain and the US together
    (``us_share`` of each is in the US). Dates are relative to ``today`` so the
    demo always has supporters in date, and a few just expired.
    """
    existing = session.scalar(select(func.count()).select_from(User).where(User.is_demo))
    if existing:
        return _counts(session, created=False)

    seed_taxonomy(session)
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    world = World.load(session, rng)
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    # Midnight: every stamp is already past whenever today's seeding runs.
    now = datetime.combine(today, time(0, 0), tzinfo=UTC)

    _seed_named_accounts(session, world, password_hash, now)
    n_us_sup = round(supporters * us_share)
    n_us_coach = round(coaches * us_share)
    supporter_ids = _seed_supporters(session, world, rng, password_hash, now, today,
                                     gb=supporters - n_us_sup, us=n_us_sup)
    coach_ids = _seed_coaches(session, world, rng, password_hash, now,
                              gb=coaches - n_us_coach, us=n_us_coach)
    with_plans = _seed_plans_and_engagements(session, world, rng, today, supporter_ids,
                                             coach_ids)
    _seed_pilot_cohort(session, world, rng, today, coach_ids[with_plans:])
    seed_request_history(session, rng, now, coach_ids)
    session.flush()  # the database's triggers tell every search index
    seed_search_demand(session, world, rng, today)
    _seed_widget_key(session, now)
    return _counts(session, created=True)


def _seed_widget_key(session: Session, now: datetime) -> None:
    """A club's widget key, so the admin's widget page has its embed code and a preview."""
    from app.services.widget_keys import new_key

    session.add(WidgetKey(
        key=new_key(), club_name="Headingley Harriers (demo)", created_at=now,
        allowed_origins=["http://127.0.0.1:5000", "http://localhost:5000"],
        presets={"where": "LS6 3QS", "radius_km": 25}, rate_limit_per_minute=60))


def _counts(session: Session, *, created: bool) -> DemoCounts:
    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return DemoCounts(
        supporters=count(SupporterProfile, SupporterProfile.user_id.in_(
            select(User.id).where(User.is_demo))),
        coaches=count(CoachProfile, CoachProfile.user_id.in_(select(User.id).where(User.is_demo))),
        engagements=count(Engagement),
        created=created,
    )


def _insert_user(session, *, email, name, password_hash, phone, now, roles) -> int:
    user_id = session.execute(
        insert(User).returning(User.id),
        [{"email": email, "display_name": name, "password_hash": password_hash,
          "phone": phone, "email_verified_at": now, "created_at": now, "is_demo": True,
          "active": True, "session_version": 1}],
    ).scalar_one()
    session.execute(insert(UserRole), [{"user_id": user_id, "role": r, "granted_at": now}
                                       for r in roles])
    return user_id


def _seed_named_accounts(session, world: World, password_hash: str, now: datetime) -> None:
    """Accounts with known emails, so a newcomer can sign in as each kind of user.

    They live around Leeds: the coach in Headingley, looking for jumps support;
    a verified mentor nearby; a coach developer already working with the coach.
    """
    ids = {}
    accounts = [
        ("admin@example.org", "Programme Admin", ["admin"]),
        ("coach@example.org", "Demo Coach", ["coach"]),
        ("supporter@example.org", "Demo Supporter", ["supporter"]),
        ("developer@example.org", "Demo Coach Developer", ["supporter", "coach_developer"]),
    ]
    for email, name, roles in accounts:
        ids[email] = _insert_user(session, email=email, name=name, password_hash=password_hash,
                                  phone="07700 900000", now=now, roles=roles)
    today = now.date()
    ladder = {q.key: q for q in world.ladders["GB"]}

    def at(lat: float, lon: float) -> dict:
        loc = geodata.nearest_postcodes(lat, lon, k=1)[0]
        return {"latitude": loc.lat, "longitude": loc.lon, "postcode": loc.postcode,
                "outward_code": loc.outward_code, "country": "GB"}

    coach = CoachProfile(user_id=ids["coach@example.org"], club="Leeds City AC",
                         place_label="Leeds",
                         qualification_id=ladder["uk_sessional_coach"].id,
                         **at(53.8263, -1.5907))
    session.add(coach)
    session.flush()
    session.execute(insert(coach_event_groups), [
        {"coach_id": coach.id, "event_group_id": world.groups["jumps"]}])

    def supporter(email, *, roles, groups, needs, qualification, capacity, where, bio):
        profile_id = session.execute(insert(SupporterProfile).returning(SupporterProfile.id), [{
            "user_id": ids[email], "qualification_id": ladder[qualification].id,
            "years_coaching": 14, "club": "Leeds City AC", "bio": bio,
            **world.publicly(where),
            "travel_km": 25.0, "offers_online": True, "capacity": capacity,
            "safeguarding_expires_on": today + timedelta(days=400),
            "licence_expires_on": today + timedelta(days=500),
            "verified_at": now, "visible": True, "paused": False, "last_active_at": now,
            "created_at": now, "updated_at": now, **where}]).scalar_one()
        session.execute(insert(supporter_roles), [
            {"supporter_id": profile_id, "role_id": world.roles[k]} for k in roles])
        session.execute(insert(supporter_event_groups), [
            {"supporter_id": profile_id, "event_group_id": world.groups[k]} for k in groups])
        session.execute(insert(supporter_expertise), [
            {"supporter_id": profile_id, "need_id": world.needs[k]} for k in needs])
        return profile_id

    supporter("supporter@example.org", roles=["mentor", "technical_advisor"],
              groups=["jumps", "sprints_hurdles_relays"],
              needs=["technical_model", "strength_power", "teaching_skills"],
              qualification="uk_coach", capacity=3, where=at(53.7960, -1.5470),
              bio="Long and triple jump coach at Leeds City AC. I enjoy helping coaches build "
                  "a clear technical model and safe strength work for young jumpers.")
    developer = supporter(
        "developer@example.org", roles=["coach_developer", "mentor"],
        groups=["jumps", "combined_events"],
        needs=["training_planning", "reflective_practice", "peaking_competition"],
        qualification="uk_advanced_coach", capacity=2, where=at(53.7950, -1.7520),
        bio="Coach developer on the Advanced Coach pilot. Periodisation, reflective practice "
            "and preparing athletes to peak.")

    _seed_caseload(session, world, password_hash, now, coach_id=ids["coach@example.org"],
                   developer_id=ids["developer@example.org"], developer_profile_id=developer,
                   at=at, ladder=ladder)


def _seed_caseload(session, world: World, password_hash, now, *, coach_id, developer_id,
                   developer_profile_id, at, ladder) -> None:
    """The demo coach developer's full caseload (2 of 2): one coach on track, one overdue.

    The demo coach is two months into a plan with a log the developer has
    commented on; the second coach has let the log lapse and missed the
    three-month review, so the dashboard shows both kinds of overdue.
    """
    today = now.date()
    second_id = _insert_user(session, email="priya.shah@example.org", name="Priya Shah",
                             password_hash=password_hash, phone="07700 900001", now=now,
                             roles=["coach"])
    second = CoachProfile(user_id=second_id, club="Bradford Airedale AC", place_label="Bradford",
                          qualification_id=ladder["uk_coach"].id, **at(53.8390, -1.7800))
    session.add(second)
    session.flush()
    session.execute(insert(coach_event_groups), [
        {"coach_id": second.id, "event_group_id": world.groups[k]}
        for k in ("combined_events", "jumps")])

    plans = [
        _named_plan(world, coach_id, "Jumps: my next season", today, started_days_ago=60,
                    needs=(("technical_model", 5), ("training_planning", 4),
                           ("strength_power", 3)),
                    goals=(("technical_model", "in_progress",
                            "A written model my athletes and I can both explain", 90),
                           ("training_planning", "not_started",
                            "An annual plan reviewed with my coach developer", 150))),
        _named_plan(world, second_id, "Combined events: planning the whole year", today,
                    started_days_ago=130,
                    needs=(("training_planning", 5), ("peaking_competition", 4),
                           ("reflective_practice", 3)),
                    goals=(("training_planning", "in_progress",
                            "A heptathlon year plan with every block's purpose written down",
                            60),
                           ("reflective_practice", "not_started",
                            "A log entry after every competition this season", 200))),
    ]
    session.add_all(plans)
    session.flush()
    session.execute(insert(Engagement), [{
        "coach_id": plan.coach_id, "supporter_id": developer_profile_id,
        "role_id": world.roles["coach_developer"], "plan_id": plan.id, "status": "active",
        "started_on": plan.starts_on + timedelta(days=5)} for plan in plans])

    on_track, lapsed = plans
    first = _log_entry(
        on_track, coach_id, today - timedelta(days=38), minutes=90,
        goal=on_track.goals[0],
        what_happened="Filmed the squad's long jump approach and compared it with my model.",
        reflection="Three of five athletes decelerate into the board; my cues were about the "
                   "take-off, not the last strides.",
        next_steps="Rewrite the approach cues and try a check mark at six strides out.")
    second_entry = _log_entry(
        on_track, coach_id, today - timedelta(days=9), minutes=45, goal=on_track.goals[0],
        what_happened="Ran the new check-mark drill with the under 17s.",
        reflection="Fewer fouls and a flatter last stride; the athletes could say why.",
        next_steps="Write the model down on one page and share it with the group.")
    _log_entry(
        lapsed, second_id, today - timedelta(days=30), minutes=60, goal=lapsed.goals[0],
        what_happened="Drafted the winter block for the heptathletes.",
        reflection="Too much crammed into November; the throws have no room.",
        next_steps="Spread the throws across two blocks before the review.")
    session.flush()
    session.add_all([
        LogComment(entry_id=first.id, author_id=developer_id,
                   created_at=first.created_at + timedelta(hours=14),
                   body="Good catch on the deceleration. What do your athletes feel "
                        "in the last two strides?"),
        GoalProgress(goal_id=on_track.goals[0].id, status="in_progress",
                     evidence_entry_id=second_entry.id, recorded_on=today - timedelta(days=8),
                     recorded_by_id=developer_id,
                     created_at=second_entry.created_at + timedelta(hours=14),
                     note="The drill is working; next, the written model."),
    ])


def _named_plan(world: World, coach_id, title, today, *, started_days_ago, needs, goals):
    starts = today - timedelta(days=started_days_ago)
    plan = DevelopmentPlan(coach_id=coach_id, title=title, starts_on=starts,
                           ends_on=starts + timedelta(days=360), status="active")
    plan.needs = [PlanNeed(need_id=world.needs[k], priority=p) for k, p in needs]
    plan.goals = [PlanGoal(title=GOALS[k], status=status, success_measure=measure,
                           target_date=today + timedelta(days=days))
                  for k, status, measure, days in goals]
    plan.reviews = [PlanReview(due_on=date.fromisoformat(d))
                    for d in default_review_dates(plan.starts_on, plan.ends_on)]
    return plan


def _log_entry(plan, author_id, occurred_on, *, minutes, goal, **text) -> ReflectiveLogEntry:
    entry = ReflectiveLogEntry(author_id=author_id, occurred_on=occurred_on, minutes=minutes,
                               goals=[goal], created_at=datetime.combine(
                                   occurred_on, time(20, 0), tzinfo=UTC), **text)
    plan.log_entries.append(entry)
    return entry


def _seed_supporters(session, world: World, rng, password_hash, now, today, *, gb, us):
    role_keys = sorted(world.roles)
    group_keys = sorted(world.groups)
    need_keys = sorted(world.needs)
    ids = []
    for i in range(gb + us):
        country = "GB" if i < gb else "US"
        first, last = person_name(rng)
        town, where = world.place(country)

        roles = {rng.choices(role_keys, weights=[ROLE_WEIGHTS.get(k, 1) for k in role_keys])[0]}
        if rng.random() < 0.3:
            roles.add(rng.choice(role_keys))
        if "co_coach" in roles and len(roles) == 1:
            level_range = (1, 2)
        elif "coach_developer" in roles:
            level_range = (3, 4)
        else:
            level_range = (2, 4)
        qualification = world.qualification(country, *level_range)
        groups = rng.sample(group_keys, k=rng.choices([1, 2, 3], weights=[5, 4, 1])[0])
        expertise = rng.sample(need_keys, k=rng.randint(2, 6))

        # Most are in date; a few expired (hidden) and a few about to expire.
        roll = rng.random()
        if roll < 0.05:
            safeguarding = today - timedelta(days=rng.randint(1, 200))
        elif roll < 0.09:
            safeguarding = today + timedelta(days=rng.randint(0, 30))
        else:
            safeguarding = today + timedelta(days=rng.randint(31, 1000))
        licence = today + timedelta(days=rng.randint(-60, 1100) if rng.random() < 0.04
                                    else rng.randint(60, 1100))
        verified = rng.random() >= 0.07
        paused = rng.random() < 0.04
        last_active = now - timedelta(days=rng.choice([rng.randint(0, 30), rng.randint(0, 200)]))

        name = f"{first} {last}"
        user_id = _insert_user(session, email=email_for(first, last, i), name=name,
                               password_hash=password_hash, phone=phone_number(rng, country),
                               now=now, roles=["supporter"] +
                               (["coach_developer"] if "coach_developer" in roles else []))
        years = rng.randint(2, 35)
        bio = bio_for(rng, town, years, groups, expertise, world)
        profile_id = session.execute(insert(SupporterProfile).returning(SupporterProfile.id), [{
            "user_id": user_id,
            "qualification_id": qualification.id,
            "years_coaching": years,
            "club": club_name(town, rng),
            "bio": bio,
            "public_name": name if verified else None,
            **world.publicly(where),
            "travel_km": float(rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 80])),
            "offers_online": rng.random() < 0.4,
            "capacity": rng.choices([0, 1, 2, 3, 4, 5], weights=[1, 4, 5, 3, 2, 1])[0],
            "safeguarding_expires_on": safeguarding,
            "licence_expires_on": licence,
            "verified_at": now - timedelta(days=rng.randint(1, 400)) if verified else None,
            "visible": rng.random() >= 0.02,
            "paused": paused,
            "paused_reason": "Taking a break this season" if paused else None,
            "last_active_at": last_active,
            "created_at": now, "updated_at": now,
            **where,
        }]).scalar_one()
        session.execute(insert(supporter_roles), [
            {"supporter_id": profile_id, "role_id": world.roles[k]} for k in sorted(roles)])
        session.execute(insert(supporter_event_groups), [
            {"supporter_id": profile_id, "event_group_id": world.groups[k]} for k in groups])
        session.execute(insert(supporter_expertise), [
            {"supporter_id": profile_id, "need_id": world.needs[k]} for k in expertise])
        if not verified or rng.random() < 0.01:
            # New profiles wait for their first check; a few verified ones have an
            # edited bio waiting, so the admin's queue shows both.
            session.execute(insert(ProfileChange), [{
                "profile_id": profile_id, "status": "pending", "new": not verified,
                "proposed": {} if not verified else {
                    "bio": bio + " Happy to help online too.", "years_coaching": years + 1},
                "replaced": {}, "message": "",
                "submitted_at": now - timedelta(days=rng.randint(0, 10)), "created_at": now}])
        ids.append(profile_id)
    return ids


def _seed_coaches(session, world: World, rng, password_hash, now, *, gb, us):
    group_keys = sorted(world.groups)
    ids = []
    for i in range(gb + us):
        country = "GB" if i < gb else "US"
        first, last = person_name(rng)
        town, where = world.place(country)
        qualification = world.qualification(country, 0, 3)
        user_id = _insert_user(session, email=email_for(first, last, 5000 + i),
                               name=f"{first} {last}", password_hash=password_hash,
                               phone=phone_number(rng, country), now=now, roles=["coach"])
        profile_id = session.execute(insert(CoachProfile).returning(CoachProfile.id), [{
            "user_id": user_id, "qualification_id": qualification.id,
            "club": club_name(town, rng), "place_label": town.name,
            "created_at": now, "updated_at": now, **where,
        }]).scalar_one()
        groups = rng.sample(group_keys, k=rng.choice([1, 1, 2]))
        session.execute(insert(coach_event_groups), [
            {"coach_id": profile_id, "event_group_id": world.groups[k]} for k in groups])
        ids.append(user_id)
    return ids


def _seed_plans_and_engagements(session, world, rng, today, supporter_ids, coach_ids):
    """Give some coaches plans and relationships, so some supporters are full.

    Return how many coaches (from the start of ``coach_ids``) were given plans.
    """
    with_plans = len(coach_ids) * 2 // 5
    for coach_id in coach_ids[:with_plans]:
        starts = today - timedelta(days=rng.randint(0, 200))
        plan = _random_plan(world, rng, coach_id, starts, days=rng.choice([183, 274, 365]))
        _practise(plan, rng, today)
        session.add(plan)
    session.flush()
    # Goals achieved on a day, as the coach recorded it (reports count them by that day).
    achieved = [
        {"goal_id": goal.id, "status": "achieved", "recorded_by_id": plan.coach_id,
         "recorded_on": plan.starts_on + timedelta(days=rng.randint(
             0, max(0, (today - plan.starts_on).days - 1))), "note": "Done."}
        for plan in session.scalars(select(DevelopmentPlan).where(
            DevelopmentPlan.coach_id.in_(coach_ids[:with_plans])))
        for goal in plan.goals if goal.status == "achieved"]
    if achieved:
        session.execute(insert(GoalProgress), achieved)

    # Engagements fill some supporters to capacity, so "waitlist" is visible.
    capacity = dict(session.execute(
        select(SupporterProfile.id, SupporterProfile.capacity)
        .where(SupporterProfile.id.in_(supporter_ids))).all())
    roles_of: dict[int, list[int]] = {}
    for sid, rid in session.execute(select(supporter_roles.c.supporter_id,
                                           supporter_roles.c.role_id)):
        roles_of.setdefault(sid, []).append(rid)
    rows = []
    coaches = list(coach_ids)
    for sid in rng.sample(supporter_ids, k=len(supporter_ids) // 5):
        take = capacity[sid] if rng.random() < 0.6 else rng.randint(0, capacity[sid])
        for coach_id in rng.sample(coaches, k=min(take, len(coaches))):
            rows.append({"coach_id": coach_id, "supporter_id": sid,
                         "role_id": rng.choice(sorted(roles_of[sid])),
                         "status": "active",
                         "started_on": today - timedelta(days=rng.randint(0, 300))})
    if rows:
        session.execute(insert(Engagement), rows)
    return with_plans


def _practise(plan: DevelopmentPlan, rng, today: date) -> None:
    """A few reflective log entries since the plan began, about its goals."""
    running = (today - plan.starts_on).days
    for _ in range(rng.randint(0, min(6, running // 14))):
        on = plan.starts_on + timedelta(days=rng.randint(0, running - 1))
        _log_entry(plan, plan.coach_id, on, minutes=rng.choice([20, 30, 45, 60, 90]),
                   goal=rng.choice(plan.goals),
                   what_happened="Tried a new drill from my plan with the squad.",
                   reflection="Worked better once I cut the explanation down.")


def _random_plan(world: World, rng, coach_id: int, starts: date, *, days: int,
                 status: str = "active", programme: str | None = None) -> DevelopmentPlan:
    need_keys = sorted(world.needs)
    plan = DevelopmentPlan(coach_id=coach_id, title="My development plan", starts_on=starts,
                           ends_on=starts + timedelta(days=days), status=status,
                           programme=programme)
    chosen = rng.sample(need_keys, k=rng.randint(2, 4))
    plan.needs = [PlanNeed(need_id=world.needs[k], priority=rng.randint(1, 5)) for k in chosen]
    plan.goals = [PlanGoal(title=GOALS.get(k, k.replace("_", " ")),
                           target_date=plan.ends_on - timedelta(days=rng.randint(0, 60)),
                           status=rng.choice(["not_started", "in_progress", "achieved"])
                           if status == "active" else "not_started")
                  for k in chosen[:2]]
    return plan


def _seed_pilot_cohort(session, world: World, rng, today: date, coach_ids: list[int]) -> None:
    """Put coaches without a plan on the Advanced Coach pilot, awaiting allocation.

    Their plans are drafts starting in two weeks, so an admin can allocate the
    cohort to coach developers (the Allocation page) straight away.
    """
    starts = today + timedelta(days=14)
    for coach_id in coach_ids[:PILOT_COHORT]:
        session.add(_random_plan(world, rng, coach_id, starts, days=274, status="draft",
                                 programme=PILOT_PROGRAMME))
