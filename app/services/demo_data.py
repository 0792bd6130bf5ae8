"""A believable demo population at real places, the same for the same seed.

Supporters and coaches are spread over real towns (weighted by population)
and placed at real postcodes near them, so a newcomer's first search from
their own postcode finds people nearby. Every case the product handles is
represented: each role, event group and ladder level; online and in person;
full and free capacity; expired safeguarding; paused and unverified.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

import geodata
from app.models import (
    CoachProfile,
    DevelopmentPlan,
    Engagement,
    EventGroup,
    GoalProgress,
    LogComment,
    Need,
    PlanGoal,
    PlanNeed,
    PlanReview,
    Qualification,
    QualificationFramework,
    ReflectiveLogEntry,
    SupporterProfile,
    SupportRole,
    User,
    UserRole,
)
from app.models.profiles import (
    coach_event_groups,
    supporter_event_groups,
    supporter_expertise,
    supporter_roles,
)
from app.services import geocoding, passwords
from app.services.plan_access import default_review_dates
from app.services.profiles import public_place
from app.services.taxonomy import seed_taxonomy

DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "example.org"
# The programme whose cohort an admin allocates to coach developers in the demo.
PILOT_PROGRAMME = "Advanced Coach pilot"
PILOT_COHORT = 12

FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Daniel", "Ella", "Femi", "Grace", "Harry", "Isla", "Jack",
    "Kemi", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Sam", "Tara",
    "Usman", "Vera", "Will", "Xander", "Yasmin", "Zac", "Aisha", "Callum", "Deborah", "Ewan",
    "Fiona", "Gareth", "Hannah", "Imran", "Joanne", "Kieran", "Lucy", "Mohammed", "Niamh",
    "Owen", "Rhys", "Sian", "Tom", "Zara", "Marcus", "Denise", "Colin", "Bethan", "Ade",
)
LAST_NAMES = (
    "Adams", "Begum", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nwosu", "O'Brien", "Patel", "Quinn", "Roberts",
    "Singh", "Taylor", "Underwood", "Vaughan", "Williams", "Young", "Ahmed", "Brown",
    "Clarke", "Edwards", "Foster", "Graham", "Hall", "Jackson", "Kelly", "Mensah", "Murray",
    "Okafor", "Price", "Reid", "Scott", "Thomas", "Walker", "Wilson", "Wright", "Ellis",
)
CLUB_SUFFIXES = ("Athletic Club", "Harriers", "AC", "Running Club", "Athletics Club",
                 "Harriers & AC", "Track Club")
# Mentors are the commonest offer, coach developers the rarest.
ROLE_WEIGHTS = {"mentor": 4, "technical_advisor": 3, "co_coach": 2, "coach_developer": 1}
GOALS = {
    "technical_model": "Build a clear technical model for my event group",
    "training_planning": "Write a periodised annual plan for my squad",
    "sport_science": "Apply energy-system training to my sessions",
    "strength_power": "Introduce safe strength and power work for teenagers",
    "athlete_development": "Adapt training to growth spurts and wellbeing",
    "talent_pathway": "Guide athletes through the talent pathway",
    "positive_coaching": "Create a positive, inclusive group culture",
    "safeguarding_risk": "Run thorough risk assessments for every session",
    "teaching_skills": "Teach skills with better cues and progressions",
    "reflective_practice": "Keep a regular reflective log",
    "peaking_competition": "Plan a taper so athletes peak for championships",
    "race_day_mental": "Prepare athletes mentally for race day",
    "nutrition_environment": "Advise on fuelling and training in heat",
    "team_dynamics": "Manage relay squad dynamics",
    "adult_learners": "Coach adult beginners returning to the sport",
    "para_athletics": "Include para athletes fully in my group",
    "club_capacity": "Supervise and grow our assistant coaches",
    "marathon_specialist": "Coach a group through their first marathon",
    "cross_country_specialist": "Prepare a junior team for cross country season",
}


@dataclass(frozen=True)
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
    world = _World.load(session, rng)
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
    session.flush()  # the database's triggers tell every search index
    return _counts(session, created=True)


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


@dataclass
class _Town:
    name: str
    lat: float
    lon: float
    population: int
    country: str


class _World:
    """Taxonomy ids and real towns, loaded once per seeding run."""

    def __init__(self, session: Session, rng: random.Random):
        self.rng = rng
        self.roles = {r.key: r.id for r in session.scalars(select(SupportRole))}
        self.groups = {g.key: g.id for g in session.scalars(select(EventGroup))}
        self.needs = {n.key: n.id for n in session.scalars(select(Need))}
        self.ladders: dict[str, list[Qualification]] = {}
        for fw in session.scalars(select(QualificationFramework)):
            self.ladders[fw.country] = list(fw.qualifications)
        self.towns = {"GB": _towns("GB", 20000), "US": _towns("US", 100000)}
        self.weights = {c: [math.sqrt(t.population) for t in towns]
                        for c, towns in self.towns.items()}
        self._user_ids = 0
        self._towns_near: dict[tuple[float, float], str | None] = {}

    @classmethod
    def load(cls, session: Session, rng: random.Random) -> _World:
        return cls(session, rng)

    def publicly(self, where: dict) -> dict:
        """Return where search places a supporter (their sector) and the town shown."""
        location = geocoding.stored_location(where["latitude"], where["longitude"],
                                             where["postcode"], where["country"])
        point = geocoding.search_position(location)
        key = (point.lat, point.lon)
        if key not in self._towns_near:  # many supporters share a sector
            self._towns_near[key] = public_place(location)[1]
        return {"search_latitude": point.lat, "search_longitude": point.lon,
                "place_label": self._towns_near[key]}

    def town(self, country: str) -> _Town:
        return self.rng.choices(self.towns[country], weights=self.weights[country])[0]

    def qualification(self, country: str, low: int, high: int) -> Qualification:
        rungs = [q for q in self.ladders[country] if low <= q.level <= high]
        return self.rng.choice(rungs)

    def place(self, country: str) -> tuple[_Town, dict]:
        """Pick a town and a real postcode (GB) or ZIP (US) near it."""
        town = self.town(country)
        # Up to ~6 km from the town centre, so people do not all share one point.
        bearing = self.rng.uniform(0, 2 * math.pi)
        dist_km = abs(self.rng.gauss(0, 3.0))
        lat = town.lat + (dist_km / 111.0) * math.cos(bearing)
        lon = town.lon + (dist_km / (111.0 * math.cos(math.radians(town.lat)))) * math.sin(
            bearing)
        return town, _real_location(country, lat, lon, self.rng)


def _towns(country: str, min_population: int) -> list[_Town]:
    places = geodata.places(country, min_population=min_population)
    if country == "GB":
        # Northern Ireland's postcodes are not in the offline data: place people
        # only where a real postcode can be given.
        places = [p for p in places if geodata.nearest_outward_code(p.lat, p.lon) is not None]
    towns = [_Town(p.name, p.lat, p.lon, p.population, country) for p in places]
    towns.sort(key=lambda t: (-t.population, t.name, t.lat))
    return towns


def _real_location(country: str, lat: float, lon: float, rng: random.Random) -> dict:
    if country == "GB":
        candidates = geodata.nearest_postcodes(lat, lon, k=8)
        loc = rng.choice(candidates)
        return {"latitude": loc.lat, "longitude": loc.lon, "postcode": loc.postcode,
                "outward_code": loc.outward_code, "country": "GB"}
    loc = geodata.nearest_zip(lat, lon)
    # The public area of a US ZIP is its first three digits ("902xx").
    return {"latitude": loc.lat, "longitude": loc.lon, "postcode": loc.postcode,
            "outward_code": f"{loc.postcode[:3]}xx", "country": "US"}


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _email(first: str, last: str, serial: int) -> str:
    local = f"{first}.{last}".lower().replace("'", "")
    return f"{local}.{serial:04d}@{DEMO_DOMAIN}"


def _phone(rng: random.Random, country: str) -> str:
    # Numbers reserved for drama and documentation: they ring nobody.
    if country == "GB":
        return f"07700 900{rng.randrange(1000):03d}"
    return f"+1 555 01{rng.randrange(100):02d}"


def _club(town: _Town, rng: random.Random) -> str:
    return f"{town.name} {rng.choice(CLUB_SUFFIXES)}"


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


def _seed_named_accounts(session, world: _World, password_hash: str, now: datetime) -> None:
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


def _seed_caseload(session, world: _World, password_hash, now, *, coach_id, developer_id,
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


def _named_plan(world: _World, coach_id, title, today, *, started_days_ago, needs, goals):
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


def _seed_supporters(session, world: _World, rng, password_hash, now, today, *, gb, us):
    role_keys = sorted(world.roles)
    group_keys = sorted(world.groups)
    need_keys = sorted(world.needs)
    ids = []
    for i in range(gb + us):
        country = "GB" if i < gb else "US"
        first, last = _name(rng)
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
        user_id = _insert_user(session, email=_email(first, last, i), name=name,
                               password_hash=password_hash, phone=_phone(rng, country),
                               now=now, roles=["supporter"] +
                               (["coach_developer"] if "coach_developer" in roles else []))
        years = rng.randint(2, 35)
        profile_id = session.execute(insert(SupporterProfile).returning(SupporterProfile.id), [{
            "user_id": user_id,
            "qualification_id": qualification.id,
            "years_coaching": years,
            "club": _club(town, rng),
            "bio": _bio(rng, town, years, groups, expertise, world),
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
        ids.append(profile_id)
    return ids


def _bio(rng, town: _Town, years: int, groups, expertise, world: _World) -> str:
    need_names = {k: k.replace("_", " ") for k in world.needs}
    group_text = " and ".join(g.replace("_", " ") for g in groups)
    focus = ", ".join(need_names[k] for k in expertise[:3])
    openers = (
        f"I have coached {group_text} in {town.name} for {years} years.",
        f"{group_text.capitalize()} coach based near {town.name}, {years} years on the track.",
        f"Club coach in {town.name} with {years} years of {group_text}.",
    )
    closers = (
        f"Happy to help with {focus}.",
        f"I enjoy supporting coaches with {focus}.",
        f"Particular interest in {focus}.",
    )
    return f"{rng.choice(openers)} {rng.choice(closers)}"


def _seed_coaches(session, world: _World, rng, password_hash, now, *, gb, us):
    group_keys = sorted(world.groups)
    ids = []
    for i in range(gb + us):
        country = "GB" if i < gb else "US"
        first, last = _name(rng)
        town, where = world.place(country)
        qualification = world.qualification(country, 0, 3)
        user_id = _insert_user(session, email=_email(first, last, 5000 + i),
                               name=f"{first} {last}", password_hash=password_hash,
                               phone=_phone(rng, country), now=now, roles=["coach"])
        profile_id = session.execute(insert(CoachProfile).returning(CoachProfile.id), [{
            "user_id": user_id, "qualification_id": qualification.id,
            "club": _club(town, rng), "place_label": town.name,
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
        session.add(_random_plan(world, rng, coach_id, starts,
                                 days=rng.choice([183, 274, 365])))
    session.flush()

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


def _random_plan(world: _World, rng, coach_id: int, starts: date, *, days: int,
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


def _seed_pilot_cohort(session, world: _World, rng, today: date, coach_ids: list[int]) -> None:
    """Put coaches without a plan on the Advanced Coach pilot, awaiting allocation.

    Their plans are drafts starting in two weeks, so an admin can allocate the
    cohort to coach developers (the Allocation page) straight away.
    """
    starts = today + timedelta(days=14)
    for coach_id in coach_ids[:PILOT_COHORT]:
        session.add(_random_plan(world, rng, coach_id, starts, days=274, status="draft",
                                 programme=PILOT_PROGRAMME))
