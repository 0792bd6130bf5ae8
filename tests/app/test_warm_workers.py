"""Warm workers and what /healthz says about them; the deploy/ folder, exercised.

gunicorn started with deploy/gunicorn.conf.py builds each worker's search index
before the worker takes a request, so /healthz reports it built before anyone
has searched; the systemd units name commands and files that exist.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..smtp_sink import free_port
from .test_rate_limits_shared import GUNICORN, _request, _wait_for_port

DEPLOY = ROOT / "deploy"
INSTALLED_AT = "/srv/find-my-coaching-support"


def test_healthz_reports_no_index_until_this_worker_builds_one(client, make_supporter):
    make_supporter()
    make_supporter()
    before = client.get("/healthz").get_json()
    assert before["status"] == "ok"
    assert before["search_index"] == {"age_seconds": None, "full_build_age_seconds": None,
                                      "supporters": None, "data_version": None,
                                      "changes_applied": None}
    assert client.get("/api/v1/search?where=LS6+3QS").status_code == 200
    after = client.get("/healthz").get_json()
    assert after["search_index"]["supporters"] == 2
    assert after["search_index"]["data_version"] == after["data_version"]
    assert after["search_index"]["age_seconds"] >= 0
    assert after["worker"] == os.getpid()


def test_warm_up_builds_the_index_and_its_text_model(app, client, make_supporter):
    from app.services.search import warm_up

    make_supporter()
    snapshot = warm_up(app)
    assert snapshot.index._arrays.text.fitted
    assert client.get("/healthz").get_json()["search_index"]["supporters"] == 1


def test_a_warm_worker_applies_its_first_change_with_nothing_to_compile(app, session,
                                                                      make_supporter):
    """warm_up rehearses a change, so the first real one compiles no query: a first
    compile costs more than applying the change."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    from app.extensions import db
    from app.services.search import index_cache, warm_up

    changing = make_supporter()
    make_supporter()
    before = warm_up(app)
    changing.capacity += 1
    session.commit()
    compiled = []

    def executing(conn, cursor, statement, parameters, context, executemany):
        if context.cache_hit is CacheStats.CACHE_MISS:
            compiled.append(statement)

    event.listen(db.engine, "before_cursor_execute", executing)
    try:
        after = index_cache().get(db.session)
    finally:
        event.remove(db.engine, "before_cursor_execute", executing)
    assert after.version > before.version
    assert after.changes_applied == 1  # applied as a change, not rebuilt
    assert compiled == []


def test_warm_up_never_raises_when_the_database_is_away():
    from app import create_app
    from app.services.search import warm_up

    from ..conftest import config_for

    app = create_app(config_for("postgresql+psycopg://nobody:x@127.0.0.1:1/none"))
    assert warm_up(app) is None
    report = app.test_client().get("/healthz").get_json()
    assert report["search_index"]["age_seconds"] is None
    assert report["outbox"] == {"queued": None, "dead_letters": None}


def test_healthz_counts_queued_emails_and_dead_letters(client, session, make_user):
    from app.models import OutboxMessage

    user = make_user()
    now = datetime.now(UTC)
    states = [{}, {}, {"failed_at": now}, {"sent_at": now},
              {"sent_at": now, "failed_at": now}]  # sent again after giving up once
    session.add_all(OutboxMessage(user_id=user.id, to_address=user.email, subject="Hi",
                                  body="Hello", kind="test", **state) for state in states)
    session.commit()
    assert client.get("/healthz").get_json()["outbox"] == {"queued": 2, "dead_letters": 1}


@pytest.fixture
def gunicorn(database_url, make_supporter):
    """Start gunicorn as deployed (deploy/gunicorn.conf.py, 2 workers) on two supporters."""
    make_supporter()
    make_supporter(offers_online=True)
    port = free_port()
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "s" * 64,
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": database_url,
           "RATELIMIT_STORAGE_URI": "memory://", "TRUSTED_PROXY_COUNT": "1",
           "WEB_CONCURRENCY": "2", "LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process, "gunicorn")
        yield port, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=60)


def test_gunicorn_workers_are_warm_before_the_first_search(gunicorn):
    port, process = gunicorn
    # A worker answers only once warm: the first answer waits for one.
    assert _request(port, "GET", "/livez")[0] == 200
    reports = {}
    # New connections until both workers have answered (the second may still be
    # warming: it takes no connection until it is).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, _, body = _request(port, "GET", "/healthz")
        assert status == 200
        report = json.loads(body)
        reports[report["worker"]] = report
        if len(reports) == 2:
            break
    assert len(reports) == 2, reports
    for report in reports.values():
        assert report["search_index"]["supporters"] == 2
        assert report["search_index"]["data_version"] == report["data_version"]
        assert report["search_index"]["age_seconds"] is not None
        assert report["outbox"] == {"queued": 0, "dead_letters": 0}
    status, _, body = _request(port, "GET", "/api/v1/search?where=LS6+3QS&mode=either")
    assert status == 200
    answer = json.loads(body)
    assert len(answer["results"]) + len(answer["online"]) == 2

    process.terminate()
    out, err = (stream.decode() for stream in process.communicate(timeout=60))
    assert err.count("Search index warm: 2 supporters") == 2
    # The file tells the app its worker count, so the memory:// warning is right.
    assert "2 gunicorn workers" in err
    assert '"GET /api/v1/search?where=LS6+3QS&mode=either HTTP/1.1" 200' in out
    assert "request_id=" in out


def test_the_arbiter_imports_the_libraries_the_workers_share(gunicorn):
    """scipy and scikit-learn are loaded by the arbiter before any worker forks, so
    the workers share those pages instead of each holding a copy."""
    port, process = gunicorn
    assert _request(port, "GET", "/livez")[0] == 200
    arbiter = Path(f"/proc/{process.pid}/maps").read_text()
    for library in ("/scipy/sparse/", "/sklearn/", "/numpy/"):
        assert library in arbiter, f"the arbiter has not imported {library}"


@pytest.mark.parametrize("unit", sorted((DEPLOY / "systemd").glob("*.service")),
                         ids=lambda path: path.name)
def test_systemd_units_name_what_exists(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(unit)
    service = parser["Service"]
    assert service["WorkingDirectory"] == INSTALLED_AT
    command = shlex.split(service["ExecStart"])
    assert command[0].startswith(INSTALLED_AT + "/")
    # Installed at INSTALLED_AT as this checkout is here.
    assert Path(command[0].replace(INSTALLED_AT, str(ROOT))).exists()
    if "-c" in command:
        assert (ROOT / command[command.index("-c") + 1]).is_file()
    if "--app" in command:
        assert (ROOT / f"{command[command.index('--app') + 1]}.py").is_file()
    assert command[-1] in {"wsgi:app", "run-scheduler"}
    if command[-1] == "run-scheduler":
        from app import create_app

        assert "run-scheduler" in create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).cli.commands
    assert parser["Install"]["WantedBy"] == "multi-user.target"
