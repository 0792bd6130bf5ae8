"""The per-process search index: eligible supporters, ready to rank.

Each worker keeps one ``matching.SupportIndex`` plus the public card of every
eligible supporter, so a search needs no database query beyond a cheap
freshness check. The index is rebuilt when the data version in the database
changes (any edit that affects search bumps it) or when the date changes
(safeguarding and licence expiry hide people at midnight without any edit).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

import geodata
import matching
from app.models import (
    Engagement,
    EventGroup,
    Need,
    Qualification,
    RankingWeights,
    SupporterProfile,
    SupportRequest,
    SupportRole,
    User,
)
from app.services.data_version import current_version
from app.services.eligibility import searchable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taxonomy:
    """Keys and names of the taxonomy, as the index was built with them."""

    roles: dict[str, str]
    event_groups: dict[str, str]
    needs: dict[str, str]
    qualifications: dict[str, tuple[str, int]]  # key -> (name, level)

    def labels(self) -> matching.Labels:
        return matching.Labels(
            event_groups=self.event_groups,
            needs={k: v for k, v in self.needs.items()},
            roles={k: v.lower() for k, v in self.roles.items()},
        )


@dataclass(frozen=True)
class Snapshot:
    """An index and everything a search needs to answer without the database."""

    version: int
    built_on: date
    index: matching.SupportIndex
    cards: dict[int, dict]
    taxonomy: Taxonomy
    weights: matching.Weights
    built_at: float = field(default_factory=time.monotonic)


class SearchIndexCache:
    """Holds the current snapshot; rebuilds it when the data has changed."""

    def __init__(self, check_seconds: float = 2.0):
        self.check_seconds = check_seconds
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def get(self, session: Session, today: date | None = None) -> Snapshot:
        """Return a fresh-enough snapshot, rebuilding if the data changed."""
        today = today or date.today()
        snapshot = self._snapshot
        now = time.monotonic()
        if (snapshot is not None and snapshot.built_on == today
                and now - self._checked_at < self.check_seconds):
            return snapshot
        with self._lock:
            version = current_version(session)
            snapshot = self._snapshot
            self._checked_at = time.monotonic()
            if snapshot is None or snapshot.version != version or snapshot.built_on != today:
                started = time.perf_counter()
                snapshot = build_snapshot(session, version=version, today=today)
                self._snapshot = snapshot
                log.info("Search index built: %d supporters, version %d, %.0f ms",
                         len(snapshot.cards), version, (time.perf_counter() - started) * 1000)
            return snapshot

    def invalidate(self) -> None:
        """Force a freshness check on the next search."""
        self._checked_at = 0.0


def load_taxonomy_keys(session: Session) -> Taxonomy:
    return Taxonomy(
        roles={r.key: r.name for r in session.scalars(
            select(SupportRole).order_by(SupportRole.sort_order))},
        event_groups={g.key: g.name for g in session.scalars(
            select(EventGroup).order_by(EventGroup.sort_order))},
        needs={n.key: n.name for n in session.scalars(
            select(Need).where(Need.active).order_by(Need.sort_order))},
        qualifications={q.key: (q.name, q.level) for q in session.scalars(select(Qualification))},
    )


def current_weights(session: Session) -> matching.Weights:
    """Return the ranking weights in force: the newest saved set, or the defaults."""
    row = session.scalar(select(RankingWeights).order_by(RankingWeights.id.desc()).limit(1))
    if row is None:
        return matching.Weights()
    return matching.Weights.from_mapping(row.weights)


def build_snapshot(session: Session, *, version: int, today: date) -> Snapshot:
    taxonomy = load_taxonomy_keys(session)
    related = {g.key: {r.key for r in g.related} for g in session.scalars(
        select(EventGroup).options(selectinload(EventGroup.related)))}
    profiles = session.scalars(
        select(SupporterProfile)
        .join(User, User.id == SupporterProfile.user_id)
        .where(searchable(today))
        .options(selectinload(SupporterProfile.roles),
                 selectinload(SupporterProfile.event_groups),
                 selectinload(SupporterProfile.expertise),
                 selectinload(SupporterProfile.qualification),
                 selectinload(SupporterProfile.user))
        .order_by(SupporterProfile.id)
    ).all()
    engaged = _active_engagements(session)
    rates = _response_rates(session)

    candidates, cards = [], {}
    now = datetime.now(UTC)
    for p in profiles:
        capacity_left = p.capacity - engaged.get(p.id, 0)
        last_active = p.last_active_at
        if last_active is not None and last_active.tzinfo is None:
            last_active = last_active.replace(tzinfo=UTC)
        candidates.append(matching.Candidate(
            id=p.id, lat=p.latitude, lon=p.longitude,
            roles=frozenset(r.key for r in p.roles),
            event_groups=frozenset(g.key for g in p.event_groups),
            needs=frozenset(n.key for n in p.expertise),
            level=p.qualification.level if p.qualification else 0,
            qualification=p.qualification.name if p.qualification else "",
            club=club_key(p.club),
            travel_km=p.travel_km, offers_online=p.offers_online,
            capacity_left=capacity_left,
            response_rate=rates.get(p.id),
            last_active=(now - last_active).days if last_active else None,
            bio=" ".join([p.bio or "", *(n.name for n in p.expertise)]),
        ))
        cards[p.id] = public_card(p, capacity_left)
    index = matching.SupportIndex.build(candidates, labels=taxonomy.labels(),
                                        related_groups=related)
    return Snapshot(version=version, built_on=today, index=index, cards=cards,
                    taxonomy=taxonomy, weights=current_weights(session))


def club_key(club: str | None) -> str | None:
    """Return a comparable form of a club name ("Leeds City AC " -> "leeds city ac")."""
    return " ".join(club.lower().split()) if club else None


def public_card(profile: SupporterProfile, capacity_left: int) -> dict:
    """Return the public view of a supporter: nothing exact, nothing to contact them by."""
    area = _public_area(profile)
    return {
        "id": profile.id,
        "name": profile.user.display_name,
        "roles": [{"key": r.key, "name": r.name} for r in profile.roles],
        "event_groups": [{"key": g.key, "name": g.name} for g in profile.event_groups],
        "expertise": [{"key": n.key, "name": n.name} for n in profile.expertise],
        "qualification": profile.qualification.name if profile.qualification else None,
        "years_coaching": profile.years_coaching,
        "club": profile.club,
        "bio": profile.bio or "",
        "near": profile.outward_code,
        "place": profile.place_label,
        "area_lat": area[0] if area else None,
        "area_lon": area[1] if area else None,
        "online": profile.offers_online,
        "travel_km": profile.travel_km,
        "availability": {"status": "available" if capacity_left > 0 else "waitlist",
                         "places_free": max(capacity_left, 0)},
    }


def _public_area(profile: SupporterProfile) -> tuple[float, float] | None:
    """The centre of the supporter's public area, rounded so it pins no one down."""
    if profile.latitude is None:
        return None
    coarse = geodata.coarsen(geodata.Location(
        lat=profile.latitude, lon=profile.longitude, precision="postcode",
        label=profile.outward_code or "", outward_code=profile.outward_code,
        country=profile.country))
    return round(coarse.lat, 2), round(coarse.lon, 2)


def _active_engagements(session: Session) -> dict[int, int]:
    return dict(session.execute(
        select(Engagement.supporter_id, func.count())
        .where(Engagement.status == "active").group_by(Engagement.supporter_id)).all())


def _response_rates(session: Session) -> dict[int, float]:
    """Share of each supporter's settled requests they answered (accepted or declined)."""
    answered = func.sum(case((SupportRequest.status.in_(("accepted", "declined")), 1), else_=0))
    settled = func.sum(case((SupportRequest.status.in_(("accepted", "declined", "expired")), 1),
                            else_=0))
    rows = session.execute(
        select(SupportRequest.supporter_id, answered, settled)
        .group_by(SupportRequest.supporter_id)).all()
    return {sid: a / s for sid, a, s in rows if s}
