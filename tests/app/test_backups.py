"""Backups are proven: a pg_dump of a live database restores into a new one that answers alike.

The README's runbook, step by step: ``pg_dump -Fc``, ``pg_restore --no-owner --clean
--if-exists`` into a new database, ``flask db upgrade`` (nothing to do), then the same
searches and the same caseload from an app on each.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db

from ..conftest import TEST_DATABASE_URL, config_for, postgresql_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not TEST_DATABASE_URL,
                       reason="LOUD SKIP: TEST_DATABASE_URL is not set, so backup and "
                              "restore cannot be tested (CI sets it)"),
]

SEARCHES = [
    "/api/v1/search?where=LS6+3QS",
    "/api/v1/search?where=LS6+3QS&radius_km=100&roles=mentor&roles=coach_developer",
    "/api/v1/search?where=Manchester&radius_km=80&event_groups=jumps",
    "/api/v1/search?where=SW1A+1AA&mode=online",
]


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/lib/postgresql/15/bin/{name}"
    assert shutil.which(path), f"{name} is not installed: backups cannot be proven"
    return path


def _app(url: str):
    return create_app(config_for(url, RATELIMIT_ENABLED=False))


def _answers(app) -> dict:
    """What the public and the demo coach developer see: searches and the caseload."""
    client = app.test_client()
    answers = {}
    for url in SEARCHES:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        answers[url] = response.get_json()
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    signed_in = client.post("/api/v1/session", headers={"X-CSRFToken": csrf}, json={
        "email": "developer@example.org", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()
    caseload = client.get("/api/v1/caseload")
    assert caseload.status_code == 200, caseload.get_json()
    answers["caseload"] = caseload.get_json()
    return answers


def _close(app) -> None:
    rebuilding = app.extensions.get("search_index")
    if rebuilding is not None:
        rebuilding.wait_for_rebuild(timeout=120)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_dump_restores_into_a_new_database_that_answers_the_same(tmp_path):
    dump = tmp_path / "fmcs.dump"
    name = f"fmcs_backup_{uuid.uuid4().hex[:8]}"
    with postgresql_database(name) as original_url, \
            postgresql_database(f"{name}_restored") as restored_url:
        original = _app(original_url)
        with original.app_context():
            upgrade()
        runner = original.test_cli_runner()
        for args in (["seed-taxonomy"], ["seed-demo", "--supporters", "60", "--coaches", "20",
                                         "--today", "2026-11-23"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        before = _answers(original)
        assert before["caseload"]["rows"], "the demo coach developer has a caseload"
        assert all(before[url]["results"] for url in SEARCHES[:2]), "searches find people"
        _close(original)

        subprocess.run([_pg_tool("pg_dump"), "-Fc", "--file", str(dump),
                        _libpq(original_url)], check=True, capture_output=True)
        subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--clean", "--if-exists",
                        "--exit-on-error", "--dbname", _libpq(restored_url), str(dump)],
                       check=True, capture_output=True)

        restored = _app(restored_url)
        try:
            with restored.app_context():
                head = db.session.execute(sa.text("SELECT version_num FROM alembic_version"))
                version = head.scalar_one()
                upgrade()  # the runbook's check: already at head, nothing to do
                assert db.session.execute(
                    sa.text("SELECT version_num FROM alembic_version")).scalar_one() == version
                db.session.remove()
            assert _answers(restored) == before
        finally:
            _close(restored)
