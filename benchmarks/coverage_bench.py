"""Benchmark the coverage answer over a year of 1,000,000 searches.

Fills a fresh migrated database with a year of search demand as the table
holds it (daily rows for the last 90 days, month rows before): searches start
around real GB towns (districts) and US cities (ZIP3 areas), more from the
larger, and ask for roles, event groups and needs as coaches do (a third for
any role, some for several), in person, online or either, on the site, the API
or one of 50 club widgets, a few from crawlers and refused clients; searches
from well-supplied areas find someone more often. Beside them, 20,000
supporters at real postcodes (some full, some paused).

Then times, as an admin asks for them (the test client, signed in):

1. the coverage page for the last 12 months (service + render), the headline,
   with nothing kept; and again, with the sums of earlier days a worker keeps
   for 5 minutes (yesterday's and today's are read every time);
2. the same answer from the JSON API, and as CSV;
3. the page filtered by a role (a ``LIKE`` over the year), and for 30 days;
4. the service alone,

on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (a scratch
database beside it, dropped afterwards). The first answer of a process also
looks up every area's centre (kept afterwards): it is reported apart. A year
is read fastest from the covering index ``ix_search_demand_coverage``;
``--add-index`` creates it when the migrations did not, to compare. Target:
under 1 s. Prints a table and writes JSON.

Usage::

    .venv/bin/python benchmarks/coverage_bench.py [--searches 1000000] [--add-index]
                                                  [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GEODATA_CACHE_DIR", str(ROOT / "instance" / "geodata"))

TARGET_SECONDS = 1.0
REPEAT = 5
ROLES = ["", ",mentor,", ",coach_developer,", ",technical_advisor,", ",co_coach,",
         ",mentor,technical_advisor,", ",co_coach,mentor,"]
ROLE_P = [0.35, 0.25, 0.12, 0.12, 0.1, 0.04, 0.02]
GROUPS = ["sprints_hurdles_relays", "endurance", "jumps", "throws", "combined_events",
          "race_walking", "para_athletics", "youth_development", "running_fitness"]
NEEDS = ["technical_model", "training_planning", "sport_science", "strength_power",
         "athlete_wellbeing", "talent_pathway", "positive_coaching", "safeguarding",
         "teaching_skills", "reflective_practice", "peaking", "race_day_mental"]
MODES = ["either", "in_person", "online"]
MODE_P = [0.6, 0.3, 0.1]
SOURCES = ["site", "api", "widget"]
SOURCE_P = [0.7, 0.1, 0.2]
TRAFFIC = ["person", "bot", "limited"]
TRAFFIC_P = [0.93, 0.05, 0.02]
WIDGETS = 50
DAILY_DAYS = 90


@contextmanager
def database(backend: str):
    """Yield a URL of an empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="fmcs-coverage-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from tests.conftest import postgresql_database

    with postgresql_database(f"fmcs_coverage_bench_{uuid.uuid4().hex[:8]}") as url:
        yield url


def starting_points(rng: np.random.Generator, points: int) -> tuple[list, np.ndarray]:
    """Return the areas searches start from, and each sampled start's area index.

    Starts are scattered around towns, as many as their population's square
    root says (cities more, but villages too), then placed in their district
    or ZIP3 area: a realistic long tail of areas.
    """
    import geodata

    areas: dict[tuple[str, str], int] = {}
    starts = []
    for country, share in (("GB", 0.85), ("US", 0.15)):
        towns = geodata.places(country, min_population=5_000 if country == "GB" else 50_000)
        weights = np.array([t.population for t in towns], dtype=float) ** 0.5
        chosen = rng.choice(len(towns), size=int(points * share), p=weights / weights.sum())
        for i in chosen:
            town = towns[int(i)]
            lat, lon = town.lat + rng.normal(0, 0.04), town.lon + rng.normal(0, 0.06)
            if country == "GB":
                code = geodata.nearest_outward_code(lat, lon)
            else:
                nearest = geodata.nearest_zip(lat, lon)
                code = nearest.postcode[:3] if nearest and nearest.postcode else None
            if code:
                starts.append(areas.setdefault((country, code), len(areas)))
    return list(areas), np.array(starts)


def demand_rows(searches: int, seed: int, today: date) -> tuple[list[tuple], dict]:
    """Return a year of ``searches`` as search_demand rows (days, then months), and figures."""
    rng = np.random.default_rng(seed)
    areas, starts = starting_points(rng, 40_000)
    # How well an area is supplied follows how much it is searched from: cities find
    # someone most of the time, the sparse tail seldom.
    popularity = np.bincount(starts, minlength=len(areas)).astype(float)
    supplied = 0.1 + 0.85 * (popularity / popularity.max()) ** 0.35
    need_sets = [""] + [
        "," + ",".join(sorted(rng.choice(NEEDS, size=int(rng.integers(1, 4)), replace=False)))
        + "," for _ in range(80)]
    group_sets = [""] + [f",{g}," for g in GROUPS] + [
        "," + ",".join(sorted(rng.choice(GROUPS, size=2, replace=False))) + ","
        for _ in range(10)]
    group_p = np.array([0.35] + [0.5 / len(GROUPS)] * len(GROUPS) + [0.015] * 10)

    n = searches
    back = rng.integers(0, 365, size=n)  # days before today
    area = starts[rng.integers(0, len(starts), size=n)]
    role = rng.choice(len(ROLES), size=n, p=ROLE_P)
    group = rng.choice(len(group_sets), size=n, p=group_p / group_p.sum())
    needs = np.where(rng.random(n) < 0.4, 0, rng.integers(1, len(need_sets), size=n))
    mode = rng.choice(len(MODES), size=n, p=MODE_P)
    source = rng.choice(len(SOURCES), size=n, p=SOURCE_P)
    widget = np.where(source == 2, rng.integers(1, WIDGETS + 1, size=n), 0)
    traffic = rng.choice(len(TRAFFIC), size=n, p=TRAFFIC_P)
    met = (mode != 2) & (rng.random(n) < supplied[area])
    met_online = (mode != 1) & (rng.random(n) < 0.75)
    requests = (met | met_online) & (rng.random(n) < 0.12)

    # Rows as the table keeps them: a day's row for the last 90 days, else its month's.
    days = np.array([(today - timedelta(days=int(b))).toordinal() for b in range(365)])
    firsts = np.array([date.fromordinal(int(d)).replace(day=1).toordinal() for d in days])
    monthly = back >= DAILY_DAYS
    row_day = np.where(monthly, firsts[back], days[back])
    kind = np.zeros(n, dtype=np.int64)
    for column, size in ((area, len(areas)), (role, len(ROLES)), (group, len(group_sets)),
                         (needs, len(need_sets)), (mode, 3), (source, 3), (widget, WIDGETS + 1),
                         (traffic, 3)):
        kind = kind * size + column
    key = (row_day.astype(np.int64) - days.min()) * 2 + monthly
    key = key * int(kind.max() + 1) + kind
    unique, inverse = np.unique(key, return_inverse=True)
    sums = [np.bincount(inverse, weights=w, minlength=len(unique)).astype(int)
            for w in (np.ones(n), met, met_online, requests)]
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse[::-1]] = np.arange(n)[::-1]  # a search of each row, to read its kind
    rows = []
    for r, i in enumerate(first):
        country, code = areas[area[i]]
        rows.append((
            "month" if monthly[i] else "day", date.fromordinal(int(row_day[i])),
            f"{int(kind[i]):x}", country, code, ROLES[role[i]], group_sets[group[i]],
            need_sets[needs[i]], MODES[mode[i]], SOURCES[source[i]],
            int(widget[i]) or None, TRAFFIC[traffic[i]],
            int(sums[0][r]), int(sums[1][r]), int(sums[2][r]), int(sums[3][r])))
    return rows, {"areas": len(areas), "rows": len(rows),
                  "day_rows": sum(1 for r in rows if r[0] == "day")}


COLUMNS = ["period", "day", "key", "country", "area", "roles", "event_groups", "needs",
           "mode", "source", "widget_key_id", "traffic", "searches", "met_in_person",
           "met_online", "requests"]


def load_demand(db, rows: list[tuple]) -> None:
    """Insert the rows as fast as each database takes them (COPY on PostgreSQL)."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(
                f"COPY search_demand ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        raw.executemany(
            f"INSERT INTO search_demand ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})",
            [(*r[:1], r[1].isoformat(), *r[2:]) for r in rows])
    db.session.commit()
    if connection.dialect.name == "postgresql":
        # As autovacuum does after a load: statistics, and the visibility map an
        # index-only scan needs.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.exec_driver_sql("VACUUM ANALYZE search_demand")


def seed_supporters(db, seed: int, count: int) -> None:
    """Add ``count`` supporters at real postcodes: most searchable, some full, some paused."""
    import random

    from sqlalchemy import insert, select

    import geodata
    from app.models import EventGroup, SupporterProfile, SupportRole, User, UserRole
    from app.models.profiles import supporter_event_groups, supporter_roles

    rng = random.Random(seed)
    roles = dict(db.session.execute(select(SupportRole.key, SupportRole.id)).all())
    groups = dict(db.session.execute(select(EventGroup.key, EventGroup.id)).all())
    today = date.today()
    now = datetime.now(UTC)
    towns = {c: geodata.places(c, min_population=20_000) for c in ("GB", "US")}
    users, profiles, role_links, group_links = [], [], [], []
    for n in range(1, count + 1):
        country = "GB" if rng.random() < 0.9 else "US"
        town = rng.choice(towns[country])
        lat, lon = town.lat + rng.gauss(0, 0.03), town.lon + rng.gauss(0, 0.05)
        if country == "GB":
            found = geodata.nearest_postcodes(lat, lon, k=1)
            if not found:
                continue
            postcode, outward = found[0].postcode, found[0].outward_code
        else:
            found = geodata.nearest_zip(lat, lon)
            postcode, outward = found.postcode, f"{found.postcode[:3]}xx"
        uid = 100_000 + n  # clear of the admin's id
        users.append({"id": uid, "email": f"s{n}@example.org", "display_name": f"Supporter {n}",
                      "active": True, "created_at": now})
        profiles.append({
            "id": n, "user_id": uid, "latitude": lat, "longitude": lon, "search_latitude": lat,
            "search_longitude": lon, "postcode": postcode, "outward_code": outward,
            "country": country, "place_label": town.name, "travel_km": 20,
            # One in six full (no places), one in twenty paused.
            "capacity": 0 if rng.random() < 1 / 6 else rng.randint(1, 3),
            "paused": rng.random() < 0.05, "offers_online": rng.random() < 0.3,
            "verified_at": now, "safeguarding_expires_on": today + timedelta(days=365),
            "licence_expires_on": today + timedelta(days=365), "visible": True,
            "search_area": "sector", "years_coaching": 5, "bio": "", "missed_in_a_row": 0,
            "created_at": now, "updated_at": now})
        for key in rng.sample(sorted(roles), rng.choice([1, 1, 2])):
            role_links.append({"supporter_id": n, "role_id": roles[key]})
        for key in rng.sample(sorted(groups), rng.choice([1, 2])):
            group_links.append({"supporter_id": n, "event_group_id": groups[key]})
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserRole), [{"user_id": u["id"], "role": "supporter"}
                                          for u in users])
    db.session.execute(insert(SupporterProfile), profiles)
    db.session.execute(insert(supporter_roles), role_links)
    db.session.execute(insert(supporter_event_groups), group_links)
    db.session.commit()


INDEX = "ix_search_demand_coverage"
INDEX_COLUMNS = ("country", "area", "traffic", "mode", "day", "period", "searches",
                 "met_in_person", "met_online", "requests", "roles", "event_groups", "source",
                 "widget_key_id")


def covering_index(db, *, add: bool) -> str:
    """Say whether the migrations made the covering index; with ``add``, make it if not."""
    import sqlalchemy as sa

    if INDEX in {i["name"] for i in sa.inspect(db.engine).get_indexes("search_demand")}:
        return "migrated"
    if not add:
        return "none"
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE INDEX {INDEX} ON search_demand ({', '.join(INDEX_COLUMNS)})")
    return "added by the benchmark"


def timed(step, repeat: int = REPEAT) -> dict:
    """Run ``step`` ``repeat`` times; return the median and worst in seconds.

    Also this process's CPU time (median): on a busy machine the wall clock
    waits for other work too. On SQLite that is all the work; PostgreSQL's own
    is in its server processes, not here.
    """
    seconds, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        step()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3),
            "cpu_median_s": round(statistics.median(cpu), 3)}


def run(backend: str, rows: list[tuple], args) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.sessions import TOKEN
    from app.extensions import db
    from app.models import User, UserRole, WidgetKey
    from app.services import coverage, sign_ins
    from app.services.taxonomy import seed_taxonomy
    from tests.conftest import sqlalchemy_url

    figures: dict = {"backend": backend}
    with database(backend) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "SECRET_KEY": "bench",
                          "LOG_LEVEL": "WARNING", "PUBLIC_BASE_URL": "https://example.org",
                          "RATELIMIT_ENABLED": False, "MAP_TILE_URL": "",
                          "GEODATA_CACHE_DIR": os.environ["GEODATA_CACHE_DIR"]})
        with app.app_context():
            upgrade()
            figures["coverage_index"] = covering_index(db, add=args.add_index)
            seed_taxonomy(db.session)
            admin = User(email="admin@example.org", display_name="Ada Admin",
                         email_verified_at=datetime.now(UTC), roles=[UserRole(role="admin")])
            db.session.add(admin)
            db.session.add_all([WidgetKey(key=f"key{n}", club_name=f"Club {n}")
                                for n in range(1, WIDGETS + 1)])
            db.session.commit()
            started = time.perf_counter()
            seed_supporters(db, args.seed, args.supporters)
            load_demand(db, rows)
            figures["load_s"] = round(time.perf_counter() - started, 1)
            admin_id, login_id = admin.id, admin.get_id()
            token = sign_ins.start(db.session, admin)
            db.session.commit()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = login_id
            sess["_fresh"] = True
            sess[TOKEN] = token

        def get(url: str, size: dict | None = None):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            if size is not None:
                size["bytes"] = len(response.data)

        def fresh(url: str):
            """Ask with nothing kept: the worker's sums of earlier days forgotten first."""
            app.extensions.pop("coverage_history", None)
            get(url)

        page: dict = {}
        started = time.perf_counter()
        get("/admin/coverage", page)
        figures["first_page_s"] = round(time.perf_counter() - started, 3)
        figures["page_bytes"] = page["bytes"]
        figures["page_12_months"] = timed(lambda: fresh("/admin/coverage"))
        figures["page_12_months_kept"] = timed(lambda: get("/admin/coverage"))
        figures["api_json_12_months"] = timed(lambda: fresh("/api/v1/admin/coverage"))
        figures["api_csv_12_months"] = timed(lambda: fresh("/api/v1/admin/coverage.csv"))
        figures["page_mentors_12_months"] = timed(lambda: fresh("/admin/coverage?role=mentor"))
        figures["page_30_days"] = timed(lambda: fresh("/admin/coverage?preset=30d"))
        with app.app_context():
            admin = db.session.get(User, admin_id)
            answer = coverage.coverage(db.session, admin)

            def service():
                app.extensions.pop("coverage_history", None)
                coverage.coverage(db.session, admin)

            figures["service_12_months"] = timed(service)
            figures["answer"] = {"areas": len(answer["areas"]),
                                 "few_areas": answer["totals"]["few_areas"],
                                 "searches_shown": answer["totals"]["searches"],
                                 "unmet_shown": answer["totals"]["unmet"]}
            db.session.remove()
            db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--supporters", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--add-index", action="store_true",
                        help=f"create {INDEX} when the migrations did not")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "coverage.json"))
    args = parser.parse_args()

    started = time.perf_counter()
    rows, shape = demand_rows(args.searches, args.seed, date.today())
    generated_s = time.perf_counter() - started
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    results = [run(backend, rows, args) for backend in backends]

    print(f"\nCoverage of demand: {args.searches:,} searches over a year in {shape['rows']:,} "
          f"rows ({shape['day_rows']:,} daily, the rest monthly), {shape['areas']:,} areas; "
          f"{args.supporters:,} supporters (generated in {generated_s:.1f} s)\n")
    names = [("page, 12 months (service + render)", "page_12_months"),
             ("page again, earlier days' sums kept", "page_12_months_kept"),
             ("API JSON, 12 months", "api_json_12_months"),
             ("API CSV, 12 months", "api_csv_12_months"),
             ("page, mentors only, 12 months", "page_mentors_12_months"),
             ("page, 30 days", "page_30_days"),
             ("service alone, 12 months", "service_12_months")]
    width = max(len(n) for n, _ in names)
    print(f"  {'median (worst of ' + str(REPEAT) + ') [our CPU]':<{width}}  "
          + "  ".join(f"{r['backend']:>26}" for r in results))
    for label, key in names:
        print(f"  {label:<{width}}  " + "  ".join(
            f"{r[key]['median_s']:>8.3f} s ({r[key]['max_s']:.3f}) [{r[key]['cpu_median_s']:.3f}]"
            for r in results))
    print(f"  {'first page of a process':<{width}}  "
          + "  ".join(f"{r['first_page_s']:>8.3f} s{'':17}" for r in results))
    print(f"\n  target: the 12-month page under {TARGET_SECONDS:.0f} s on each backend")
    for r in results:
        print(f"  {r['backend']}: covering index {r['coverage_index']}; "
              f"{r['answer']['areas']:,} areas shown "
              f"({r['answer']['few_areas']:,} with too few searches); page "
              f"{r['page_bytes'] / 1024:.0f} KB; loaded in {r['load_s']} s")
    if not os.environ.get("TEST_DATABASE_URL"):
        print("  (PostgreSQL not measured: set TEST_DATABASE_URL)")
    result = {"searches": args.searches, "supporters": args.supporters, "seed": args.seed,
              **shape, "target_seconds": TARGET_SECONDS, "machine": platform.platform(),
              "cpus": os.cpu_count(), "measured_at": datetime.now(UTC).isoformat(),
              # Other work on the machine slows every figure: say how busy it was.
              "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
              "backends": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
