"""Benchmark the impact report: its grouped queries over the demo data and a large programme.

Times ``impact_report.report`` (every figure, in total and by month) on a fresh migrated
database:

1. the demo population (``seed_demo``: 2,000 supporters, 500 coaches);
2. a synthetic programme of three years: 100,000 requests (one in ten with a question
   first), 25,000 engagements, 20,000 plans with 60,000 goals, 150,000 reflective log
   entries and 60,000 reviews, and a published allocation of 2,000 coaches,

each as the admin sees it over the last 12 months, over five years (60 months), for one
programme, and as one coach developer sees their caseload; the median of 5 runs. On
SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (a scratch database beside
it, dropped afterwards). Prints a table and writes JSON.

Usage::

    .venv/bin/python benchmarks/impact_bench.py [--requests 100000] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
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

RUNS = 5
PROGRAMME = "Advanced Coach pilot"


@contextmanager
def database(backend: str):
    """Yield a URL of an empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="fmcs-impact-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from tests.conftest import postgresql_database

    with postgresql_database(f"fmcs_impact_bench_{uuid.uuid4().hex[:8]}") as url:
        yield url


def synthetic_programme(session, *, requests: int, seed: int, today: date) -> dict:
    """Insert a large programme in bulk; return how many rows of each kind."""
    from sqlalchemy import insert, select

    from app.models import (
        AllocationPlacement,
        AllocationRun,
        DevelopmentPlan,
        Engagement,
        GoalProgress,
        PlanGoal,
        PlanReview,
        ReflectiveLogEntry,
        RequestMessage,
        SupporterProfile,
        SupportRequest,
        SupportRole,
        User,
        UserRole,
    )

    rng = random.Random(seed)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    n_coaches, n_supporters = max(requests // 5, 10), max(requests // 50, 4)
    n_developers = max(n_supporters // 10, 1)
    first_user = (session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    session.execute(insert(User), [
        {"id": first_user + i, "email": f"bench{i}@example.org", "display_name": f"Person {i}",
         "created_at": now, "active": True, "session_version": 1, "is_demo": False}
        for i in range(n_coaches + n_supporters)])
    coaches = list(range(first_user, first_user + n_coaches))
    supporter_users = list(range(first_user + n_coaches, first_user + n_coaches + n_supporters))
    session.execute(insert(UserRole), [
        {"user_id": u, "role": "coach", "granted_at": now} for u in coaches] + [
        {"user_id": u, "role": r, "granted_at": now}
        for i, u in enumerate(supporter_users)
        for r in (["supporter", "coach_developer"] if i < n_developers else ["supporter"])])
    session.execute(insert(SupporterProfile), [
        {"user_id": u, "capacity": 20, "created_at": now, "updated_at": now, "bio": ""}
        for u in supporter_users])
    profiles = list(session.scalars(select(SupporterProfile.id).where(
        SupporterProfile.user_id.in_(supporter_users)).order_by(SupporterProfile.id)))
    role = session.scalar(select(SupportRole.id).where(SupportRole.key == "mentor"))

    # Plans, one per coach, and their goals and reviews.
    session.execute(insert(DevelopmentPlan), [
        {"coach_id": c, "title": "Plan", "status": "active", "created_at": now,
         "updated_at": now, "starts_on": today - timedelta(days=rng.randint(30, 1000))}
        for c in coaches])
    plans = dict(session.execute(select(DevelopmentPlan.coach_id, DevelopmentPlan.id)).all())
    statuses = ["not_started", "in_progress", "achieved"]
    session.execute(insert(PlanGoal), [
        {"plan_id": p, "title": "Goal", "status": statuses[(p + k) % 3], "created_at": now}
        for p in plans.values() for k in range(3)])
    achieved = list(session.scalars(select(PlanGoal.id).where(PlanGoal.status == "achieved")))
    session.execute(insert(GoalProgress), [
        {"goal_id": g, "status": "achieved", "note": "", "created_at": now,
         "recorded_on": today - timedelta(days=rng.randint(0, 1095))} for g in achieved])
    session.execute(insert(PlanReview), [
        {"plan_id": p, "due_on": (due := today - timedelta(days=rng.randint(0, 1095))),
         "held_on": due + timedelta(days=rng.randint(-10, 20)) if rng.random() < 0.8 else None,
         "notes": "", "created_at": now}
        for p in plans.values() for _ in range(3)])
    session.execute(insert(ReflectiveLogEntry), [
        {"plan_id": rng.choice(list(plans.values())), "minutes": rng.randint(10, 120),
         "occurred_on": today - timedelta(days=rng.randint(0, 1095)), "what_happened": "",
         "reflection": "", "next_steps": "", "created_at": now}
        for _ in range(requests * 3 // 2)])

    # Requests over three years, answered (or not) within days.
    rows, asked = [], []
    kinds = ["accepted"] * 4 + ["declined"] * 2 + ["withdrawn", "expired", "expired", "pending"]
    for _ in range(requests):
        sent = now - timedelta(minutes=rng.randint(0, 1095 * 24 * 60))
        status = rng.choice(kinds)
        answered = sent + timedelta(minutes=rng.randint(5, 6 * 24 * 60))
        rows.append({"coach_id": rng.choice(coaches), "supporter_id": rng.choice(profiles),
                     "role_id": role, "status": status, "message": "", "created_at": sent,
                     "responded_at": answered if status in ("accepted", "declined") else None})
    session.execute(insert(SupportRequest), rows)
    for request_id, supporter_user, sent in session.execute(
            select(SupportRequest.id, SupporterProfile.user_id, SupportRequest.created_at)
            .join(SupporterProfile, SupporterProfile.id == SupportRequest.supporter_id)
            .where(SupportRequest.id % 10 == 0)):
        asked.append({"request_id": request_id, "author_id": supporter_user, "body": "?",
                      "created_at": sent + timedelta(hours=rng.randint(1, 30))})
    session.execute(insert(RequestMessage), asked)

    # Engagements: the later ones of a coach are closed, so one active per pair at most.
    n_engagements = requests // 4
    engagements = []
    for i in range(n_engagements):
        started = today - timedelta(days=rng.randint(0, 1095))
        closed = i >= n_coaches or rng.random() < 0.4
        engagements.append({
            "coach_id": coaches[i % n_coaches], "supporter_id": profiles[i % len(profiles)],
            "role_id": role, "status": "closed" if closed else "active", "started_on": started,
            "ended_on": min(started + timedelta(days=rng.randint(30, 300)), today)
            if closed else None,
            "outcome": rng.choice(["Assessed: passed", "Goals met", "Moved club"])
            if closed else None, "created_at": now})
    session.execute(insert(Engagement), engagements)

    run_id = session.execute(insert(AllocationRun).returning(AllocationRun.id), [{
        "programme": PROGRAMME, "status": "published", "role_key": "coach_developer",
        "settings": {}, "total_score": 0.0, "reruns": 0, "created_at": now,
        "updated_at": now, "published_at": now}]).scalar_one()
    cohort = coaches[:min(2000, n_coaches)]
    session.execute(insert(AllocationPlacement), [
        {"run_id": run_id, "coach_id": c, "supporter_id": profiles[i % n_developers],
         "reasons": [], "locked": False} for i, c in enumerate(cohort)])
    session.commit()
    return {"requests": requests, "questions": len(asked), "engagements": n_engagements,
            "coaches": n_coaches, "supporters": n_supporters, "plans": len(plans),
            "goals": 3 * len(plans), "log_entries": requests * 3 // 2,
            "reviews": 3 * len(plans), "programme_coaches": len(cohort),
            "developer_user_id": supporter_users[0]}


def time_reports(session, *, developer_user_id: int | None, today: date,
                 programme: str | None) -> dict:
    """Return the median seconds of each report, and its figures' totals once."""
    from app.models import User
    from app.services import impact_report

    cases = {"admin, last 12 months": (impact_report.Scope("admin"), {}),
             "admin, 5 years by month": (impact_report.Scope("admin"), {
                 "from_": date(today.year - 4, 1, 1), "to": today})}
    if programme:
        cases["admin, one programme"] = (impact_report.Scope("admin"), {"programme": programme})
    if developer_user_id:
        user = session.get(User, developer_user_id)
        cases["a coach developer's caseload"] = (
            impact_report.caseload_scope(session, user), {})
    found = {}
    for name, (scope, args) in cases.items():
        seconds = []
        for _ in range(RUNS):
            session.expunge_all()
            started = time.perf_counter()
            view = impact_report.report(session, scope, args, today=today)
            seconds.append(time.perf_counter() - started)
            session.rollback()
        found[name] = {"median_ms": round(statistics.median(seconds) * 1000, 1),
                       "requests_sent": view["totals"]["requests_sent"],
                       "months": len(view["months"])}
    return found


def run(backend: str, requests: int, seed: int, demo: bool) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.services.taxonomy import seed_taxonomy
    from tests.conftest import sqlalchemy_url

    today = datetime.now(UTC).date()
    figures: dict = {"backend": backend}
    with database(backend) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "SECRET_KEY": "bench",
                          "LOG_LEVEL": "WARNING", "PUBLIC_BASE_URL": "https://example.org",
                          "GEODATA_CACHE_DIR": os.environ["GEODATA_CACHE_DIR"]})
        with app.app_context():
            upgrade()
            seed_taxonomy(db.session)
            db.session.commit()
            if demo:
                from app.demo.seed import seed_demo

                seed_demo(db.session, today=today)
                db.session.commit()
                developer = db.session.scalar(select(User.id).where(
                    User.email == "developer@example.org"))
                figures["demo"] = time_reports(db.session, developer_user_id=developer,
                                               today=today, programme=None)
            started = time.perf_counter()
            figures["synthetic_rows"] = synthetic_programme(db.session, requests=requests,
                                                            seed=seed, today=today)
            figures["synthetic_insert_s"] = round(time.perf_counter() - started, 1)
            figures["synthetic"] = time_reports(
                db.session, developer_user_id=figures["synthetic_rows"]["developer_user_id"],
                today=today, programme=PROGRAMME)
            db.session.remove()
            db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo population")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "impact.json"))
    args = parser.parse_args()

    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    results = [run(b, args.requests, args.seed, not args.no_demo) for b in backends]

    print(f"\nImpact report: median of {RUNS} runs, milliseconds\n")
    rows = [(part, name) for part in ("demo", "synthetic")
            for name in (results[0].get(part) or {})]
    width = max(len(f"{p}: {n}") for p, n in rows)
    print(f"  {'':<{width}}  " + "  ".join(f"{r['backend']:>10}" for r in results))
    for part, name in rows:
        print(f"  {part + ': ' + name:<{width}}  " + "  ".join(
            f"{r[part][name]['median_ms']:>7.1f} ms" for r in results))
    synthetic = results[0]["synthetic_rows"]
    print(f"\n  synthetic: {synthetic['requests']:,} requests, {synthetic['engagements']:,} "
          f"engagements, {synthetic['log_entries']:,} log entries, {synthetic['reviews']:,} "
          "reviews")
    if not os.environ.get("TEST_DATABASE_URL"):
        print("  (PostgreSQL not measured: set TEST_DATABASE_URL)")
    result = {"requests": args.requests, "seed": args.seed, "runs": RUNS,
              "machine": platform.platform(), "cpus": os.cpu_count(),
              "measured_at": datetime.now(UTC).isoformat(),
              # Other work on the machine slows every figure: say how busy it was.
              "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
              "backends": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
