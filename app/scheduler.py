"""`flask run-scheduler`: the periodic jobs in one long-running process, instead of cron.

Each job runs in its own app context and transaction; a job that fails is logged
and rolled back, and the others still run. On PostgreSQL a job runs only while
its scheduler holds the job's advisory lock, so schedulers on several hosts
never run the same job at once (the one that finds it taken skips that turn).
SQLite has no such lock: run one scheduler there.

The schedule lives in this process only: at start every job runs once (catching
up what a stopped scheduler missed), then at each of its slots, counted from
midnight UTC. Every job is safe to run again, which is what makes that simple.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time as clock_time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from app import scheduled_jobs
from app.extensions import db

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Job:
    """One periodic job: what it runs, and how often (``every`` None: not scheduled)."""

    name: str
    run: Callable[[Session, datetime], str]
    every: timedelta | None
    at: timedelta = timedelta(0)
    off_because: str = ""

    def next_run(self, after: datetime) -> datetime:
        """Return the first of this job's slots later than ``after``."""
        base = datetime.combine(after.date(), time(), tzinfo=after.tzinfo or UTC) + self.at
        return base + ((after - base) // self.every + 1) * self.every

    def describe(self) -> str:
        if self.every is None:
            return f"off ({self.off_because})"
        seconds = int(self.every.total_seconds())
        unit = next(u for u in ("d", "h", "m", "s") if seconds % UNITS[u] == 0)
        every = f"every {seconds // UNITS[unit]}{unit}"
        if self.at:
            return f"{every} at {str(self.at)[:-3].rjust(5, '0')} UTC"
        return every


@dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # "ran", "failed" or "skipped"
    message: str
    seconds: float

    def __str__(self) -> str:
        label = {"ran": "", "failed": "FAILED: ", "skipped": "skipped: "}[self.status]
        return f"{self.job}: {label}{self.message} ({self.seconds:.1f} s)"


def parse_every(text: str, *, setting: str) -> tuple[timedelta | None, timedelta]:
    """Read "30s", "5m", "1h", "1d", "1d@07:00" or "off" into (interval, offset from midnight)."""
    text = text.strip().lower()
    if text in {"", "off", "0", "never"}:
        return None, timedelta(0)
    every_text, _, at_text = text.partition("@")
    try:
        amount = int(every_text[:-1]) if every_text[-1:] in UNITS else int(every_text)
        every = timedelta(seconds=amount * UNITS.get(every_text[-1:], 1))
        at = timedelta(0)
        if at_text:
            hours, minutes = (int(part) for part in at_text.split(":"))
            at = timedelta(hours=hours, minutes=minutes)
        if every <= timedelta(0) or not timedelta(0) <= at < timedelta(days=1):
            raise ValueError(text)
    except ValueError as err:
        raise click.UsageError(
            f"{setting}={text!r}: write how often, e.g. 30s, 5m, 1h, 1d or 1d@07:00 "
            f"(a daily time in UTC), or off.") from err
    return every, at


def _runs(config) -> dict[str, Callable[[Session, datetime], str]]:
    path, admin = config["LICENCE_IMPORT_FILE"], config["LICENCE_IMPORT_AS"]
    return {
        "import-licences": lambda s, now: scheduled_jobs.import_licence_list(s, path, admin),
        "send-email": scheduled_jobs.send_email,
        "expire-requests": scheduled_jobs.expire_requests,
        "offer-waitlist-places": scheduled_jobs.offer_waitlist_places,
        "remind-expiring-checks":
            lambda s, now: scheduled_jobs.remind_expiring_checks(s, today=now.date()),
        "send-caseload-reminders":
            lambda s, now: scheduled_jobs.send_caseload_reminders(s, today=now.date()),
        "send-search-alerts": scheduled_jobs.send_search_alerts,
        "roll-up-search-demand":
            lambda s, now: scheduled_jobs.roll_up_search_demand(s, today=now.date()),
        "prune-search-changes": scheduled_jobs.prune_search_changes,
    }


def jobs_from_config(config) -> list[Job]:
    """Return every job, in the order a pass runs them, with its schedule from ``config``."""
    runs = _runs(config)
    jobs = []
    for name, text in config["SCHEDULE"].items():
        setting = "SCHEDULE_" + name.upper().replace("-", "_")
        every, at = parse_every(text, setting=setting)
        off_because = "" if every else f"{setting}=off"
        if every and name == "import-licences" and not config["LICENCE_IMPORT_FILE"]:
            every, off_because = None, "LICENCE_IMPORT_FILE is not set"
        jobs.append(Job(name, runs[name], every, at, off_because))
    return jobs


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock, one per job."""
    digest = hashlib.sha256(f"fmcs scheduled job {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(engine: sa.Engine, name: str) -> Iterator[bool]:
    """Hold job ``name``'s lock while the block runs; yield False if another holds it.

    On PostgreSQL a session advisory lock on a connection of its own, so a job
    that commits as it goes keeps it, and a scheduler that dies frees it. On
    SQLite always True: one scheduler is the rule there.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _lock_key(name)
    with engine.connect() as conn:
        held = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()


def run_job(app: Flask, job: Job, now: datetime) -> Outcome:
    """Run one job in its own app context and transaction; never raise."""
    started = clock_time.monotonic()

    def outcome(status: str, message: str) -> Outcome:
        return Outcome(job.name, status, message, clock_time.monotonic() - started)

    with app.app_context():
        try:
            with job_lock(db.engine, job.name) as held:
                if not held:
                    result = outcome("skipped", "another scheduler is running it")
                else:
                    result = outcome("ran", job.run(db.session, now))
        except Exception as err:  # one job's failure never stops the others
            db.session.rollback()
            logger.exception("Scheduled job %s failed", job.name)
            result = outcome("failed", f"{type(err).__name__}: {err}")
        finally:
            db.session.remove()
    if result.status != "failed":
        logger.info("%s", result)
    return result


def run_pass(app: Flask, jobs: list[Job], now: datetime) -> list[Outcome]:
    """Run each of ``jobs`` once, in order, as if at ``now``."""
    return [run_job(app, job, now) for job in jobs]


def run_forever(app: Flask, jobs: list[Job], *, stop: threading.Event,
                clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                wait: Callable[[float], object] | None = None) -> None:
    """Run every job now, then each at its slots, until ``stop`` is set.

    ``wait(seconds)`` passes the time between slots (by default waiting on ``stop``,
    so a signal ends the wait at once).
    """
    wait = wait or stop.wait
    due = {job.name: clock() for job in jobs}
    while not stop.is_set():
        for job in jobs:
            if stop.is_set():
                break
            if due[job.name] <= clock():
                run_job(app, job, clock())
                # The slot after it finished: a slow run skips slots rather than piling up.
                due[job.name] = job.next_run(clock())
        until_next = (min(due.values()) - clock()).total_seconds()
        wait(min(max(until_next, 0.0), 60.0))


@click.command("run-scheduler")
@click.option("--once", is_flag=True, help="Run every scheduled job once, then exit "
                                           "(exit 1 if one failed).")
@click.option("--now", type=scheduled_jobs.NOW, default=None,
              help="With --once: run as if at this UTC time.")
@click.option("--job", "names", multiple=True, metavar="NAME",
              help="Only this job (repeatable), even if its schedule is off.")
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and their schedules.")
@with_appcontext
def run_scheduler_command(once, now, names, list_only):
    """Run the periodic jobs (email, expiry, reminders, alerts, roll-up, imports) on their
    schedules, instead of cron. On PostgreSQL several may run (one per host); on SQLite, one."""
    app = current_app._get_current_object()
    jobs = jobs_from_config(app.config)
    known = {job.name for job in jobs}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: the jobs are {', '.join(known)}.",
                                 param_hint="--job")
    if list_only:
        width = max(len(name) for name in known)
        for job in jobs:
            click.echo(f"{job.name:<{width}}  {job.describe()}")
        return
    if now is not None and not once:
        raise click.BadParameter("--now needs --once.", param_hint="--now")
    chosen = ([job for job in jobs if job.name in names] if names
              else [job for job in jobs if job.every is not None])
    if once:
        at = scheduled_jobs.as_utc(now)
        outcomes = run_pass(app, chosen, at)
        for result in outcomes:
            click.echo(str(result))
        if any(result.status == "failed" for result in outcomes):
            raise SystemExit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Finish the job running, then stop: no transaction is cut off halfway.
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Scheduler running {len(chosen)} job(s); stop it with SIGTERM.")
    run_forever(app, chosen, stop=stop)
    click.echo("Scheduler stopped.")


def register(app: Flask) -> None:
    app.cli.add_command(run_scheduler_command)
