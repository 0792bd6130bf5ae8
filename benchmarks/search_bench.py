"""Search throughput, latency, index builds and memory behind gunicorn, PostgreSQL first.

For each population (default 100,000 and 1,000,000 supporters spread over Great
Britain) it loads a fresh database (PostgreSQL: a scratch database on the
server of --database-url, loaded with COPY; or SQLite), serves the app with
gunicorn -c deploy/gunicorn.conf.py (4 workers, each warming its index before
it takes a request), and drives it with wrk over loopback:

- GET /livez, a trivial JSON answer from the same app: the ceiling;
- searches of 20 real places, repeated (answers reused);
- searches from a new point every time (every answer ranked afresh);

and reports the index build (from /metrics), the resident memory of each
worker, and how long one supporter's change takes to reach all four workers
and what applying it costs each. Prints a table and writes JSON.

    .venv/bin/python benchmarks/search_bench.py [--supporters 100000 1000000]
        [--database postgresql|sqlite] [--database-url URL] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = ["LS6 3QS", "M1 1AD", "B1 1BB", "EH1 1YZ", "CF10 1EP", "NE1 4ST", "BS1 4DJ",
          "G1 1XQ", "L1 8JQ", "SW1A 1AA", "OX1 2JD", "Leeds", "Gateshead", "York", "Bath",
          "NG1 5FS", "S1 2HE", "LS1", "M14", "Cambridge"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_population(url: str, supporters: int, seed: int) -> float:
    """Migrate a database and bulk-load ``supporters`` eligible supporters; return seconds.

    PostgreSQL is loaded with COPY (a statement per table, so the triggers log
    each table once); SQLite with executemany.
    """
    import sqlalchemy as sa
    from flask_migrate import upgrade

    import geodata
    from app import create_app
    from app.extensions import db
    from app.models import EventGroup, Need, Qualification, SupportRole
    from app.services.taxonomy import seed_taxonomy

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING"})
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        seed_taxonomy(db.session)
        db.session.commit()
        roles = [r.id for r in db.session.scalars(sa.select(SupportRole))]
        groups = [g.id for g in db.session.scalars(sa.select(EventGroup))]
        needs = [n.id for n in db.session.scalars(sa.select(Need))]
        quals = [q.id for q in db.session.scalars(sa.select(Qualification)) if q.level >= 2]
        # Great Britain's towns: Northern Ireland's have no offline postcodes.
        towns = [t for t in geodata.places("GB", min_population=20000)
                 if geodata.nearest_postcodes(t.lat, t.lon, k=1)]
        weights = [t.population ** 0.5 for t in towns]
        now = datetime.now(UTC)
        later = date.today() + timedelta(days=365)
        users, profiles, role_rows, group_rows, need_rows = [], [], [], [], []
        for i in range(1, supporters + 1):
            town = rng.choices(towns, weights=weights)[0]
            lat = town.lat + rng.gauss(0, 0.04)
            lon = town.lon + rng.gauss(0, 0.06)
            # At a real postcode; search places them at its sector's centre.
            home = (geodata.nearest_postcodes(lat, lon, k=1)  # off the coast: the town's
                    or geodata.nearest_postcodes(town.lat, town.lon, k=1))[0]
            sector = geodata.coarsen(home, to="sector")
            users.append({"id": i, "email": f"bench{i}@example.org",
                          "display_name": f"Supporter {i}", "created_at": now,
                          "session_version": 1, "active": True, "is_demo": True})
            profiles.append({
                "id": i, "user_id": i, "qualification_id": rng.choice(quals),
                "years_coaching": rng.randint(2, 30), "club": f"{town.name} AC",
                "bio": "Experienced club coach.", "latitude": home.lat,
                "longitude": home.lon, "postcode": home.postcode,
                "search_latitude": sector.lat, "search_longitude": sector.lon,
                "outward_code": home.outward_code,
                "place_label": town.name, "country": "GB",
                "travel_km": float(rng.choice([10, 20, 30, 50])),
                "offers_online": rng.random() < 0.3, "capacity": rng.randint(0, 4),
                "safeguarding_expires_on": later, "licence_expires_on": later,
                "verified_at": now, "visible": True, "paused": False,
                "last_active_at": now, "created_at": now, "updated_at": now})
            role_rows += [{"supporter_id": i, "role_id": r}
                          for r in rng.sample(roles, rng.randint(1, 2))]
            group_rows += [{"supporter_id": i, "event_group_id": g}
                           for g in rng.sample(groups, rng.randint(1, 2))]
            need_rows += [{"supporter_id": i, "need_id": n}
                          for n in rng.sample(needs, rng.randint(2, 5))]
        meta = db.metadata.tables
        tables = [("users", users), ("supporter_profiles", profiles),
                  ("supporter_roles", role_rows), ("supporter_event_groups", group_rows),
                  ("supporter_expertise", need_rows)]
        if db.engine.dialect.name == "postgresql":
            _copy(db.engine, tables)
        else:
            with db.engine.begin() as conn:
                for name, rows in tables:
                    conn.execute(meta[name].insert(), rows)
        db.engine.dispose()
    return time.perf_counter() - started


def _copy(engine, tables) -> None:
    """Load rows into PostgreSQL tables with COPY, one transaction."""
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            for name, rows in tables:
                columns = list(rows[0])
                with cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
                if "id" in columns:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"(SELECT max(id) FROM {name}))")
        raw.driver_connection.commit()
    finally:
        raw.close()


def _request(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-H", "X-Forwarded-Proto: https", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        latency[f"p{pct}"] = float(value) * scale
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_second": rps, "latency_ms": latency,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "raw": out}


def _paths_script(path: Path, paths: list[str]) -> Path:
    """Write a wrk script that cycles through ``paths``."""
    path.write_text(
        "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "local i = 0\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
    return path


def scratch_database(server_url: str, name: str) -> str:
    """Create an empty PostgreSQL database beside ``server_url``'s; return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(
        hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def worker_memory(master: int) -> list[dict]:
    """Return each gunicorn worker's resident and proportional memory, in MB.

    Resident counts pages shared with other processes in full; proportional
    (PSS) shares them out, so the workers' PSS add up to what they cost.
    """
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) != master:
            continue
        pid = int(stat.parent.name)
        status = (stat.parent / "status").read_text()
        rollup = (stat.parent / "smaps_rollup").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        pss = int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) / 1024
        workers.append({"pid": pid, "rss_mb": round(rss, 1), "pss_mb": round(pss, 1)})
    return workers


def metric(base: str, token: str, name: str, labels: str) -> float:
    """Return one sample of the app's /metrics (summed over workers)."""
    text = urllib.request.urlopen(urllib.request.Request(
        base + "/metrics", headers={"Authorization": f"Bearer {token}",
                                    "X-Forwarded-Proto": "https"}), timeout=10).read().decode()
    found = re.search(rf"^{re.escape(name)}{{{re.escape(labels)}}} ([0-9.e+-]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def health(base: str) -> dict:
    return json.loads(urllib.request.urlopen(_request(base + "/healthz"), timeout=10).read())


def wait_for_workers(base: str, workers: int, version: int, timeout: float,
                     nudge: list[str] | None = None) -> float:
    """Return seconds until ``workers`` distinct workers hold an index at ``version``.

    With ``nudge``, searches run alongside (a worker checks for changes when it
    searches, at most every SEARCH_INDEX_CHECK_SECONDS).
    """
    started = time.perf_counter()
    seen: set[int] = set()
    i = 0
    while len(seen) < workers:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"only {len(seen)} of {workers} workers at version {version}")
        if nudge:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda path: urllib.request.urlopen(
                    _request(base + path), timeout=60).read(), nudge[i:i + 8]))
            i = (i + 8) % max(len(nudge) - 8, 1)
        try:
            report = health(base)
        except OSError:  # not listening yet: gunicorn binds once a worker is warm
            time.sleep(0.1)
            continue
        if (report["search_index"]["data_version"] or 0) >= version:
            seen.add(report["worker"])
        else:
            time.sleep(0.01)
    return time.perf_counter() - started


def run_scale(args, supporters: int) -> dict:
    import sqlalchemy as sa

    workdir = Path(tempfile.mkdtemp(prefix="fmcs-bench-"))
    db_name = f"fmcs_bench_{os.getpid()}"
    if args.database == "postgresql":
        url = scratch_database(args.database_url, db_name)
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    load_s = load_population(url, supporters, args.seed)
    port = free_port()
    token = "bench-metrics-token"
    (workdir / "metrics").mkdir()
    # Production settings behind one TLS-terminating proxy, as deployed.
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production",
           "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "0", "LOG_LEVEL": "WARNING",
           "PUBLIC_BASE_URL": "http://127.0.0.1", "TRUSTED_PROXY_COUNT": "1",
           "WEB_CONCURRENCY": str(args.workers), "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_TIMEOUT": "600", "METRICS_TOKEN": token,
           "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics")}
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    database = sa.create_engine(url)

    def data_version() -> int:
        with database.connect() as conn:
            return conn.execute(sa.text("SELECT version FROM data_version")).scalar_one()

    try:
        version = data_version()
        # Each worker builds its index before it takes a request (post_worker_init).
        wait_for_workers(base, args.workers, version, timeout=900)
        warm_s = time.perf_counter() - started
        builds = metric(base, token, "fmcs_search_index_build_duration_seconds_count",
                        'mode="inline"')
        build_s = metric(base, token, "fmcs_search_index_build_duration_seconds_sum",
                         'mode="inline"') / max(builds, 1)
        build_cpu_s = metric(base, token, "fmcs_search_index_build_cpu_seconds_sum",
                             'mode="inline"') / max(builds, 1)
        memory = worker_memory(server.pid)

        repeated = [f"/api/v1/search?where={p.replace(' ', '+')}&radius_km=50" for p in PLACES]
        # Every request a different point: no answer can be reused, each is ranked.
        rng = random.Random(args.seed)
        unique = [f"/api/v1/search?lat={53 + rng.uniform(-2.4, 2.4):.5f}"
                  f"&lon={-1.8 + rng.uniform(-1.2, 1.2):.5f}&radius_km=50"
                  for _ in range(40_000)]
        trivial = wrk(base + "/livez", args.seconds, args.connections)
        search = wrk(base + "/", args.seconds, args.connections,
                     _paths_script(workdir / "repeated.lua", repeated))
        fresh = wrk(base + "/", args.seconds, args.connections,
                    _paths_script(workdir / "unique.lua", unique))

        # One supporter changes (a place taken), three times over: how soon every
        # worker has it, and at what cost to each (on the clock, with the four
        # applying it at once on two cores; and in the worker's own processor time).
        reaches = []
        for supporter_id in (1, 2, 3):
            with database.begin() as conn:
                conn.execute(sa.text("UPDATE supporter_profiles SET capacity = capacity + 1 "
                                     "WHERE id = :id"), {"id": supporter_id})
            reaches.append(wait_for_workers(base, args.workers, data_version(), timeout=120,
                                            nudge=unique[:2000]))
        reach_s = sum(reaches) / len(reaches)
        deltas = metric(base, token, "fmcs_search_index_build_duration_seconds_count",
                        'mode="delta"')
        delta_ms = 1000 * metric(base, token, "fmcs_search_index_build_duration_seconds_sum",
                                 'mode="delta"') / max(deltas, 1)
        delta_cpu_ms = 1000 * metric(base, token, "fmcs_search_index_build_cpu_seconds_sum",
                                     'mode="delta"') / max(deltas, 1)
        memory_after_searches = worker_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        database.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.database == "postgresql":
            drop_database(args.database_url, db_name)

    def part(result: dict) -> dict:
        return {k: v for k, v in result.items() if k != "raw"}

    livez = trivial["requests_per_second"]
    return {
        "supporters": supporters, "load_seconds": round(load_s, 1),
        "workers_warm_seconds": round(warm_s, 1), "index_build_seconds": round(build_s, 2),
        "index_build_cpu_seconds": round(build_cpu_s, 2),
        "worker_memory": memory, "worker_memory_after_searches_load": memory_after_searches,
        "livez": part(trivial), "repeated_places": part(search), "new_points": part(fresh),
        "repeated_to_livez": round(search["requests_per_second"] / livez, 2),
        "new_points_to_livez": round(fresh["requests_per_second"] / livez, 2),
        "change_reached_all_workers_seconds": round(reach_s, 2),
        "change_applied_ms": round(delta_ms, 1), "change_applied_cpu_ms": round(delta_cpu_ms, 1),
        "changes_applied": int(deltas),
        "non_2xx": trivial["non_2xx"] + search["non_2xx"] + fresh["non_2xx"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://fmcs_ci:fmcs_ci@127.0.0.1:5432/fmcs_dev"),
        help="a PostgreSQL server to make a scratch database on (its role needs CREATEDB)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=None,
                        help="default benchmarks/results/search-<database>.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it as root)")
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"search-{args.database}.json")

    results = [run_scale(args, n) for n in args.supporters]
    print(f"\nSearch benchmark: {args.database}, gunicorn -c deploy/gunicorn.conf.py "
          f"({args.workers} workers), wrk {args.connections} connections, {args.seconds} s "
          f"each, on {os.cpu_count()} cores shared with wrk and the database\n")
    rows = [("supporters", lambda r: f"{r['supporters']:,}", ""),
            ("load", lambda r: f"{r['load_seconds']:.0f} s", ""),
            ("index build (per worker)", lambda r: f"{r['index_build_seconds']:.2f} s",
             "on the clock, 4 workers at once"),
            ("  the worker's processor time", lambda r: f"{r['index_build_cpu_seconds']:.2f} s",
             "target < 3 s at 100k (the database's work not counted)"),
            ("start to all workers warm", lambda r: f"{r['workers_warm_seconds']:.1f} s", ""),
            ("worker memory RSS / PSS", lambda r: "{:.0f} / {:.0f} MB".format(
                max(w["rss_mb"] for w in r["worker_memory"]),
                max(w["pss_mb"] for w in r["worker_memory"])), "target < 300 MB at 100k"),
            ("/livez", lambda r: f"{r['livez']['requests_per_second']:,.0f} req/s "
             f"p99 {r['livez']['latency_ms'].get('p99', 0):.0f} ms", ""),
            ("repeated places", lambda r: f"{r['repeated_places']['requests_per_second']:,.0f}"
             f" req/s p99 {r['repeated_places']['latency_ms'].get('p99', 0):.0f} ms",
             "answers reused"),
            ("  / livez", lambda r: f"{r['repeated_to_livez']:.2f}", ""),
            ("new point each time", lambda r: f"{r['new_points']['requests_per_second']:,.0f}"
             f" req/s p99 {r['new_points']['latency_ms'].get('p99', 0):.0f} ms",
             "target p99 < 50 ms at 100k"),
            ("  / livez", lambda r: f"{r['new_points_to_livez']:.2f}", "target >= 0.35 at 100k"),
            ("one change reaches all workers", lambda r:
             f"{r['change_reached_all_workers_seconds']:.2f} s",
             "target < SEARCH_INDEX_CHECK_SECONDS (2 s) + a search; mean of 3"),
            ("  applying it, per worker", lambda r: f"{r['change_applied_ms']:.1f} ms",
             "on the clock, 4 workers at once"),
            ("    the worker's processor time", lambda r: f"{r['change_applied_cpu_ms']:.1f} ms",
             "target < 50 ms"),
            ("non-2xx answers", lambda r: str(r["non_2xx"]), "expect 0")]
    width = max(len(name) for name, _, _ in rows)
    for name, value, note in rows:
        cells = "  ".join(f"{value(r):>26}" for r in results)
        print(f"  {name:<{width}}  {cells}  {note}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"database": args.database, "workers": args.workers,
                               "connections": args.connections, "seconds": args.seconds,
                               "cores": os.cpu_count(), "scales": results}, indent=2))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
