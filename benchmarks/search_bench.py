"""Search throughput and latency behind gunicorn, against a trivial endpoint.

Loads N supporters (default 100,000) spread over Great Britain into a fresh
SQLite database, serves the app with gunicorn (2 workers) on 127.0.0.1, and
drives it with wrk over loopback: first GET /livez (a trivial JSON answer from
the same app), then GET /api/v1/search with a rotating set of real places.
Prints a table and writes JSON.

    .venv/bin/python benchmarks/search_bench.py [--supporters 100000] [--seconds 10]
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
    """Migrate a database and bulk-load ``supporters`` eligible supporters; return seconds."""
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
        with db.engine.begin() as conn:
            conn.execute(meta["users"].insert(), users)
            conn.execute(meta["supporter_profiles"].insert(), profiles)
            conn.execute(meta["supporter_roles"].insert(), role_rows)
            conn.execute(meta["supporter_event_groups"].insert(), group_rows)
            conn.execute(meta["supporter_expertise"].insert(), need_rows)
            conn.execute(sa.text("UPDATE data_version SET version = version + 1"))
        db.engine.dispose()
    return time.perf_counter() - started


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "search.json"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it as root)")

    workdir = Path(tempfile.mkdtemp(prefix="fmcs-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    load_s = load_population(url, args.supporters, args.seed)
    port = free_port()
    # Production settings behind one TLS-terminating proxy, as deployed.
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production",
           "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "0", "LOG_LEVEL": "WARNING",
           "PUBLIC_BASE_URL": "http://127.0.0.1",
           "TRUSTED_PROXY_COUNT": "1"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(_request(base + "/livez"), timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # Warm both workers' indexes (each builds its own on its first search):
        # parallel requests, so that every worker gets some.
        warm_started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: urllib.request.urlopen(
                _request(base + "/api/v1/search?where=LS6+3QS"), timeout=300).read(),
                range(32)))
        warm_s = time.perf_counter() - warm_started

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
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    ratio = search["requests_per_second"] / trivial["requests_per_second"]
    fresh_ratio = fresh["requests_per_second"] / trivial["requests_per_second"]
    rows = [
        ("supporters loaded", f"{args.supporters:,}", ""),
        ("load time", f"{load_s:.1f} s", ""),
        ("first searches (index builds)", f"{warm_s:.1f} s", ""),
        ("trivial endpoint /livez", f"{trivial['requests_per_second']:,.0f} req/s",
         f"p99 {trivial['latency_ms'].get('p99', 0):.1f} ms"),
        ("search, 20 places repeated", f"{search['requests_per_second']:,.0f} req/s",
         f"p99 {search['latency_ms'].get('p99', 0):.1f} ms"),
        ("search / trivial", f"{ratio:.2f}", "target >= 0.6"),
        ("search p99 at 16 connections", f"{search['latency_ms'].get('p99', 0):.1f} ms",
         "target < 50 ms"),
        ("search, every point new", f"{fresh['requests_per_second']:,.0f} req/s",
         f"p99 {fresh['latency_ms'].get('p99', 0):.1f} ms"),
        ("every point new / trivial", f"{fresh_ratio:.2f}", "nothing reused"),
        ("non-2xx answers", f"{search['non_2xx'] + trivial['non_2xx'] + fresh['non_2xx']}",
         "expect 0"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nSearch benchmark: gunicorn 2 workers, wrk {args.connections} connections, "
          f"{args.seconds} s each\n")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>18}  {note}")
    result = {
        "supporters": args.supporters, "connections": args.connections,
        "seconds": args.seconds, "load_seconds": load_s, "warm_seconds": warm_s,
        "trivial": {k: v for k, v in trivial.items() if k != "raw"},
        "search": {k: v for k, v in search.items() if k != "raw"},
        "search_to_trivial_ratio": ratio,
        "search_unique_points": {k: v for k, v in fresh.items() if k != "raw"},
        "search_unique_points_to_trivial_ratio": fresh_ratio,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
