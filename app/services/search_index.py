"""The per-process search index: eligible supporters, ready to rank.

Each worker keeps one ``matching.SupportIndex`` plus the public card of every
eligible supporter, so a search needs no database query beyond a cheap
freshness check. When the data version in the database moves on, the worker
reads which supporters changed (``search_changes``) and applies just those:
about 50 ms at 100,000 supporters, where a rebuild takes seconds. The
whole index is rebuilt when the taxonomy or the weights change, when the date
changes (safeguarding and licence expiry hide people at midnight without any
edit) and every ``rebuild_seconds`` (answering speed, which no edit bumps).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import itertools
import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session, selectinload

import matching
from app.errors import DATABASE_AWAY
from app.models import (
    Engagement,
    EventGroup,
    Need,
    Qualification,
    QualificationFramework,
    RankingWeights,
    SupporterProfile,
    SupportRequest,
    SupportRole,
    User,
)
from app.models.profiles import supporter_event_groups, supporter_expertise, supporter_roles
from app.observability import INDEX_BUILD_CPU_SECONDS, INDEX_BUILD_SECONDS
from app.services.data_version import current_version
from app.services.eligibility import searchable
from app.services.profile_fields import public_town
from app.services.responsiveness import active_recently, reply_days_by_supporter
from app.services.search_cards import CardRow, Cards
from app.services.search_changes import changes_between

log = logging.getLogger(__name__)

#: A supporter id no row has (ids start at 1).
NOBODY = 0


@dataclass(frozen=True)
class Taxonomy:
    """Keys and names of the taxonomy, as the index was built with them."""

    roles: dict[str, str]
    event_groups: dict[str, str]
    needs: dict[str, str]
    qualifications: dict[str, tuple[str, int, str]]  # key -> (name, level, framework key)

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
    cards: Cards
    taxonomy: Taxonomy
    weights: matching.Weights
    # The search form's choices, as plain values: the search page needs no
    # database query of its own (and so answers while the database is away).
    form: dict = field(default_factory=dict)
    built_at: float = field(default_factory=time.monotonic)
    # When the whole index was last read from the database (changes since applied).
    full_built_at: float = field(default_factory=time.monotonic)
    changes_applied: int = 0
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(), compare=False)
    _lazy: dict = field(default_factory=dict, compare=False, repr=False)

    def carried_to(self, today: date) -> Snapshot:
        """Return this snapshot as it stands on ``today``, built without the database.

        Whoever's check or licence has expired since leaves; nothing else can
        change while nobody can write.
        """
        leaving = self.cards.expired_by(today)
        return replace(
            self, built_on=today, index=self.index.without(leaving),
            cards=self.cards.without(leaving),
            built_at=time.monotonic(), answers=AnswerCache(), _lazy={})

    def named(self, text: str) -> list[int]:
        """Return the ids of supporters whose name or club holds every word of ``text``."""
        names = self._lazy.get("names")
        if names is None:  # built on the first search by name, once per snapshot
            names = self._lazy.setdefault("names", [
                (sid, f"{name} {club or ''}".casefold())
                for sid, name, club in self.cards.names()])
        words = text.casefold().split()
        return [sid for sid, haystack in names if all(w in haystack for w in words)]


class AnswerCache:
    """A small thread-safe LRU of rendered search answers for one snapshot."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class SearchIndexCache:
    """Holds the current snapshot; rebuilds it when the data has changed.

    A small index is rebuilt inline, so the very next search sees the change.
    When the last build took longer than ``inline_rebuild_seconds``, searches
    keep using the current snapshot while a background thread builds the next
    one (given a ``session_factory``), so no search waits for a large rebuild.
    A new day always rebuilds inline: expiry must hide people at once.
    """

    def __init__(self, check_seconds: float = 2.0, *, inline_rebuild_seconds: float = 0.5,
                 session_factory=None, rebuild_seconds: float = 3600.0,
                 max_changes: int = 2000):
        self.check_seconds = check_seconds
        self.inline_rebuild_seconds = inline_rebuild_seconds
        self.rebuild_seconds = rebuild_seconds
        # More changed supporters than this at once (an import): rebuild instead.
        self.max_changes = max_changes
        self._session_factory = session_factory
        self._snapshot: Snapshot | None = None
        # Never: the monotonic clock starts near the host's boot, so 0.0 may be
        # only seconds ago (and a check due, skipped for check_seconds).
        self._checked_at = -math.inf
        self._last_build_seconds = 0.0
        self._lock = threading.Lock()
        self._rebuilding: threading.Thread | None = None

    def get(self, session: Session, today: date | None = None) -> Snapshot:
        """Return a fresh-enough snapshot, rebuilding if the data changed."""
        today = today or date.today()
        snapshot = self._snapshot
        now = time.monotonic()
        if (snapshot is not None and snapshot.built_on == today
                and now - self._checked_at < self.check_seconds):
            return snapshot
        with self._lock:
            try:
                version = current_version(session)
            except DATABASE_AWAY:
                if snapshot is None:
                    raise  # nothing to answer from
                # The database is away: keep answering from what this worker
                # holds (already public), and look again after check_seconds.
                session.rollback()
                if snapshot.built_on != today:  # past midnight: expiry still hides
                    snapshot = self._snapshot = snapshot.carried_to(today)
                self._checked_at = time.monotonic()
                log.warning("Database unavailable: search answers from the index of "
                            "version %d", snapshot.version)
                return snapshot
            snapshot = self._snapshot
            self._checked_at = time.monotonic()
            current = snapshot is not None and snapshot.built_on == today
            due = current and time.monotonic() - snapshot.full_built_at >= self.rebuild_seconds
            if current and snapshot.version == version and not due:
                return snapshot
            if current and not due:
                changed = self._apply_changes(session, snapshot, version, today)
                if changed is not None:
                    return changed
            inline = (snapshot is None or snapshot.built_on != today
                      or self._session_factory is None
                      or self._last_build_seconds <= self.inline_rebuild_seconds)
            if inline:
                self._build(session, version, today)
            elif self._rebuilding is None or not self._rebuilding.is_alive():
                self._rebuilding = threading.Thread(
                    target=self._build_in_background, args=(version, today),
                    name="search-index-rebuild", daemon=True)
                self._rebuilding.start()
            return self._snapshot

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild, if one is running (for tests and shutdown)."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)

    def invalidate(self) -> None:
        """Force a freshness check on the next search."""
        self._checked_at = -math.inf

    def rehearse_a_change(self, session: Session) -> None:
        """Apply a change to nobody, so the first real change finds its queries
        compiled (a first compile takes longer than applying the change)."""
        snapshot = self._snapshot
        if snapshot is not None:
            changes_between(session, snapshot.version, snapshot.version)
            apply_changes(session, snapshot, frozenset({NOBODY}), version=snapshot.version,
                          today=snapshot.built_on)

    @property
    def current(self) -> Snapshot | None:
        """The snapshot searches answer from now, or None before the first build."""
        return self._snapshot

    def _build(self, session: Session, version: int, today: date, *,
               mode: str = "inline") -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        snapshot = build_snapshot(session, version=version, today=today)
        self._last_build_seconds = time.perf_counter() - started
        INDEX_BUILD_SECONDS.labels(mode).observe(self._last_build_seconds)
        INDEX_BUILD_CPU_SECONDS.labels(mode).observe(time.thread_time() - cpu)
        if mode == "background":
            # Here, not in the first search with goals text after the swap (1.5 s
            # at 100,000 supporters): nobody waits for a background build.
            snapshot.index.fit_text()
        current = self._snapshot
        if current is None or (current.built_on, current.version) <= (today, version):
            self._snapshot = snapshot
        del current
        return_freed_memory()
        log.info("Search index built: %d supporters, version %d, %.0f ms",
                 len(snapshot.cards), version, self._last_build_seconds * 1000)

    def _apply_changes(self, session: Session, snapshot: Snapshot, version: int,
                       today: date) -> Snapshot | None:
        """Apply the supporters changed since the snapshot; None when only a rebuild will do."""
        started, cpu = time.perf_counter(), time.thread_time()
        changes = changes_between(session, snapshot.version, version)
        if changes.everything or len(changes.supporters) > self.max_changes:
            return None
        changed = apply_changes(session, snapshot, changes.supporters, version=version,
                                today=today)
        seconds = time.perf_counter() - started
        INDEX_BUILD_SECONDS.labels("delta").observe(seconds)
        INDEX_BUILD_CPU_SECONDS.labels("delta").observe(time.thread_time() - cpu)
        if self._snapshot is snapshot:  # a background rebuild may have landed meanwhile
            self._snapshot = changed
        log.info("Search index updated: %d supporters changed, version %d, %.1f ms",
                 len(changes.supporters), version, seconds * 1000)
        return self._snapshot

    def _build_in_background(self, version: int, today: date) -> None:
        try:
            with self._session_factory() as session:
                snapshot_version = current_version(session)
                self._build(session, max(version, snapshot_version), today,
                            mode="background")
        except Exception:  # the old snapshot keeps serving; the next check retries
            log.exception("Background rebuild of the search index failed")
            self.invalidate()


def return_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc; elsewhere, nothing).

    A build frees about as much as it keeps (rows read, the index replaced),
    and glibc keeps freed pages for reuse: without this a worker stays at its
    build's peak (about 40 MB more at 100,000 supporters).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while any build runs (builds may overlap).

    A build makes millions of objects that form no cycles, and each of the
    collector's passes over them finds nothing: at 100,000 supporters they were
    a third of the build's time. Anything cyclic made meanwhile is collected after.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._builds = 0
        self._resume = False

    @contextlib.contextmanager
    def __call__(self):
        with self._lock:
            self._builds += 1
            if self._builds == 1:
                self._resume = gc.isenabled()
                gc.disable()
        try:
            yield
        finally:
            with self._lock:
                self._builds -= 1
                if self._builds == 0 and self._resume:
                    gc.enable()


collector_paused = _CollectorPause()


def load_taxonomy_keys(session: Session) -> Taxonomy:
    """Return every key search knows, retired ones too, with today's names.

    A retired item is offered by no form (``search_form_choices``), but a
    saved search, an old link or a plan may still name it, and supporters who
    hold it are still found by it and explained with its name.
    """
    return Taxonomy(
        roles={r.key: r.name for r in session.scalars(
            select(SupportRole).order_by(SupportRole.sort_order))},
        event_groups={g.key: g.name for g in session.scalars(
            select(EventGroup).order_by(EventGroup.sort_order))},
        needs={n.key: n.name for n in session.scalars(
            select(Need).order_by(Need.sort_order))},
        qualifications={q.key: (q.name, q.level, q.framework.key)
                        for q in session.scalars(select(Qualification)
                                                 .options(selectinload(Qualification.framework)))},
    )


def support_roles(session: Session) -> tuple[matching.Role, ...]:
    """Return the support roles and their ladder rules as the ``support_roles`` table has them.

    A role whose ladder rule matching does not know (a row edited by hand) is
    left out of search, loudly, rather than ranked by a guess.
    """
    roles = []
    for key, rule in session.execute(
            select(SupportRole.key, SupportRole.ladder_rule).order_by(SupportRole.sort_order)):
        try:
            roles.append(matching.Role.from_taxonomy(key, rule))
        except matching.InvalidInput as err:
            log.error("support role %s left out of search: %s", key, err.message)
    return tuple(roles)


def current_weights(session: Session) -> matching.Weights:
    """Return the ranking weights in force: the newest saved set, or the defaults."""
    row = session.scalar(select(RankingWeights).order_by(RankingWeights.id.desc()).limit(1))
    if row is None:
        return matching.Weights()
    return matching.Weights.from_mapping(row.weights)


def build_snapshot(session: Session, *, version: int, today: date) -> Snapshot:
    """Load every searchable supporter and build the index and public cards."""
    with collector_paused():
        return _build_snapshot(session, version=version, today=today)


def _build_snapshot(session: Session, *, version: int, today: date) -> Snapshot:
    taxonomy = load_taxonomy_keys(session)
    index_roles = support_roles(session)
    role_keys = {role.key for role in index_roles}
    # A role search cannot rank (see support_roles) is refused as a filter, by name.
    taxonomy = replace(taxonomy, roles={k: v for k, v in taxonomy.roles.items() if k in role_keys})
    related = {g.key: {r.key for r in g.related} for g in session.scalars(
        select(EventGroup).options(selectinload(EventGroup.related)))}
    candidates, cards = load_supporters(session, today=today, role_keys=role_keys)
    index = matching.SupportIndex.build(candidates, labels=taxonomy.labels(),
                                        related_groups=related, roles=index_roles)
    return Snapshot(version=version, built_on=today, index=index, cards=Cards(cards),
                    taxonomy=taxonomy, weights=current_weights(session),
                    form=search_form_choices(session))


def apply_changes(session: Session, snapshot: Snapshot, supporter_ids: frozenset[int], *,
                  version: int, today: date) -> Snapshot:
    """Return the snapshot with these supporters read afresh: changed, gone or new.

    The same day's index with the same taxonomy and weights: it answers every
    search exactly as ``build_snapshot`` would.
    """
    role_keys = {role.key for role in snapshot.index.roles}
    candidates, cards = load_supporters(session, today=today, role_keys=role_keys,
                                        ids=supporter_ids)
    gone = supporter_ids - cards.keys()
    return replace(
        snapshot, version=version,
        index=snapshot.index.with_changes(candidates, removed=gone),
        cards=snapshot.cards.changed(cards, gone),
        built_at=time.monotonic(), changes_applied=snapshot.changes_applied + len(supporter_ids),
        answers=AnswerCache(), _lazy={})


def load_supporters(session: Session, *, today: date, role_keys: set[str],
                    ids: frozenset[int] | None = None
                    ) -> tuple[list[matching.Candidate], dict[int, CardRow]]:
    """Return the searchable supporters (all, or those of ``ids``) as candidates and
    card rows.

    Plain column queries rather than ORM objects: at 100k supporters this is
    the difference between seconds and a minute.
    """
    # The coarse position only: the index never holds anyone's exact position,
    # so nothing derived from it (distances, radius answers, fallbacks) can.
    query = (
        # The name as an admin verified it: a new one waits like a new bio.
        select(SupporterProfile.id, func.coalesce(SupporterProfile.public_name, User.display_name),
               SupporterProfile.search_latitude,
               SupporterProfile.search_longitude, SupporterProfile.outward_code,
               SupporterProfile.place_label, SupporterProfile.country, SupporterProfile.club,
               SupporterProfile.bio, SupporterProfile.years_coaching,
               SupporterProfile.travel_km, SupporterProfile.offers_online,
               SupporterProfile.capacity, SupporterProfile.last_active_at,
               SupporterProfile.safeguarding_expires_on, SupporterProfile.licence_expires_on,
               Qualification.name, Qualification.level, QualificationFramework.key)
        .join(User, User.id == SupporterProfile.user_id)
        .outerjoin(Qualification, Qualification.id == SupporterProfile.qualification_id)
        .outerjoin(QualificationFramework,
                   QualificationFramework.id == Qualification.framework_id)
        # No ORDER BY: the index lays rows out in its own order, and sorting
        # 100,000 rows with their bios spilled to disk (a third of the query).
        .where(searchable(today)))
    if ids is not None and not ids:
        return [], {}
    query = _only(query, SupporterProfile.id, ids)
    # Roles: only those search can rank (see support_roles).
    roles = _links(session, supporter_roles.c.role_id, SupportRole, ids, only=role_keys)
    groups = _links(session, supporter_event_groups.c.event_group_id, EventGroup, ids)
    expertise = _links(session, supporter_expertise.c.need_id, Need, ids)
    engaged = _active_engagements(session, ids)
    rates = _response_rates(session, ids)
    # How quickly each answers: one grouped query for everyone (see responsiveness).
    replies = reply_days_by_supporter(session, now=datetime.now(UTC),
                                      supporter_ids=None if ids is None else sorted(ids))
    # Core rows, not the ORM's: at 100,000 supporters and half a million links
    # the ORM's result handling alone costs seconds. Taken a thousand at a time,
    # not all at once: the values the cards keep then lie together in memory,
    # not among 100,000 freed rows that the process could not give back.
    rows = itertools.chain.from_iterable(
        session.connection().execute(query).partitions(1000))

    # One copy of each value many supporters hold (cards are read, never changed)
    # keeps a worker's memory down; sets of roles, groups and needs come shared.
    shared: dict = {}

    def one(value):  # one copy of a value many supporters hold (a club, a date)
        return shared.setdefault(value, value)

    def club_of(club: str | None) -> str | None:
        found = shared.get(("club", club))
        if found is None:
            found = shared[("club", club)] = club_key(club)
        return found

    def town_of(outward: str | None, place: str | None) -> str | None:
        found = shared.get(("town", outward, place))
        if found is None:
            found = shared[("town", outward, place)] = public_town(outward, place)
        return found

    candidates, cards = [], {}
    now = datetime.now(UTC)
    for (sid, name, lat, lon, outward, place, country, club, bio, years, travel, online,
         capacity, last_active, safeguarding_until, licence_until, qualification, level,
         framework) in rows:
        capacity_left = capacity - engaged.get(sid, 0)
        qualification = one(qualification)
        if last_active is not None and last_active.tzinfo is None:
            last_active = last_active.replace(tzinfo=UTC)
        its_roles, its_groups, its_needs = (roles.get(sid, _NONE_HELD), groups.get(sid, _NONE_HELD),
                                            expertise.get(sid, _NONE_HELD))
        try:
            candidate = matching.Candidate(
                id=sid, lat=lat, lon=lon,
                roles=its_roles.keys, event_groups=its_groups.keys, needs=its_needs.keys,
                level=level or 0, qualification=qualification or "",
                club=club_of(club), travel_km=travel, offers_online=online,
                capacity_left=capacity_left, response_rate=rates.get(sid),
                # A moment ahead of this server's clock (another server's skew, an
                # import) is activity today, not a reason to drop the supporter.
                last_active=max((now - last_active).days, 0) if last_active else None,
                bio=f"{bio or ''} {its_needs.names}" if its_needs.names else bio or "",
                country=country_scope(country), framework=framework,
            )
        except matching.InvalidCandidate as err:
            # One unusable profile (say, verified with no support role) must not
            # take search down for everyone: leave it out and say so.
            log.warning("supporter %s left out of search: %s", sid, err)
            continue
        candidates.append(candidate)
        cards[sid] = CardRow(
            name=name, roles=its_roles.pairs, event_groups=its_groups.pairs,
            expertise=its_needs.pairs,
            qualification=qualification, years_coaching=years, club=one(club),
            bio=bio or "", near=one(outward), place=town_of(outward, place),
            area_lat=lat, area_lon=lon, online=online, travel_km=travel,
            capacity_left=capacity_left, replies_within_days=replies.get(sid),
            active_this_month=active_recently(last_active, now),
            last_day=one(min(safeguarding_until, licence_until)))
    return candidates, cards


def search_form_choices(session: Session) -> dict:
    """Return the taxonomy as the search form offers it, as plain values (no retired items)."""
    from app.services.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(session)
    return {
        "support_roles": [{"key": r.key, "name": r.name} for r in taxonomy["support_roles"]],
        "event_groups": [{"key": g.key, "name": g.name} for g in taxonomy["event_groups"]],
        "needs": [{"key": n.key, "name": n.name, "category": n.category}
                  for n in taxonomy["needs"]],
        "ladders": [{"name": ladder.name, "qualifications": [
            {"key": q.key, "name": q.name, "supporter_only": q.supporter_only}
            for q in ladder.qualifications]} for ladder in taxonomy["ladders"]],
    }


def country_scope(country: str | None) -> str | None:
    """Return the country whose coaches someone in ``country`` supports ("JE" -> "GB").

    Athletics in Jersey, Guernsey and the Isle of Man is run through the
    British governing bodies, so their supporters and coaches count as GB.
    """
    return _SCOPES.get(country, country) if country else None


_SCOPES = {"JE": "GB", "GG": "GB", "IM": "GB"}


def club_key(club: str | None) -> str | None:
    """Return a comparable form of a club name ("Leeds City AC " -> "leeds city ac")."""
    return " ".join(club.lower().split()) if club else None


class _Held(NamedTuple):
    """One distinct set of a link table's items (roles, event groups or needs),
    shared by every supporter who holds it."""

    pairs: tuple[tuple[str, str], ...]  # (key, name), in the taxonomy's order: the card's
    keys: frozenset[str]                # what search ranks by
    names: str                          # "Speed Strength": searched with the bio


_NONE_HELD = _Held((), frozenset(), "")


def _links(session: Session, column, model, ids=None, *,
           only: set[str] | None = None) -> dict[int, _Held]:
    """Return ``{supporter_id: held}`` for one of the profile's link tables.

    Supporters hold a few hundred distinct sets: each is one shared record.
    ``only``: the keys search may rank by; others stay on the card alone.
    """
    table = column.table
    # The taxonomy is small: join it here, in its order, rather than in every row.
    taxonomy = session.execute(
        select(model.id, model.key, model.name).order_by(model.sort_order, model.id)).all()
    names = {model_id: (key, name) for model_id, key, name in taxonomy}
    order = {model_id: i for i, (model_id, _, _) in enumerate(taxonomy)}
    # One row a supporter, their ids joined by the database ("3,12,5"): a fifth of
    # the rows Python would otherwise read, one at a time, for the needs table.
    rows = session.connection().execute(_only(
        select(table.c.supporter_id, func.aggregate_strings(cast(column, String), ","))
        .group_by(table.c.supporter_id), table.c.supporter_id, ids)).all()
    by_text: dict[str, _Held] = {}
    shared: dict[tuple[int, ...], _Held] = {}
    found = {}
    for sid, text in rows:
        held = by_text.get(text)
        if held is None:
            items = tuple(sorted(map(int, text.split(",")), key=order.__getitem__))
            held = shared.get(items)
            if held is None:
                pairs = tuple(names[m] for m in items)
                held = shared[items] = _Held(
                    pairs=pairs,
                    keys=frozenset(k for k, _ in pairs if only is None or k in only),
                    names=" ".join(n for _, n in pairs))
            by_text[text] = held
        found[sid] = held
    return found


def _only(query, column, ids):
    """Return the query limited to these supporters (all when ``ids`` is None)."""
    return query if ids is None else query.where(column.in_(sorted(ids)))


def _active_engagements(session: Session, ids=None) -> dict[int, int]:
    return dict(session.execute(_only(
        select(Engagement.supporter_id, func.count())
        .where(Engagement.status == "active").group_by(Engagement.supporter_id),
        Engagement.supporter_id, ids)).all())


def _response_rates(session: Session, ids=None) -> dict[int, float]:
    """Share of each supporter's settled requests they answered (accepted or declined)."""
    answered = func.sum(case((SupportRequest.status.in_(("accepted", "declined")), 1), else_=0))
    settled = func.sum(case((SupportRequest.status.in_(("accepted", "declined", "expired")), 1),
                            else_=0))
    rows = session.execute(_only(
        select(SupportRequest.supporter_id, answered, settled)
        .group_by(SupportRequest.supporter_id), SupportRequest.supporter_id, ids)).all()
    return {sid: a / s for sid, a, s in rows if s}
