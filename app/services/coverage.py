"""Coverage of demand: where coaches look for support and find none, and whom to ask.

Read from the search demand counts (``search_demand``): per postcode district
or US ZIP3 area, how many searches were made, how many found someone in
person with a place free, online, and how many requests followed; beside
them the supply there (searchable supporters based in the area and their free
places), and, for the most unmet areas, the nearest supporters who are full or
paused: the people an admin could ask to take one more coach.

Searches for online support only are left out of the areas (they ask for
nobody near) and counted in one line, as are searches from crawlers and from
clients a rate limit refused, which are not taken for coaches unless asked.

Privacy: nothing here is about one coach. A count from 1 to ``min_count - 1``
(``COVERAGE_MIN_COUNT``) is never shown, and never left derivable from what is
shown beside it: within an area, the searches that found someone and those
that did not add up to the searches, so when either is small both are given
as a range of the values they could take (``*_between``); totals add up only
the counts shown. An area with too few searches shows nothing but that.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from flask import current_app
from sqlalchemy import Date, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

import geodata
from app.errors import InvalidInput
from app.models import (
    Engagement,
    EventGroup,
    SearchDemand,
    SupporterProfile,
    SupportRole,
    User,
    WidgetKey,
)
from app.models.profiles import supporter_event_groups, supporter_roles
from app.services import audit, csv_files, search_demand
from app.services.eligibility import searchable
from app.services.permissions import require_admin
from app.services.search_index import country_scope

#: Time range presets: the last 30 days, 90 days or 12 months (to today).
PRESETS = {"30d": 30, "90d": 90, "12m": 365}
DEFAULT_PRESET = "12m"
TRAFFIC = ("person", "limited", "bot", "all")
#: The most unmet areas for which the nearest full or paused supporters are listed.
WHOM_TO_ASK_AREAS = 10
#: How many of them per area.
WHOM_TO_ASK_EACH = 5
#: A time range longer than this many days reads most of the demand table.
LONG_RANGE_DAYS = 120
#: An index holding every column the coverage reads, in area order.
COVERING_INDEX = "ix_search_demand_coverage"
#: How long a worker keeps the sums of days before yesterday for a set of filters.
HISTORY_SECONDS = 300
#: Below this a threshold cannot protect anything: with 2 searches in an area and
#: a threshold of 2, one search found someone and one did not, whatever is hidden.
LEAST_MIN_COUNT = 3
#: The share of searches that found someone in person with a place free, in five
#: bands, coloured from viridis (readable with every common colour blindness).
BANDS = (
    {"band": 0, "from": 0.0, "to": 0.2, "label": "under 20%", "colour": "#440154"},
    {"band": 1, "from": 0.2, "to": 0.4, "label": "20% to 40%", "colour": "#3b528b"},
    {"band": 2, "from": 0.4, "to": 0.6, "label": "40% to 60%", "colour": "#21918c"},
    {"band": 3, "from": 0.6, "to": 0.8, "label": "60% to 80%", "colour": "#5ec962"},
    {"band": 4, "from": 0.8, "to": 1.0, "label": "80% or more", "colour": "#fde725"},
)
CSV_HEADER = ["country", "area", "label", "searches", "found_in_person", "found_in_person_share",
              "unmet", "found_online", "requests", "supporters", "supporters_with_places",
              "places_free", "latitude", "longitude"]


@dataclass(frozen=True)
class Filters:
    """What an admin asked to see, with the time range resolved to dates."""

    date_from: date
    date_to: date
    preset: str | None
    role: str | None = None
    event_group: str | None = None
    traffic: str = "person"
    source: str | None = None
    widget_key_id: int | None = None
    country: str | None = None


def min_count() -> int:
    """Return the smallest count shown (``COVERAGE_MIN_COUNT``, at least 3)."""
    return max(int(current_app.config.get("COVERAGE_MIN_COUNT", 5)), LEAST_MIN_COUNT)


def coverage(session: Session, admin: User, args: dict | None = None, *,
             today: date | None = None) -> dict:
    """Return demand and supply by area, most unmet first, and whom to ask near the worst.

    ``args`` as ``CoverageArgs`` loads them. This worker's counts are written
    first, so a search made a moment ago is included.
    """
    require_admin(admin)
    today = today or date.today()
    filters = resolve_filters(session, args or {}, today=today)
    search_demand.flush()
    k = min_count()
    demand, other, counted_from = _demand(session, filters, today)
    supply = _supply(session, filters, today)
    areas = [_area(country, area, counts, supply.get((country, area)), k)
             for (country, area), counts in demand.items()]
    areas.sort(key=_most_unmet_first)
    shown = [a for a in areas if a["searches"] is not None]
    return {
        "range": {"from": filters.date_from, "to": filters.date_to, "preset": filters.preset,
                  "counted_from": counted_from},
        "filters": {"role": filters.role, "event_group": filters.event_group,
                    "traffic": filters.traffic, "source": filters.source,
                    "widget_key_id": filters.widget_key_id, "country": filters.country},
        "min_count": k,
        "bands": list(BANDS),
        "totals": {
            "areas": len(shown),
            "few_areas": len(areas) - len(shown),
            **{name: sum(a[name] for a in shown if a[name] is not None)
               for name in ("searches", "found_in_person", "unmet", "requests")},
        },
        "other": {name: _cell(n, k) for name, n in other.items()},
        "areas": areas,
        "whom_to_ask": _whom_to_ask(session, filters, areas, today),
    }


def export_csv(session: Session, admin: User, args: dict | None = None, *,
               today: date | None = None) -> tuple[str, str]:
    """Return (file name, CSV text) of the coverage table, every area; the download is audited.

    A count too small to show is written as the page shows it ("fewer than 5",
    "46 to 49"), never as the number.
    """
    view = coverage(session, admin, args, today=today)
    k = view["min_count"]
    rows = [[a["country"], a["area"], a["label"], _text(a, "searches", k),
             _text(a, "found_in_person", k),
             None if a["share_found_in_person"] is None else round(a["share_found_in_person"], 3),
             _text(a, "unmet", k), _text(a, "found_online", k), _text(a, "requests", k),
             a["supporters"], a["supporters_with_places"], a["places_free"],
             a["lat"], a["lon"]] for a in view["areas"]]
    audit.record(session, "coverage.exported", actor=admin, details={"rows": len(rows)})
    return (csv_files.download_name("coverage", today or date.today()),
            csv_files.as_csv(CSV_HEADER, rows, bom=True))


def choices(session: Session, admin: User) -> dict:
    """Return what the filters offer: roles, event groups and widget keys, by name."""
    require_admin(admin)
    return {
        "roles": [{"key": k, "name": n} for k, n in session.execute(
            select(SupportRole.key, SupportRole.name).order_by(SupportRole.sort_order))],
        "event_groups": [{"key": k, "name": n} for k, n in session.execute(
            select(EventGroup.key, EventGroup.name).order_by(EventGroup.sort_order))],
        "widget_keys": [{"id": i, "name": n} for i, n in session.execute(
            select(WidgetKey.id, WidgetKey.club_name).order_by(WidgetKey.club_name,
                                                               WidgetKey.id))],
        "presets": list(PRESETS),
        "traffic": list(TRAFFIC),
    }


def resolve_filters(session: Session, args: dict, *, today: date) -> Filters:
    """Check ``args`` against the taxonomy and widget keys; resolve the time range."""
    errors: dict[str, list[str]] = {}
    for name, model in (("role", SupportRole), ("event_group", EventGroup)):
        key = args.get(name)
        # Retired keys too: searches made before an item was retired still count.
        if key and session.scalar(select(model.id).where(model.key == key)) is None:
            errors[name] = [f"Unknown {name.replace('_', ' ')}: {key}. "
                            "See /api/v1/taxonomy for the keys."]
    widget_key_id = args.get("widget_key")
    if widget_key_id is not None and session.get(WidgetKey, widget_key_id) is None:
        errors["widget_key"] = [f"There is no widget key {widget_key_id}."]
    date_to = args.get("date_to") or today
    date_from = args.get("date_from")
    # Dates given win over a preset; without a start, the preset counts back from the end.
    preset = None if date_from else args.get("preset") or DEFAULT_PRESET
    if date_from is None:
        date_from = date_to - timedelta(days=PRESETS[preset] - 1)
    elif date_from > date_to:
        errors["from"] = [f"Choose a start on or before the end ({date_to.isoformat()})."]
    if errors:
        raise InvalidInput("Some of the filters are not valid: see errors for each field.",
                           errors=errors)
    return Filters(date_from=date_from, date_to=date_to, preset=preset,
                   role=args.get("role"), event_group=args.get("event_group"),
                   traffic=args.get("traffic") or "person", source=args.get("source"),
                   widget_key_id=widget_key_id, country=args.get("country"))


# --- Demand ---------------------------------------------------------------------------


def _like_key(column, key: str):
    """Return ``column`` holds ``key`` in its ",a,b," list (``_`` is no wildcard here)."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%,{escaped},%", escape="\\")


def _demand(session: Session, filters: Filters, today: date):
    """Return ``{(country, area): counts}``, the other traffic's totals, and the first day.

    Counts from before yesterday change only when days are merged into months
    or a worker writes old counts late, so each worker keeps their sums for
    ``HISTORY_SECONDS``; yesterday's and today's are read every time (a search
    made a moment ago is counted at once).
    """
    live_from = today - timedelta(days=1)
    demand: dict[tuple[str, str], list[int]] = {}
    other = dict.fromkeys(("online_only", "person", "limited", "bot"), 0)
    if filters.date_from.replace(day=1) < live_from:  # (a month is kept under its first day)
        key = (filters, live_from)
        history = _history().get(key)
        if history is None:
            history = _history().put(key, _sums(session, filters, before=live_from))
        _add(demand, other, history, filters.traffic)
    if filters.date_to >= live_from:
        _add(demand, other, _sums(session, filters, since=live_from), filters.traffic)
    # The other traffic: what the areas do not count.
    for shown in ("person", "limited", "bot") if filters.traffic == "all" else (filters.traffic,):
        del other[shown]
    d = SearchDemand
    month_start = filters.date_from.replace(day=1)
    whole_month = month_start < filters.date_from and session.scalar(
        select(d.id).where(d.period == "month", d.day >= month_start,
                           d.day < filters.date_from).limit(1)) is not None
    return ({key: counts for key, counts in demand.items() if counts[0] > 0}, other,
            month_start if whole_month else filters.date_from)


def _sums(session: Session, filters: Filters, *, before: date | None = None,
          since: date | None = None) -> list[tuple]:
    """Return the range's sums by (country, area, traffic, mode): one grouped statement.

    ``before`` / ``since``: only the range's days before, or since, that day.
    """
    d = SearchDemand
    day = d.day
    if since is not None:
        # The last days: daily rows only, found through the day index.
        where = [day >= max(since, filters.date_from), day <= filters.date_to]
    else:
        if ((filters.date_to - filters.date_from).days > LONG_RANGE_DAYS
                and _reads_in_area_order(session)):
            # Most of the table: read it in area order from the covering index,
            # summing as it goes, rather than through the day index and a sort of
            # every row. "+day" keeps SQLite's planner off an index on day.
            day = literal_column(f"+{SearchDemand.__tablename__}.day", Date)
        # Days older than the daily rows are kept by month (``day`` is the month's
        # first): a range starting within such a month counts the whole month.
        where = [day >= filters.date_from.replace(day=1),
                 day <= min(filters.date_to, before - timedelta(days=1)),
                 or_(d.period == "month", day >= filters.date_from)]
    if filters.role:
        where.append(_like_key(d.roles, filters.role))
    if filters.event_group:
        where.append(_like_key(d.event_groups, filters.event_group))
    if filters.source:
        where.append(d.source == filters.source)
    if filters.widget_key_id is not None:
        where.append(d.widget_key_id == filters.widget_key_id)
    if filters.country:
        where.append(d.country == filters.country)
    return [tuple(row) for row in session.execute(
        select(d.country, d.area, d.traffic, d.mode, func.sum(d.searches),
               func.sum(d.met_in_person), func.sum(d.met_online), func.sum(d.requests))
        .where(*where).group_by(d.country, d.area, d.traffic, d.mode))]


def _reads_in_area_order(session: Session) -> bool:
    """Return whether a long range is best read through ``COVERING_INDEX`` (SQLite).

    SQLite has no statistics unless asked to gather them, so it takes the day
    index for any range on day. PostgreSQL's planner chooses well by itself.
    The index is the model's and migration 0018's, so it is always there.
    """
    return session.get_bind().dialect.name == "sqlite"


def _add(demand: dict, other: dict, sums: list[tuple], traffic_shown: str) -> None:
    """Add grouped sums to the areas' counts, or to the other traffic's and online totals."""
    for country, area, traffic, mode, searches, met, online_met, requests in sums:
        if traffic_shown not in ("all", traffic):
            other[traffic] += int(searches)
        elif mode == "online":
            other["online_only"] += int(searches)
        else:
            counts = demand.setdefault((country, area), [0, 0, 0, 0])
            for i, n in enumerate((searches, met, online_met, requests)):
                counts[i] += int(n or 0)


class _Kept:
    """A few answers kept for a while: ``get`` returns None once one is older than ``seconds``."""

    def __init__(self, seconds: float, size: int = 32):
        self.seconds, self.size = seconds, size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key, value):
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def _history() -> _Kept:
    """Return this worker's kept sums of days before yesterday, creating it on first use."""
    kept = current_app.extensions.get("coverage_history")
    if kept is None:
        kept = current_app.extensions.setdefault("coverage_history", _Kept(HISTORY_SECONDS))
    return kept


def _area(country: str, area: str, counts: list[int], supply, k: int) -> dict:
    searches, met, met_online, requests = counts
    try:
        centre = geodata.area_centre(country, area)
        label, lat, lon = centre.label, round(centre.lat, 5), round(centre.lon, 5)
    except geodata.GeodataError:  # an area the offline data has no centre for
        label, lat, lon = area, None, None
    row = {"country": country, "area": area, "label": label, "lat": lat, "lon": lon,
           "supporters": supply[0] if supply else 0,
           "supporters_with_places": supply[1] if supply else 0,
           "places_free": supply[2] if supply else 0}
    if searches < k:
        # Too few to say anything more: how many, what they found, what followed.
        row.update(_cell(searches, k, "searches"))
        for name in ("found_in_person", "unmet", "found_online", "requests"):
            row.update({name: None, f"{name}_between": None})
        row.update(share_found_in_person=None, band=None)
        return row
    row.update(searches=searches, searches_between=None)
    found, unmet = _pair(met, searches, k)
    row.update(found_in_person=found[0], found_in_person_between=found[1],
               unmet=unmet[0], unmet_between=unmet[1])
    online, _ = _pair(met_online, searches, k)
    row.update(found_online=online[0], found_online_between=online[1])
    row.update(_cell(requests, k, "requests"))
    if found[0] is not None:
        row["share_found_in_person"] = met / searches
        row["band"] = _band(met / searches)
    else:
        # Only the range is known; a band is shown when the whole range lies in one.
        lo, hi = (_band(n / searches) for n in found[1])
        row["share_found_in_person"] = None
        row["band"] = lo if lo == hi else None
    return row


def _cell(n: int, k: int, name: str | None = None):
    """Return a count as shown: itself, or (1 to k - 1) as the range it lies in."""
    value, between = (n, None) if n == 0 or n >= k else (None, [1, k - 1])
    if name is None:
        return {"value": value, "between": between}
    return {name: value, f"{name}_between": between}


def _pair(part: int, total: int, k: int):
    """Return ``part`` and ``total - part`` as shown: ``((value, between), (value, between))``.

    Both are exact when neither is small (1 to k - 1). Otherwise both are
    ranges, chosen so that neither can be told from the other and the total:
    with a total of at least ``2k - 1`` only one of the two can be small, and it
    is "1 to k - 1" while the other is "total - k + 1 to total - 1"; with a
    smaller total either might be, so both are "1 to total - 1".
    """
    rest = total - part

    def small(n: int) -> bool:
        return 0 < n < k

    if not small(part) and not small(rest):
        return (part, None), (rest, None)
    if total >= 2 * k - 1:
        few, many = [1, k - 1], [total - k + 1, total - 1]
        return ((None, few), (None, many)) if small(part) else ((None, many), (None, few))
    return (None, [1, total - 1]), (None, [1, total - 1])


def _band(share: float) -> int:
    return min(int(share * len(BANDS)), len(BANDS) - 1)


def _unmet_at_least(row: dict) -> int:
    """Return the unmet searches as shown: the count, or the least of its range (0: unknown)."""
    if row["unmet"] is not None:
        return row["unmet"]
    return row["unmet_between"][0] if row["unmet_between"] else 0


def _most_unmet_first(row: dict):
    """Order by what is shown: unmet searches (a range by its least), then searches."""
    if row["searches"] is None:
        return (1, 0, 0, row["country"], row["area"])
    return (0, -_unmet_at_least(row), -row["searches"], row["country"], row["area"])


def _text(row: dict, name: str, k: int) -> int | str | None:
    """Return a count for the CSV: the number, or the range it lies in, in words."""
    if row[name] is not None:
        return row[name]
    return range_words(row[f"{name}_between"], k) or None


def count_text(value: int | None, between: list[int] | None, k: int) -> str:
    """Return a shown count in words: "1,234", "fewer than 5" or "46 to 49"."""
    if value is not None:
        return f"{value:,}"
    return range_words(between, k)


def range_words(between: list[int] | None, k: int) -> str:
    """Return a hidden count's range in words: "fewer than 5", "46 to 49" ("" if unknown)."""
    if between is None:
        return ""
    lo, hi = between
    return f"fewer than {k}" if (lo, hi) == (1, k - 1) else f"{lo:,} to {hi:,}"


# --- Supply -----------------------------------------------------------------------------


def _taken_places():
    return (select(Engagement.supporter_id, func.count().label("coaches"))
            .where(Engagement.status == "active").group_by(Engagement.supporter_id)
            .subquery())


def _supporter_filters(filters: Filters) -> list:
    where = []
    if filters.role:
        where.append(SupporterProfile.id.in_(
            select(supporter_roles.c.supporter_id)
            .join(SupportRole, SupportRole.id == supporter_roles.c.role_id)
            .where(SupportRole.key == filters.role)))
    if filters.event_group:
        where.append(SupporterProfile.id.in_(
            select(supporter_event_groups.c.supporter_id)
            .join(EventGroup, EventGroup.id == supporter_event_groups.c.event_group_id)
            .where(EventGroup.key == filters.event_group)))
    return where


def _supply(session: Session, filters: Filters, today: date) -> dict:
    """Return ``{(country, area): (supporters, with places, places free)}``: one grouped query.

    A supporter's area is the public one on their profile: their district
    (``LS6``), or their ZIP3 area (``100xx``, kept as ``100``).
    """
    taken = _taken_places()
    left = SupporterProfile.capacity - func.coalesce(taken.c.coaches, 0)
    rows = session.execute(
        select(SupporterProfile.country, SupporterProfile.outward_code, func.count(),
               func.sum(case((left > 0, 1), else_=0)),
               func.sum(case((left > 0, left), else_=0)))
        .join(User, User.id == SupporterProfile.user_id)
        .outerjoin(taken, taken.c.supporter_id == SupporterProfile.id)
        .where(searchable(today), SupporterProfile.outward_code.is_not(None),
               *_supporter_filters(filters))
        .group_by(SupporterProfile.country, SupporterProfile.outward_code)).all()
    supply: dict[tuple[str, str], tuple[int, int, int]] = {}
    for country, outward, supporters, with_places, free in rows:
        area = outward.removesuffix("xx") if country == "US" else outward
        before = supply.get((country, area), (0, 0, 0))
        supply[(country, area)] = (before[0] + supporters, before[1] + int(with_places or 0),
                                   before[2] + int(free or 0))
    return supply


# --- Whom to ask -------------------------------------------------------------------------


def _whom_to_ask(session: Session, filters: Filters, areas: list[dict], today: date) -> list:
    """Return, for the most unmet areas, the nearest supporters who are full or paused.

    Otherwise they could be found: verified, check and licence in date,
    visible, account open. Distances are from the area's centre to where
    search places the supporter (their sector's centre), in whole kilometres.
    """
    worst = [a for a in areas if a["lat"] is not None and _unmet_at_least(a)
             ][:WHOM_TO_ASK_AREAS]
    if not worst:
        return []
    taken = _taken_places()
    coaches = func.coalesce(taken.c.coaches, 0)
    full = SupporterProfile.capacity - coaches <= 0
    in_date = and_(
        SupporterProfile.verified_at.is_not(None),
        SupporterProfile.safeguarding_expires_on >= today,
        SupporterProfile.licence_expires_on >= today,
        SupporterProfile.visible.is_(True),
        SupporterProfile.search_latitude.is_not(None),
        User.active.is_(True), User.deleted_at.is_(None))
    rows = session.execute(
        select(SupporterProfile.id, SupporterProfile.user_id, User.display_name, User.email,
               SupporterProfile.outward_code, SupporterProfile.country,
               SupporterProfile.search_latitude, SupporterProfile.search_longitude,
               SupporterProfile.paused, SupporterProfile.capacity, coaches)
        .join(User, User.id == SupporterProfile.user_id)
        .outerjoin(taken, taken.c.supporter_id == SupporterProfile.id)
        .where(in_date, or_(SupporterProfile.paused.is_(True), full),
               *_supporter_filters(filters))
        .order_by(SupporterProfile.id)).all()
    if not rows:
        return [{"country": a["country"], "area": a["area"], "label": a["label"],
                 "supporters": []} for a in worst]
    lats = np.array([r[6] for r in rows], dtype=float)
    lons = np.array([r[7] for r in rows], dtype=float)
    countries = np.array([country_scope(r[5]) or "" for r in rows])
    answer = []
    for a in worst:
        km = np.where(countries == a["country"],
                      geodata.haversine_km(a["lat"], a["lon"], lats, lons), np.inf)
        nearest = [int(i) for i in np.argsort(km, kind="stable")[:WHOM_TO_ASK_EACH]
                   if np.isfinite(km[i])]
        answer.append({
            "country": a["country"], "area": a["area"], "label": a["label"],
            "supporters": [_person(rows[i], float(km[i])) for i in nearest]})
    return answer


def _person(row, km: float) -> dict:
    sid, user_id, name, email, near, _, _, _, paused, capacity, coaches = row
    full = capacity - coaches <= 0
    status = "paused and full" if paused and full else "paused" if paused else "full"
    return {"supporter_id": sid, "user_id": user_id, "name": name, "email": email,
            "near": near, "distance_km": max(1, round(km)), "status": status,
            "paused": bool(paused), "full": full, "capacity": capacity, "coaches": coaches}
