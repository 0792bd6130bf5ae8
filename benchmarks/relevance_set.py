"""A judged relevance set for the search ranking: supporters, searches, grades.

A fixed synthetic population (about 4,000 supporters around real GB and US
towns, made from a fixed seed, no network) and 55 coaches' searches, each
judged supporter by supporter from the product's rules (PRODUCT.md, "Rules a
user would expect"). Nothing here comes from a ranking's output and nothing
is shared with the ``matching`` package: distances, rules and fits are
written again here, in plain Python, so the set can judge any engine.

How a supporter is graded for a search
--------------------------------------
A supporter gets grade 0 (not a match) when any hard rule fails:

- role: they hold none of the roles the coach wants (no role named: any role);
- ladder: no wanted role they hold passes its ladder rule. Mentors, technical
  advisors and coach developers must be above the coach (at least one rank);
  co-coaches are peers (at most one rank apart). Levels are compared only
  within one qualification framework (UK or US): between frameworks, or when
  the coach's level is unknown, no ladder rule applies;
- country: they are in another country than the search's place, unless the
  coach asked to include other countries;
- event group required: the coach asked for their event groups only, and the
  supporter holds neither one of them nor a related one;
- where: they are neither an in-person match nor an online match.
  In person (modes "in_person" and "either") needs the coach inside the
  search radius AND inside the supporter's own travel distance. Online (modes
  "online" and "either") needs the supporter to offer online support.

Otherwise their fit is

- strong: an exact event group (or the coach named none) AND they cover at
  least half the priority weight of the coach's needs (or none were named);
- partial: not strong, but an exact or related event group (naming none
  counts as exact), or at least one of the needs covered;
- poor: anything else,

and their grade is

- in person within the mutual radius: strong 3, partial 2, poor 1;
- online only (not an in-person match) when the coach said "in person or
  online": strong 2, partial 1, poor 0 (near means near: online support has
  its own place below local support);
- when the coach asked for online support only: strong 3, partial 2, poor 1;
- full (no place free): one grade lower, never below 0 (a waitlist result).

Supporters beyond the search radius are not matches (grade 0). What a thin
in-person search should offer instead (the nearest available in-person
supporters beyond the radius, who pass every other rule and travel that far)
is given by :func:`beyond_radius` and measured apart from the grades.

Examples
--------
>>> people = population()
>>> len(people), len(SEARCHES) >= 40
(3961, True)
>>> leeds = search("leeds_either_mentor_endurance")
>>> grades = judge(leeds, people)
>>> max(grades.values())
3
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

__all__ = [
    "EVENT_GROUPS",
    "EVENT_GROUP_LABELS",
    "FRAMEWORKS",
    "NEEDS",
    "NEED_LABELS",
    "REGIONS",
    "RELATED_GROUPS",
    "ROLES",
    "SEARCHES",
    "SEED",
    "TODAY",
    "Search",
    "Supporter",
    "beyond_radius",
    "distance_km",
    "fit",
    "grade",
    "in_person_match",
    "in_person_matches",
    "judge",
    "online_match",
    "passes_rules",
    "population",
    "search",
]

SEED = 20250601
TODAY = date(2025, 6, 1)
EARTH_RADIUS_KM = 6371.0088

ROLES = ("co_coach", "coach_developer", "mentor", "technical_advisor")

EVENT_GROUP_LABELS = {
    "sprints_hurdles_relays": "Sprints, hurdles and relays",
    "endurance": "Endurance",
    "jumps": "Jumps",
    "throws": "Throws",
    "combined_events": "Combined events",
    "race_walking": "Race walking",
    "para_athletics": "Para athletics",
    "youth_development": "Youth development",
    "running_fitness": "Running fitness",
}
EVENT_GROUPS = tuple(EVENT_GROUP_LABELS)

_RELATED_PAIRS = (
    ("sprints_hurdles_relays", "combined_events"),
    ("jumps", "combined_events"),
    ("throws", "combined_events"),
    ("endurance", "race_walking"),
    ("endurance", "running_fitness"),
)
#: Event groups that partly fit each other (symmetric).
RELATED_GROUPS: dict[str, frozenset[str]] = {
    g: frozenset({b for a, b in _RELATED_PAIRS if a == g}
                 | {a for a, b in _RELATED_PAIRS if b == g})
    for g in EVENT_GROUPS
}

NEED_LABELS = {
    "technical_model": "technical model",
    "training_planning": "training plan and periodisation",
    "sport_science": "sport science",
    "strength_power": "strength and power",
    "athlete_development": "athlete development and wellbeing",
    "talent_pathway": "talent pathway",
    "safeguarding_risk": "safeguarding and risk assessment",
    "reflective_practice": "reflective practice",
    "peaking_competition": "peaking and competition preparation",
    "race_day_mental": "race-day and mental preparation",
}
NEEDS = tuple(NEED_LABELS)

#: Qualification ladders, lowest rank first: level is the index in the tuple.
FRAMEWORKS = {
    "uk": ("Assistant Coach", "Sessional Coach", "Coach", "Advanced Coach"),
    "us": ("Developmental Coach", "Level 1", "Level 2", "Level 3", "Instructor"),
}
_HOME_FRAMEWORK = {"GB": "uk", "US": "us"}

# (key, name, lat, lon, supporters, spread in km): where supporters live and
# coaches search from. Spread is the standard deviation of a supporter's
# offset from the centre, in km, north-south and east-west.
_GB_CITIES = (
    ("london", "London", 51.5074, -0.1278, 520, 9.0),
    ("birmingham", "Birmingham", 52.4862, -1.8904, 200, 7.0),
    ("manchester", "Manchester", 53.4808, -2.2426, 200, 7.0),
    ("leeds", "Leeds", 53.7997, -1.5492, 170, 6.0),
    ("glasgow", "Glasgow", 55.8642, -4.2518, 160, 6.0),
    ("liverpool", "Liverpool", 53.4084, -2.9916, 110, 5.0),
    ("bristol", "Bristol", 51.4545, -2.5879, 110, 5.0),
    ("sheffield", "Sheffield", 53.3811, -1.4701, 100, 5.0),
    ("edinburgh", "Edinburgh", 55.9533, -3.1883, 110, 5.0),
    ("newcastle", "Newcastle", 54.9783, -1.6178, 90, 5.0),
    ("cardiff", "Cardiff", 51.4816, -3.1791, 90, 5.0),
    ("nottingham", "Nottingham", 52.9548, -1.1581, 80, 5.0),
    ("leicester", "Leicester", 52.6369, -1.1398, 60, 4.0),
)
_GB_TOWNS = (
    ("york", "York", 53.9600, -1.0873, 40, 4.0),
    ("lancaster", "Lancaster", 54.0466, -2.8007, 25, 3.0),
    ("carlisle", "Carlisle", 54.8925, -2.9329, 20, 3.0),
    ("perth", "Perth", 56.3950, -3.4308, 20, 3.0),
    ("stirling", "Stirling", 56.1165, -3.9369, 20, 3.0),
    ("exeter", "Exeter", 50.7184, -3.5339, 30, 3.0),
    ("truro", "Truro", 50.2632, -5.0510, 12, 3.0),
    ("shrewsbury", "Shrewsbury", 52.7073, -2.7553, 20, 3.0),
    ("lincoln", "Lincoln", 53.2307, -0.5406, 25, 3.0),
    ("norwich", "Norwich", 52.6309, 1.2974, 40, 4.0),
    ("aberdeen", "Aberdeen", 57.1497, -2.0943, 45, 4.0),
    ("dundee", "Dundee", 56.4620, -2.9707, 35, 3.0),
    ("plymouth", "Plymouth", 50.3755, -4.1427, 40, 4.0),
    ("brighton", "Brighton", 50.8225, -0.1372, 60, 4.0),
    ("oxford", "Oxford", 51.7520, -1.2577, 40, 3.0),
    ("cambridge", "Cambridge", 52.2053, 0.1218, 45, 3.0),
)
_HIGHLANDS = (
    ("inverness", "Inverness", 57.4778, -4.2247, 40, 3.0),
    ("fort_william", "Fort William", 56.8198, -5.1052, 8, 2.0),
    ("aviemore", "Aviemore", 57.1950, -3.8260, 6, 2.0),
    ("ullapool", "Ullapool", 57.8953, -5.1589, 3, 1.5),
    ("thurso", "Thurso", 58.5936, -3.5221, 5, 1.5),
    ("wick", "Wick", 58.4389, -3.0937, 5, 1.5),
    ("portree", "Portree", 57.4125, -6.1960, 3, 1.5),
    ("oban", "Oban", 56.4152, -5.4719, 6, 2.0),
    ("dingwall", "Dingwall", 57.5958, -4.4287, 5, 1.5),
    ("golspie", "Golspie", 57.9710, -3.9790, 3, 1.5),
    # Villages where coaches search and no supporter lives.
    ("lairg", "Lairg", 58.0187, -4.4004, 0, 0.0),
    ("helmsdale", "Helmsdale", 58.1167, -3.6500, 0, 0.0),
    ("mallaig", "Mallaig", 57.0046, -5.8290, 0, 0.0),
    ("kyle_of_lochalsh", "Kyle of Lochalsh", 57.2800, -5.7130, 0, 0.0),
)
_US_CITIES = (
    ("los_angeles", "Los Angeles", 34.0522, -118.2437, 260, 9.0),
    ("beverly_hills", "Beverly Hills", 34.0736, -118.4004, 30, 2.5),
    ("pasadena", "Pasadena", 34.1478, -118.1445, 40, 3.0),
    ("long_beach", "Long Beach", 33.7701, -118.1937, 50, 4.0),
    ("new_york", "New York", 40.7128, -74.0060, 300, 9.0),
    ("newark", "Newark", 40.7357, -74.1724, 40, 4.0),
    ("raleigh", "Raleigh", 35.7796, -78.6382, 70, 6.0),
    ("durham", "Durham", 35.9940, -78.8986, 40, 4.0),
    ("el_paso", "El Paso", 31.7619, -106.4850, 35, 5.0),
    ("savannah", "Savannah", 32.0809, -81.0912, 25, 4.0),
    ("denver", "Denver", 39.7392, -104.9903, 130, 7.0),
    ("boulder", "Boulder", 40.0150, -105.2705, 40, 3.0),
    ("chicago", "Chicago", 41.8781, -87.6298, 200, 9.0),
    ("houston", "Houston", 29.7604, -95.3698, 100, 9.0),
    ("horizon_city", "Horizon City", 31.6926, -106.2075, 0, 0.0),
    ("tybee_island", "Tybee Island", 32.0002, -80.8457, 0, 0.0),
)
#: Region of each place: "gb_city", "gb_town", "highlands" or "us".
REGIONS = {t[0]: region for region, towns in (("gb_city", _GB_CITIES), ("gb_town", _GB_TOWNS),
                                              ("highlands", _HIGHLANDS), ("us", _US_CITIES))
           for t in towns}
_PLACES = {t[0]: t for t in _GB_CITIES + _GB_TOWNS + _HIGHLANDS + _US_CITIES}
_COUNTRY = {key: ("US" if region == "us" else "GB") for key, region in REGIONS.items()}

# Population shape: shares and weights a programme admin would recognise.
_ONLINE_SHARE = 0.30
_OTHER_FRAMEWORK_SHARE = 0.02   # e.g. a US-qualified coach living in London
_ROLE_WEIGHTS = {"co_coach": 35, "mentor": 30, "technical_advisor": 20, "coach_developer": 15}
_GROUP_WEIGHTS = {"endurance": 22, "sprints_hurdles_relays": 20, "running_fitness": 13,
                  "youth_development": 12, "jumps": 10, "throws": 10, "combined_events": 5,
                  "para_athletics": 5, "race_walking": 3}
_TRAVEL_KM = (5, 10, 15, 20, 25, 30, 40, 50)
_TRAVEL_WEIGHTS = (6, 12, 16, 18, 16, 14, 10, 8)
_RURAL_TRAVEL_WEIGHTS = (1, 2, 4, 8, 12, 16, 24, 33)  # the Highlands: longer trips
_CAPACITY_WEIGHTS = (15, 25, 25, 15, 10, 10)  # places free 0..5; 0 is full
# Level weights by framework, for senior roles (mentor, technical advisor,
# coach developer) and for co-coaches only.
_SENIOR_LEVELS = {"uk": (0, 15, 45, 40), "us": (0, 10, 30, 35, 25)}
_PEER_LEVELS = {"uk": (20, 35, 30, 15), "us": (15, 30, 30, 20, 5)}


@dataclass(frozen=True, slots=True)
class Supporter:
    """One supporter of the synthetic population (plain values only)."""

    id: int
    place: str
    lat: float
    lon: float
    country: str
    framework: str
    roles: frozenset[str]
    event_groups: frozenset[str]
    needs: frozenset[str]
    level: int
    qualification: str
    club: str
    travel_km: float
    offers_online: bool
    capacity_left: int
    response_rate: float | None
    last_active: int | None  # days since last activity

    @property
    def full(self) -> bool:
        """Return whether they have no place free (a waitlist result)."""
        return self.capacity_left <= 0


@dataclass(frozen=True, slots=True)
class Search:
    """One coach's search, named for what it tests.

    ``needs`` holds (need key, priority 1-5) pairs. ``other_countries`` is the
    coach's opt-in to supporters in other countries. ``thin`` marks a search
    made to find no in-person supporter inside its radius.
    """

    name: str
    place: str
    lat: float
    lon: float
    country: str
    framework: str
    radius_km: float
    roles: frozenset[str]
    mode: str
    level: int | None = 1
    event_groups: frozenset[str] = frozenset()
    needs: tuple[tuple[str, int], ...] = ()
    require_event_group: bool = False
    other_countries: bool = False
    club: str | None = None
    thin: bool = False

    @property
    def region(self) -> str:
        """Return the region of the search's place ("gb_city", "highlands", ...)."""
        return REGIONS[self.place]

    @property
    def groups(self) -> tuple[str, ...]:
        """Return the report groups the search belongs to."""
        return (self.region,) + (("either",) if self.mode == "either" else ())


# ------------------------------------------------------------------ population
@cache
def population(seed: int = SEED) -> tuple[Supporter, ...]:
    """Return the synthetic supporters, the same for the same seed."""
    rng = random.Random(seed)
    people: list[Supporter] = []
    for key, _name, lat, lon, count, spread in _PLACES.values():
        country = _COUNTRY[key]
        for _ in range(count):
            people.append(_supporter(rng, len(people) + 1, key, lat, lon, spread, country))
    return tuple(people)


def _supporter(rng: random.Random, sid: int, place: str, lat: float, lon: float,
               spread: float, country: str) -> Supporter:
    north, east = rng.gauss(0, spread), rng.gauss(0, spread)
    lat += north / 111.195
    lon += east / (111.195 * math.cos(math.radians(lat)))
    framework = _HOME_FRAMEWORK[country]
    travel_weights = _RURAL_TRAVEL_WEIGHTS if REGIONS[place] == "highlands" else _TRAVEL_WEIGHTS
    if rng.random() < _OTHER_FRAMEWORK_SHARE:
        framework = "us" if framework == "uk" else "uk"
    roles = {_weighted(rng, _ROLE_WEIGHTS)}
    if rng.random() < 0.25:
        roles.add(_weighted(rng, _ROLE_WEIGHTS))
    ladder = FRAMEWORKS[framework]
    senior = roles != {"co_coach"}
    weights = (_SENIOR_LEVELS if senior else _PEER_LEVELS)[framework]
    level = rng.choices(range(len(ladder)), weights=weights)[0]
    n_groups = rng.choices((1, 2, 3), weights=(60, 35, 5))[0]
    groups = {_weighted(rng, _GROUP_WEIGHTS) for _ in range(n_groups)}
    needs = set(rng.sample(NEEDS, rng.randint(2, 5)))
    if "technical_advisor" in roles and rng.random() < 0.7:
        needs.add("technical_model")
    if "coach_developer" in roles and rng.random() < 0.6:
        needs.add("reflective_practice")
    return Supporter(
        id=sid,
        place=place,
        lat=round(lat, 5),
        lon=round(lon, 5),
        country=country,
        framework=framework,
        roles=frozenset(roles),
        event_groups=frozenset(groups),
        needs=frozenset(needs),
        level=level,
        qualification=ladder[level],
        club=f"{place}_ac_{rng.randint(1, 3)}",
        travel_km=float(rng.choices(_TRAVEL_KM, weights=travel_weights)[0]),
        offers_online=rng.random() < _ONLINE_SHARE,
        capacity_left=rng.choices(range(6), weights=_CAPACITY_WEIGHTS)[0],
        response_rate=None if rng.random() < 0.1 else round(rng.uniform(0.3, 1.0), 2),
        last_active=None if rng.random() < 0.1 else min(int(rng.expovariate(1 / 30)), 365),
    )


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


# -------------------------------------------------------------------- searches
def _search(name: str, place: str, radius_km: float, roles: Iterable[str], mode: str, *,
            level: int | None = 1, groups: Iterable[str] = (),
            needs: Mapping[str, int] | None = None, require: bool = False,
            other_countries: bool = False, club: str | None = None,
            thin: bool = False) -> Search:
    key, _name, lat, lon, _count, _spread = _PLACES[place]
    country = _COUNTRY[key]
    return Search(name=name, place=place, lat=lat, lon=lon, country=country,
                  framework=_HOME_FRAMEWORK[country], radius_km=float(radius_km),
                  roles=frozenset(roles), mode=mode, level=level,
                  event_groups=frozenset(groups), needs=tuple((needs or {}).items()),
                  require_event_group=require, other_countries=other_countries, club=club,
                  thin=thin)


M, TA, CD, CC = "mentor", "technical_advisor", "coach_developer", "co_coach"
SP, EN, JU, TH = "sprints_hurdles_relays", "endurance", "jumps", "throws"
CE, RW, PA, YD, RF = ("combined_events", "race_walking", "para_athletics", "youth_development",
                      "running_fitness")

#: The judged searches. Levels: UK 0 Assistant Coach .. 3 Advanced Coach;
#: US 0 Developmental Coach .. 3 Level 3 (4, Instructor, is a supporter's).
SEARCHES: tuple[Search, ...] = (
    # --- GB cities: dense, many local supporters
    _search("leeds_either_mentor_endurance", "leeds", 25, {M}, "either", groups={EN},
            needs={"training_planning": 3, "sport_science": 2}),
    _search("leeds_in_person_co_coach_sprints_10km", "leeds", 10, {CC}, "in_person",
            groups={SP}),
    _search("leeds_either_mentor_other_countries", "leeds", 25, {M}, "either", level=2,
            needs={"peaking_competition": 4, "race_day_mental": 2}, other_countries=True),
    _search("london_either_coach_developer", "london", 15, {CD}, "either", level=2,
            needs={"reflective_practice": 5, "athlete_development": 3}),
    _search("london_in_person_ta_jumps_required_10km", "london", 10, {TA}, "in_person",
            groups={JU}, needs={"technical_model": 5}, require=True),
    _search("london_in_person_ta_para_required_2km_thin", "london", 2, {TA}, "in_person",
            level=2, groups={PA}, require=True, thin=True),
    _search("london_online_mentor_throws", "london", 25, {M}, "online", groups={TH},
            needs={"strength_power": 4, "technical_model": 3}),
    _search("london_either_co_coach_advanced", "london", 20, {CC}, "either", level=3,
            groups={EN}),
    _search("manchester_either_any_role_level_unknown", "manchester", 20, set(), "either",
            level=None),
    _search("manchester_in_person_ta_sprints_5km", "manchester", 5, {TA}, "in_person",
            groups={SP}, needs={"technical_model": 4, "strength_power": 2}),
    _search("manchester_online_coach_developer", "manchester", 25, {CD}, "online",
            needs={"reflective_practice": 3, "talent_pathway": 3}),
    _search("birmingham_either_co_coach_assistant", "birmingham", 15, {CC}, "either", level=0,
            groups={YD}, club="birmingham_ac_2"),
    _search("birmingham_in_person_mentor_assistant", "birmingham", 20, {M}, "in_person",
            level=0, groups={SP}, needs={"safeguarding_risk": 5, "athlete_development": 2},
            club="birmingham_ac_1"),
    _search("glasgow_either_mentor_endurance_needs", "glasgow", 25, {M}, "either", groups={EN},
            needs={"training_planning": 5, "peaking_competition": 3, "race_day_mental": 1}),
    _search("glasgow_in_person_coach_developer_30km", "glasgow", 30, {CD}, "in_person",
            level=2, needs={"reflective_practice": 2}),
    _search("liverpool_online_ta_race_walking_required", "liverpool", 25, {TA}, "online",
            groups={RW}, require=True),
    _search("bristol_either_mentor_para", "bristol", 25, {M}, "either", groups={PA},
            needs={"athlete_development": 3, "safeguarding_risk": 2}),
    _search("sheffield_in_person_co_coach_combined", "sheffield", 15, {CC}, "in_person",
            level=2, groups={CE}),
    _search("edinburgh_either_ta_jumps_technical", "edinburgh", 20, {TA}, "either",
            groups={JU}, needs={"technical_model": 5, "strength_power": 3}),
    _search("cardiff_in_person_mentor_youth", "cardiff", 25, {M}, "in_person", groups={YD},
            needs={"talent_pathway": 4, "athlete_development": 4}),
    _search("newcastle_either_mentor_or_ta_throws", "newcastle", 25, {M, TA}, "either",
            groups={TH}, needs={"strength_power": 3}),
    # --- GB mid towns
    _search("york_in_person_mentor_endurance_30km", "york", 30, {M}, "in_person", groups={EN}),
    _search("lancaster_either_ta_throws_40km", "lancaster", 40, {TA}, "either", groups={TH},
            needs={"technical_model": 5}),
    _search("carlisle_in_person_co_coach_50km", "carlisle", 50, {CC}, "in_person",
            groups={RF}),
    _search("exeter_either_mentor_running_fitness", "exeter", 30, {M}, "either", groups={RF},
            needs={"training_planning": 3, "race_day_mental": 3}),
    _search("perth_in_person_coach_developer_40km", "perth", 40, {CD}, "in_person", level=1),
    _search("truro_either_ta_jumps_50km", "truro", 50, {TA}, "either", groups={JU},
            needs={"technical_model": 4}),
    _search("aberdeen_online_mentor_other_countries", "aberdeen", 25, {M}, "online",
            level=2, groups={EN}, needs={"training_planning": 4}, other_countries=True),
    # --- the sparse Highlands
    _search("thurso_in_person_mentor_10km", "thurso", 10, {M}, "in_person", level=2),
    _search("ullapool_in_person_co_coach_20km", "ullapool", 20, {CC}, "in_person"),
    _search("lairg_in_person_any_role_15km_thin", "lairg", 15, set(), "in_person",
            thin=True),
    _search("helmsdale_in_person_mentor_or_cd_10km_thin", "helmsdale", 10, {M, CD},
            "in_person", needs={"training_planning": 2}, thin=True),
    _search("mallaig_in_person_any_role_30km_thin", "mallaig", 30, set(), "in_person",
            thin=True),
    _search("kyle_in_person_mentor_endurance_15km_thin", "kyle_of_lochalsh", 15, {M},
            "in_person", groups={EN}, thin=True),
    _search("wick_in_person_ta_throws_required_5km_thin", "wick", 5, {TA}, "in_person",
            groups={TH}, require=True, thin=True),
    _search("fort_william_either_mentor", "fort_william", 25, {M}, "either", groups={EN},
            needs={"training_planning": 3}),
    _search("inverness_in_person_mentor_30km", "inverness", 30, {M}, "in_person"),
    _search("inverness_either_coach_developer_50km", "inverness", 50, {CD}, "either",
            needs={"reflective_practice": 3, "safeguarding_risk": 2}),
    _search("aviemore_online_ta_endurance", "aviemore", 25, {TA}, "online", groups={EN},
            needs={"technical_model": 2, "training_planning": 4}),
    _search("thurso_either_co_coach_50km", "thurso", 50, {CC}, "either", level=0),
    # --- US
    _search("beverly_hills_either_mentor_sprints", "beverly_hills", 25, {M}, "either",
            groups={SP}, needs={"technical_model": 3, "peaking_competition": 2}),
    _search("beverly_hills_in_person_ta_jumps_10km", "beverly_hills", 10, {TA}, "in_person",
            groups={JU}, needs={"technical_model": 5}),
    _search("beverly_hills_either_mentor_other_countries", "beverly_hills", 25, {M}, "either",
            level=2, groups={SP}, other_countries=True),
    _search("los_angeles_online_coach_developer", "los_angeles", 25, {CD}, "online", level=2,
            needs={"reflective_practice": 4, "talent_pathway": 2}),
    _search("new_york_either_co_coach_endurance", "new_york", 15, {CC}, "either", level=2,
            groups={EN}),
    _search("new_york_in_person_mentor_developmental", "new_york", 20, {M}, "in_person",
            level=0, groups={YD}, needs={"safeguarding_risk": 3, "athlete_development": 3}),
    _search("new_york_online_ta_other_countries", "new_york", 25, {TA}, "online", level=2,
            groups={TH}, needs={"technical_model": 5}, other_countries=True),
    _search("raleigh_either_ta_throws", "raleigh", 40, {TA}, "either", groups={TH},
            needs={"strength_power": 4, "technical_model": 4}),
    _search("tybee_island_in_person_mentor_10km_thin", "tybee_island", 10, {M}, "in_person",
            groups={SP}, thin=True),
    _search("horizon_city_in_person_mentor_10km_thin", "horizon_city", 10, {M}, "in_person",
            groups={EN}, thin=True),
    _search("el_paso_either_co_coach", "el_paso", 30, {CC}, "either", level=1),
    _search("savannah_either_mentor_race_walking_required", "savannah", 50, {M}, "either",
            groups={RW}, require=True),
    _search("denver_in_person_coach_developer_40km", "denver", 40, {CD}, "in_person", level=2,
            needs={"reflective_practice": 4, "training_planning": 2}),
    _search("denver_online_mentor_para", "denver", 25, {M}, "online", groups={PA}),
    _search("chicago_either_any_role_needs", "chicago", 25, set(), "either", level=1,
            needs={"strength_power": 3, "sport_science": 3, "race_day_mental": 1}),
)


def search(name: str) -> Search:
    """Return the search of that name."""
    for s in SEARCHES:
        if s.name == name:
            return s
    raise KeyError(name)


# ---------------------------------------------------------------------- judging
def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in km (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _distance(q: Search, s: Supporter) -> float:
    return distance_km(q.lat, q.lon, s.lat, s.lon)


def _ladder_ok(q: Search, s: Supporter, role: str) -> bool:
    if q.level is None or s.framework != q.framework:
        return True  # unknown level, or another framework's ladder: not comparable
    gap = s.level - q.level
    return -1 <= gap <= 1 if role == "co_coach" else gap >= 1


def passes_rules(q: Search, s: Supporter) -> bool:
    """Return whether a supporter passes every hard rule except where they are."""
    if not q.other_countries and s.country != q.country:
        return False
    wanted = q.roles or frozenset(ROLES)
    if not any(_ladder_ok(q, s, role) for role in wanted & s.roles):
        return False
    if q.require_event_group and q.event_groups:
        related = set(q.event_groups).union(*(RELATED_GROUPS[g] for g in q.event_groups))
        if not s.event_groups & related:
            return False
    return True


def in_person_match(q: Search, s: Supporter) -> bool:
    """Return whether they match in person: rules pass, inside the mutual radius."""
    if q.mode == "online" or not passes_rules(q, s):
        return False
    d = _distance(q, s)
    return d <= q.radius_km and d <= s.travel_km


def online_match(q: Search, s: Supporter) -> bool:
    """Return whether they match online: rules pass, the mode allows it, they offer it."""
    return q.mode in ("online", "either") and s.offers_online and passes_rules(q, s)


def fit(q: Search, s: Supporter) -> str:
    """Return "strong", "partial" or "poor": event groups and needs, as in the docstring."""
    if not q.event_groups or s.event_groups & q.event_groups:
        group = "exact"
    elif s.event_groups & set().union(*(RELATED_GROUPS[g] for g in q.event_groups)):
        group = "related"
    else:
        group = "none"
    total = sum(p for _, p in q.needs)
    covered = sum(p for k, p in q.needs if k in s.needs)
    share = covered / total if total else 1.0
    if group == "exact" and share >= 0.5:
        return "strong"
    if group != "none" or covered > 0:
        return "partial"
    return "poor"


_IN_PERSON = {"strong": 3, "partial": 2, "poor": 1}
_ONLINE_IN_EITHER = {"strong": 2, "partial": 1, "poor": 0}
_ONLINE_ONLY = {"strong": 3, "partial": 2, "poor": 1}


def grade(q: Search, s: Supporter) -> int:
    """Return the supporter's grade for the search, 0 (no match) to 3 (see the docstring)."""
    if in_person_match(q, s):
        g = _IN_PERSON[fit(q, s)]
    elif online_match(q, s):
        g = (_ONLINE_IN_EITHER if q.mode == "either" else _ONLINE_ONLY)[fit(q, s)]
    else:
        return 0
    return max(g - 1, 0) if s.full else g


def judge(q: Search, supporters: Iterable[Supporter]) -> dict[int, int]:
    """Return the grade of every supporter, by id."""
    return {s.id: grade(q, s) for s in supporters}


def in_person_matches(q: Search, supporters: Iterable[Supporter]) -> set[int]:
    """Return the ids of the in-person matches (full ones included)."""
    return {s.id for s in supporters if in_person_match(q, s)}


def beyond_radius(q: Search, supporters: Iterable[Supporter]) -> list[Supporter]:
    """Return the in-person supporters a thin search should offer, nearest first.

    They pass every hard rule but the search radius, have a place free, and
    travel as far as the coach. Ties are broken by id.
    """
    if q.mode == "online":
        return []
    found = []
    for s in supporters:
        if s.full or not passes_rules(q, s):
            continue
        d = _distance(q, s)
        if q.radius_km < d <= s.travel_km:
            found.append((d, s.id, s))
    return [s for _, _, s in sorted(found)]
