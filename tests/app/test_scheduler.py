"""`flask run-scheduler`: the periodic jobs in one process, each on its own, never twice at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import SupportRequest
from app.scheduler import Job, job_lock, run_forever

from ..conftest import TEST_DATABASE_URL


@pytest.fixture
def waiting_request(make_supporter, make_account, visitor, session):
    """A coach's request to a supporter, unanswered: its email to the supporter is queued."""
    supporter = make_supporter(user=make_account(roles=["supporter"], email="sam@example.com"))
    coach = make_account(roles=["coach"], email="cara@example.com")
    response = visitor(coach).api("post", "/api/v1/requests", json={
        "supporter_id": supporter.id, "role": "mentor"})
    assert response.status_code == 201, response.get_json()
    return session.get(SupportRequest, response.get_json()["id"])


def _status(session, request_id) -> str:
    session.expire_all()
    return session.get(SupportRequest, request_id).status


def test_once_runs_every_scheduled_job(runner, session, mailbox, waiting_request):
    eight_days_on = (waiting_request.created_at + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")

    result = runner.invoke(args=["run-scheduler", "--once", "--now", eight_days_on])

    assert result.exit_code == 0, result.output
    for job in ("send-email", "expire-requests", "offer-waitlist-places",
                "remind-expiring-checks", "send-caseload-reminders", "send-search-alerts",
                "roll-up-search-demand", "prune-search-changes"):
        assert f"{job}: " in result.output
    assert "import-licences" not in result.output  # no LICENCE_IMPORT_FILE: not scheduled
    assert len(mailbox.to("sam@example.com")) == 1  # the queued email went out
    assert _status(session, waiting_request.id) == "expired"


@pytest.mark.parametrize("app_config", [{"LICENCE_IMPORT_FILE": "/nonexistent/licences.csv"}])
def test_a_failing_job_does_not_stop_the_others(runner, session, mailbox, waiting_request,
                                                 caplog):
    # The import runs first in each pass, and its file is not there.
    result = runner.invoke(args=["run-scheduler", "--once"])

    assert result.exit_code == 1, result.output
    assert "import-licences: FAILED: FileNotFoundError" in result.output
    assert "send-email: Email:" in result.output
    assert len(mailbox.to("sam@example.com")) == 1
    assert any("import-licences failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("app_config", [{"SCHEDULE": {
    "import-licences": "1d@01:00", "send-email": "30s", "expire-requests": "off",
    "offer-waitlist-places": "2h", "remind-expiring-checks": "1d@06:00",
    "send-caseload-reminders": "1d", "send-search-alerts": "1d@07:30",
    "roll-up-search-demand": "1d@02:00", "prune-search-changes": "1h"}}])
def test_list_shows_each_job_and_its_schedule(runner, app):
    lines = runner.invoke(args=["run-scheduler", "--list"]).output.splitlines()
    shown = {line.split()[0]: " ".join(line.split()[1:]) for line in lines}
    assert shown["send-email"] == "every 30s"
    assert shown["expire-requests"] == "off (SCHEDULE_EXPIRE_REQUESTS=off)"
    assert shown["offer-waitlist-places"] == "every 2h"
    assert shown["send-search-alerts"] == "every 1d at 07:30 UTC"
    assert shown["import-licences"] == "off (LICENCE_IMPORT_FILE is not set)"

    app.config["SCHEDULE"] = {**app.config["SCHEDULE"], "send-email": "every minute"}
    result = runner.invoke(args=["run-scheduler", "--list"])
    assert result.exit_code != 0
    assert "SCHEDULE_SEND_EMAIL='every minute'" in result.output


def test_the_loop_runs_each_job_at_its_slots_until_stopped(app):
    """At start every job runs once, then each at its slots counted from midnight UTC."""
    clock = [datetime(2026, 11, 23, 5, 30, tzinfo=UTC)]
    ran = []

    def record(name):
        def run(session, now):
            ran.append((name, now.strftime("%H:%M")))
            if name == "broken":
                raise RuntimeError("the file is not there")
            return "done"
        return run

    jobs = [Job("hourly", record("hourly"), timedelta(hours=1)),
            Job("broken", record("broken"), timedelta(hours=2)),
            Job("daily", record("daily"), timedelta(days=1), timedelta(hours=7))]
    stop = threading.Event()

    def wait(seconds):  # time passes only while the scheduler waits
        clock[0] += timedelta(seconds=seconds)
        if clock[0] >= datetime(2026, 11, 23, 8, 30, tzinfo=UTC):
            stop.set()

    run_forever(app, jobs, stop=stop, clock=lambda: clock[0], wait=wait)

    assert ran == [("hourly", "05:30"), ("broken", "05:30"), ("daily", "05:30"),
                   ("hourly", "06:00"), ("broken", "06:00"),
                   ("hourly", "07:00"), ("daily", "07:00"),
                   ("hourly", "08:00"), ("broken", "08:00")]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.skipif(not TEST_DATABASE_URL,
                    reason="LOUD SKIP: TEST_DATABASE_URL is not set, so the lock between "
                           "two schedulers cannot be tested (CI sets it)")
def test_a_second_scheduler_skips_a_job_the_first_is_running(runner, session, mailbox,
                                                             waiting_request):
    other_scheduler = sa.create_engine(session.get_bind().url)
    try:
        with job_lock(other_scheduler, "send-email") as held:
            assert held
            result = runner.invoke(args=["run-scheduler", "--once", "--job", "send-email"])
            assert result.exit_code == 0, result.output
            assert "send-email: skipped: another scheduler is running it" in result.output
            assert mailbox.to("sam@example.com") == []
        result = runner.invoke(args=["run-scheduler", "--once", "--job", "send-email"])
        assert "send-email: Email:" in result.output
        assert len(mailbox.to("sam@example.com")) == 1
    finally:
        other_scheduler.dispose()
