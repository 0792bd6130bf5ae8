"""The demo's people and places: real towns, postcodes near them, names, clubs, bios."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import geodata
from app.models import (
    EventGroup,
    Need,
    Qualification,
    QualificationFramework,
    SupportRole,
)
from app.services import geocoding
from app.services.profile_fields import public_place

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
class Town:
    name: str
    lat: float
    lon: float
    population: int
    country: str


class World:
    """Taxonomy ids and real towns, loaded once per seeding run."""

    def __init__(self, session: Session, rng: random.Random):
        self.rng = rng
        self.roles = {r.key: r.id for r in session.scalars(select(SupportRole))}
        self.groups = {g.key: g.id for g in session.scalars(select(EventGroup))}
        self.needs = {n.key: n.id for n in session.scalars(select(Need))}
        self.ladders: dict[str, list[Qualification]] = {}
        for fw in session.scalars(select(QualificationFramework)):
            self.ladders[fw.country] = list(fw.qualifications)
        self.towns = {"GB": towns("GB", 20000), "US": towns("US", 100000)}
        self.weights = {c: [math.sqrt(t.population) for t in towns]
                        for c, towns in self.towns.items()}
        self._user_ids = 0
        self._towns_near: dict[tuple[float, float], str | None] = {}

    @classmethod
    def load(cls, session: Session, rng: random.Random) -> World:
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

    def town(self, country: str) -> Town:
        return self.rng.choices(self.towns[country], weights=self.weights[country])[0]

    def qualification(self, country: str, low: int, high: int) -> Qualification:
        rungs = [q for q in self.ladders[country] if low <= q.level <= high]
        return self.rng.choice(rungs)

    def place(self, country: str) -> tuple[Town, dict]:
        """Pick a town and a real postcode (GB) or ZIP (US) near it."""
        town = self.town(country)
        # Up to ~6 km from the town centre, so people do not all share one point.
        bearing = self.rng.uniform(0, 2 * math.pi)
        dist_km = abs(self.rng.gauss(0, 3.0))
        lat = town.lat + (dist_km / 111.0) * math.cos(bearing)
        lon = town.lon + (dist_km / (111.0 * math.cos(math.radians(town.lat)))) * math.sin(
            bearing)
        return town, real_location(country, lat, lon, self.rng)


def towns(country: str, min_population: int) -> list[Town]:
    places = geodata.places(country, min_population=min_population)
    if country == "GB":
        # Northern Ireland's postcodes are not in the offline data: place people
        # only where a real postcode can be given.
        places = [p for p in places if geodata.nearest_outward_code(p.lat, p.lon) is not None]
    towns = [Town(p.name, p.lat, p.lon, p.population, country) for p in places]
    towns.sort(key=lambda t: (-t.population, t.name, t.lat))
    return towns


def real_location(country: str, lat: float, lon: float, rng: random.Random) -> dict:
    if country == "GB":
        candidates = geodata.nearest_postcodes(lat, lon, k=8)
        loc = rng.choice(candidates)
        return {"latitude": loc.lat, "longitude": loc.lon, "postcode": loc.postcode,
                "outward_code": loc.outward_code, "country": "GB"}
    loc = geodata.nearest_zip(lat, lon)
    # The public area of a US ZIP is its first three digits ("902xx").
    return {"latitude": loc.lat, "longitude": loc.lon, "postcode": loc.postcode,
            "outward_code": f"{loc.postcode[:3]}xx", "country": "US"}


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email_for(first: str, last: str, serial: int) -> str:
    local = f"{first}.{last}".lower().replace("'", "")
    return f"{local}.{serial:04d}@{DEMO_DOMAIN}"


def phone_number(rng: random.Random, country: str) -> str:
    # Numbers reserved for drama and documentation: they ring nobody.
    if country == "GB":
        return f"07700 900{rng.randrange(1000):03d}"
    return f"+1 555 01{rng.randrange(100):02d}"


def club_name(town: Town, rng: random.Random) -> str:
    return f"{town.name} {rng.choice(CLUB_SUFFIXES)}"


def bio_for(rng, town: Town, years: int, groups, expertise, world: World) -> str:
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
