"""A year of searches for the demo's coverage map: where coaches looked, and what they found.

Searches start from the demo coaches' homes and from towns, ask for the roles
and event groups coaches ask for, and are met when a demo supporter offering
them, with a place free, is within the radius and their own travel distance,
as search would find them. They are counted as searches are
(``search_demand``), then rolled up as the daily job does.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import geodata
from app.demo.world import ROLE_WEIGHTS, World
from app.models import CoachProfile, Engagement, SupporterProfile
from app.models.profiles import supporter_event_groups, supporter_roles
from app.services import search_demand

RADIUS_KM = 25
MODES = ("either", "either", "either", "in_person", "in_person", "online")


def seed_search_demand(session: Session, world: World, rng: random.Random, today: date,
                       *, days: int = 365, per_day: tuple[int, int] = (15, 45)) -> int:
    """Count a year of demo searches (days older than DEMAND_DAILY_DAYS as months)."""
    supply = _supply(session, world)
    starts = _starts(session, world, rng)
    role_keys = list(ROLE_WEIGHTS)
    role_weights = list(ROLE_WEIGHTS.values())
    group_keys = sorted(world.groups)
    made = 0
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        for _ in range(rng.randint(*per_day)):
            country, area, lat, lon = rng.choice(starts)
            role = rng.choices(role_keys, role_weights)[0] if rng.random() < 0.75 else None
            group = rng.choice(group_keys) if rng.random() < 0.5 else None
            mode = rng.choice(MODES)
            met_in_person, met_online = _met(supply, lat, lon, role, group, mode)
            found = search_demand.Sighting(
                country, area, search_demand.keys([role] if role else []),
                search_demand.keys([group] if group else []), "", mode,
                met_in_person, met_online)
            source = "api" if rng.random() < 0.1 else "site"
            search_demand.record(found, source=source, today=day)
            if (met_in_person or met_online) and rng.random() < 0.2:
                search_demand.request_followed(
                    search_demand.reference(found, source=source), today=day)
            made += 1
    search_demand.flush(connection=session.connection())
    search_demand.roll_up(session, today=today)
    return made


def _starts(session: Session, world: World, rng: random.Random) -> list[tuple]:
    """Where searches start: every demo coach's home, and towns (more often the big ones)."""
    starts = []
    for country, outward, postcode, lat, lon in session.execute(select(
            CoachProfile.country, CoachProfile.outward_code, CoachProfile.postcode,
            CoachProfile.latitude, CoachProfile.longitude).where(
            CoachProfile.latitude.is_not(None))):
        area = outward if country == "GB" else (postcode or "")[:3]
        if area:
            starts.append((country, area, lat, lon))
    for _ in range(len(starts) // 2):
        country = "GB" if rng.random() < 0.9 else "US"
        town, where = world.place(country)
        lat, lon = where["latitude"], where["longitude"]
        if country == "GB":
            area = geodata.nearest_outward_code(lat, lon)
        else:
            nearest = geodata.nearest_zip(lat, lon)
            area = nearest.postcode[:3] if nearest and nearest.postcode else None
        if area:
            starts.append((country, area, lat, lon))
    return starts


def _supply(session: Session, world: World) -> dict:
    """Searchable supporters as arrays: position, travel, places free, online, offers."""
    taken = dict(session.execute(
        select(Engagement.supporter_id, func.count()).where(Engagement.status == "active")
        .group_by(Engagement.supporter_id)).all())
    rows = session.execute(select(
        SupporterProfile.id, SupporterProfile.search_latitude,
        SupporterProfile.search_longitude, SupporterProfile.travel_km,
        SupporterProfile.capacity, SupporterProfile.offers_online).where(
        SupporterProfile.verified_at.is_not(None),
        SupporterProfile.search_latitude.is_not(None))).all()
    index = {row.id: i for i, row in enumerate(rows)}
    roles = np.zeros((len(rows),), dtype=object)
    groups = np.zeros((len(rows),), dtype=object)
    for i in range(len(rows)):
        roles[i], groups[i] = set(), set()
    role_ids = {v: k for k, v in world.roles.items()}
    group_ids = {v: k for k, v in world.groups.items()}
    for supporter_id, role_id in session.execute(select(
            supporter_roles.c.supporter_id, supporter_roles.c.role_id)):
        if supporter_id in index:
            roles[index[supporter_id]].add(role_ids[role_id])
    for supporter_id, group_id in session.execute(select(
            supporter_event_groups.c.supporter_id, supporter_event_groups.c.event_group_id)):
        if supporter_id in index:
            groups[index[supporter_id]].add(group_ids[group_id])
    return {
        "lat": np.radians([r.search_latitude for r in rows]),
        "lon": np.radians([r.search_longitude for r in rows]),
        "travel": np.array([r.travel_km or 0 for r in rows], dtype=float),
        "free": np.array([(r.capacity or 0) > taken.get(r.id, 0) for r in rows]),
        "online": np.array([bool(r.offers_online) for r in rows]),
        "roles": roles, "groups": groups,
    }


def _met(supply: dict, lat: float, lon: float, role, group, mode) -> tuple[bool, bool]:
    offers = supply["free"].copy()
    if role:
        offers &= np.fromiter((role in r for r in supply["roles"]), bool, len(offers))
    if group:
        offers &= np.fromiter((group in g for g in supply["groups"]), bool, len(offers))
    met_online = mode != "in_person" and bool((offers & supply["online"]).any())
    if mode == "online":
        return False, met_online
    phi, lam = np.radians(lat), np.radians(lon)
    a = (np.sin((supply["lat"] - phi) / 2) ** 2
         + np.cos(phi) * np.cos(supply["lat"]) * np.sin((supply["lon"] - lam) / 2) ** 2)
    km = 2 * geodata.EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    near = offers & (km <= RADIUS_KM) & (km <= supply["travel"])
    return bool(near.any()), met_online
