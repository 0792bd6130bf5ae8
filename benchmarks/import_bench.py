"""Benchmark the licence-list import: dry run and apply of a 20,000-member list.

Generates a licence list (coaches and supporters at real GB postcodes and US ZIP
codes from the offline geodata, dates in both DD/MM/YYYY and ISO forms, a BOM and
Windows line endings, as membership systems write them) and times, on a fresh
migrated database:

1. the dry run of the list (every row new), as the admin page runs it;
2. applying it (users, profiles, roles, event groups, invitations queued);
3. the dry run of the same list again (every row unchanged);
4. a nightly update: one member in ten with a new licence date, dry run and apply.

on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (a scratch database
beside it, dropped afterwards). Prints a table and writes JSON.

Usage::

    .venv/bin/python benchmarks/import_bench.py [--rows 20000] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GEODATA_CACHE_DIR", str(ROOT / "instance" / "geodata"))

TARGET_SECONDS = 60.0
HEADER = ["Membership number", "Name", "Email", "Kind", "Support roles", "Event groups",
          "Qualification", "Framework", "Licence expiry", "Safeguarding check date",
          "Safeguarding expiry", "Safeguarding scheme", "Postcode", "Capacity"]
FIRST = ["Alex", "Sam", "Jo", "Priya", "Tom", "Aisha", "Ewan", "Megan", "Kwame", "Sian",
         "Liam", "Zoë", "Rhys", "Niamh", "Omar", "Grace", "Callum", "Freya", "Dev", "Isla"]
LAST = ["Smith", "Jones", "Patel", "O'Neil", "Williams", "Brown", "Taylor", "Khan", "Evans",
        "Thomas", "Roberts", "MacLeod", "Wright", "Hughes", "Ahmed", "Campbell"]
US_CITIES = [(40.71, -74.00), (34.05, -118.24), (41.88, -87.63), (29.76, -95.37),
             (47.61, -122.33), (39.74, -104.99), (42.36, -71.06), (33.75, -84.39)]


def licence_list(rows: int, seed: int) -> tuple[bytes, list[list[str]]]:
    """Return a licence list of ``rows`` members (and its rows), reproducibly."""
    import geodata

    rng = random.Random(seed)
    towns = geodata.places("GB", min_population=20_000)
    weights = [t.population ** 0.5 for t in towns]
    roles = ["mentor", "coach_developer", "technical_advisor", "co_coach"]
    groups = ["sprints_hurdles_relays", "endurance", "jumps", "throws", "combined_events",
              "race_walking", "para_athletics", "youth_development", "running_fitness"]
    today = date.today()
    gb_codes: list[str] = []
    for town in rng.choices(towns, weights=weights, k=max(rows // 4, 1)):
        near = geodata.nearest_postcodes(town.lat + rng.gauss(0, 0.03),
                                         town.lon + rng.gauss(0, 0.05), k=8)
        gb_codes += [p.postcode for p in near]
    us_codes = [geodata.nearest_zip(lat + rng.gauss(0, 0.05), lon + rng.gauss(0, 0.05)).postcode
                for lat, lon in rng.choices(US_CITIES, k=200)]
    body = []
    for n in range(1, rows + 1):
        us = rng.random() < 0.05
        supporter = rng.random() < 0.35
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        licence = today + timedelta(days=rng.randint(-30, 900))
        checked = today - timedelta(days=rng.randint(10, 900))

        def day(value: date) -> str:
            return value.strftime("%d/%m/%Y") if rng.random() < 0.7 else value.isoformat()

        qualification = (rng.choice(["us_level_2", "us_level_3", "Instructor"]) if us and
                         supporter else rng.choice(["us_level_1", "Level 2"]) if us else
                         rng.choice(["uk_coach", "Advanced Coach"]) if supporter else
                         rng.choice(["uk_assistant_coach", "Sessional Coach", "uk_coach"]))
        body.append([
            f"{'US' if us else 'UKA'}{100000 + n}", name,
            f"{name.split()[0].lower()}.{n}@example.org",
            "supporter" if supporter else "coach",
            "; ".join(rng.sample(roles, rng.randint(1, 2))) if supporter else "",
            "|".join(rng.sample(groups, rng.randint(1, 3))),
            qualification, "us" if us else "uk", day(licence),
            day(checked) if supporter else "",
            day(checked + timedelta(days=3 * 365)) if supporter else "",
            ("SafeSport" if us else "DBS") if supporter else "",
            rng.choice(us_codes) if us else rng.choice(gb_codes),
            str(rng.randint(1, 4)) if supporter else ""])
    return encode(body), body


def encode(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return ("\ufeff" + out.getvalue()).encode()


@contextmanager
def database(backend: str):
    """Yield a URL of an empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="fmcs-import-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from tests.conftest import postgresql_database

    with postgresql_database(f"fmcs_import_bench_{uuid.uuid4().hex[:8]}") as url:
        yield url


def run(backend: str, content: bytes, rows: list[list[str]], seed: int) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import User, UserRole
    from app.services import licence_import
    from app.services.taxonomy import seed_taxonomy
    from tests.conftest import sqlalchemy_url

    figures: dict = {"backend": backend}
    with database(backend) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "SECRET_KEY": "bench",
                          "LOG_LEVEL": "WARNING", "PUBLIC_BASE_URL": "https://example.org",
                          "GEODATA_CACHE_DIR": os.environ["GEODATA_CACHE_DIR"]})
        with app.app_context():
            upgrade()
            seed_taxonomy(db.session)
            admin = User(email="admin@example.org", display_name="Ada Admin",
                         roles=[UserRole(role="admin")])
            db.session.add(admin)
            db.session.commit()
            admin_id = admin.id

            def timed(name: str, step):
                """Run ``step(admin)`` as one request would: a fresh session, one commit."""
                db.session.expunge_all()
                started = time.perf_counter()
                value = step(db.session.get(User, admin_id))
                db.session.commit()
                figures[name] = round(time.perf_counter() - started, 2)
                return value

            plan, record = timed("dry_run_s", lambda admin: licence_import.preview(
                db.session, admin, content, filename="licences.csv"))
            figures["counts"] = plan.counts
            token = record.token
            timed("apply_s", lambda admin: licence_import.apply_previewed(
                db.session, admin, token))
            figures["users_created"] = db.session.query(User).count() - 1
            again, _ = timed("dry_run_again_s", lambda admin: licence_import.preview(
                db.session, admin, content, filename="licences.csv"))
            figures["again_counts"] = again.counts

            rng = random.Random(seed + 1)
            changed = [list(r) for r in rows]
            for row in rng.sample(changed, len(changed) // 10):
                row[8] = (date.today() + timedelta(days=rng.randint(400, 1200))).isoformat()
            nightly = encode(changed)
            update, kept = timed("nightly_dry_run_s", lambda admin: licence_import.preview(
                db.session, admin, nightly, filename="nightly.csv"))
            figures["nightly_counts"] = update.counts
            token = kept.token
            timed("nightly_apply_s", lambda admin: licence_import.apply_previewed(
                db.session, admin, token))
            db.session.remove()
            db.engine.dispose()
    figures["dry_run_plus_apply_s"] = round(figures["dry_run_s"] + figures["apply_s"], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "import.json"))
    args = parser.parse_args()

    started = time.perf_counter()
    content, rows = licence_list(args.rows, args.seed)
    generated_s = time.perf_counter() - started
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    results = [run(backend, content, rows, args.seed) for backend in backends]

    print(f"\nLicence-list import: {args.rows:,} members ({len(content) / 1_048_576:.1f} MB; "
          f"generated in {generated_s:.1f} s)\n")
    names = [("dry run, every row new", "dry_run_s"), ("apply (invitations queued)", "apply_s"),
             ("dry run + apply", "dry_run_plus_apply_s"),
             ("dry run again, every row unchanged", "dry_run_again_s"),
             ("nightly: dry run, 1 in 10 changed", "nightly_dry_run_s"),
             ("nightly: apply", "nightly_apply_s")]
    width = max(len(n) for n, _ in names)
    print(f"  {'':<{width}}  " + "  ".join(f"{r['backend']:>10}" for r in results))
    for label, key in names:
        print(f"  {label:<{width}}  " + "  ".join(f"{r[key]:>8.1f} s" for r in results))
    print(f"\n  target: dry run + apply < {TARGET_SECONDS:.0f} s on each backend")
    for r in results:
        print(f"  {r['backend']}: {r['counts']} -> again {r['again_counts']['unchanged']:,} "
              f"unchanged; nightly {r['nightly_counts']['update']:,} updates")
    if not os.environ.get("TEST_DATABASE_URL"):
        print("  (PostgreSQL not measured: set TEST_DATABASE_URL)")
    result = {"rows": args.rows, "bytes": len(content), "seed": args.seed,
              "target_seconds": TARGET_SECONDS, "machine": platform.platform(),
              "cpus": os.cpu_count(), "measured_at": datetime.now(UTC).isoformat(),
              # Other work on the machine slows every figure: say how busy it was.
              "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
              "backends": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
