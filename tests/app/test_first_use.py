"""A newcomer's first run: `make run` on a port of their choosing, and email they can follow."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "granite kettle orbit"


def sign_up(visitor, email="nell@example.com"):
    return visitor().post("/sign-up", data={
        "display_name": "Nell New", "email": email, "password": PASSWORD,
        "password_again": PASSWORD, "roles": "coach"})


def outbox(session):
    session.expire_all()
    return session.scalars(sa.select(OutboxMessage)).all()


@pytest.fixture
def development(app):
    app.config.update(APP_ENV="development", MAIL_SERVER="", MAIL_SEND_IMMEDIATELY=True)
    return app


def test_development_without_a_mail_server_prints_the_email_with_its_link(
        development, visitor, session, capsys):
    response = sign_up(visitor)
    assert response.status_code == 302 and "/sign-up/check-email" in response.location
    printed = capsys.readouterr().out
    assert "To: nell@example.com" in printed
    assert "Email not sent: no MAIL_SERVER is set" in printed
    link = next(word for word in printed.split() if "/verify-email?token=" in word)
    # The printed link works: it confirms the address, so the newcomer can sign in.
    response = visitor().get(link.split("localhost", 1)[-1])
    assert response.status_code == 302
    (message,) = outbox(session)
    assert message.sent_at is None  # printed, not sent: it stays queued for a real server


@pytest.mark.parametrize("app_env", ["testing", "production"])
def test_outside_development_nothing_is_printed(development, visitor, session, capsys, app_env):
    development.config["APP_ENV"] = app_env
    development.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks http
    sign_up(visitor)
    assert "To: nell@example.com" not in capsys.readouterr().out
    assert len(outbox(session)) == 1


def test_with_a_mail_server_development_sends_and_prints_nothing(
        development, visitor, mailbox, capsys):
    development.config["MAIL_SEND_IMMEDIATELY"] = True  # as in development
    sign_up(visitor)
    assert "/verify-email?token=" in mailbox.links("nell@example.com")[0]
    assert "To: nell@example.com" not in capsys.readouterr().out


# --- make run -----------------------------------------------------------------------------

def make_run(*args: str, env: dict | None = None) -> str:
    """Return the `flask run` line `make run` would run (make -n runs nothing)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # Not the flags of a make this suite may run under (`make test`).
    clean = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True,
                            text=True, env={**clean, **(env or {})}, check=True)
    (line,) = [line for line in result.stdout.splitlines() if "flask run" in line]
    return line


def test_make_run_serves_on_127_0_0_1_5000_unless_told():
    assert make_run().endswith("flask run --host 127.0.0.1 --port 5000")
    # The same address reaches the app's configuration, for the links in emails.
    assert make_run("PORT=8000").startswith("HOST=127.0.0.1 PORT=8000 ")
    assert make_run("PORT=8000").endswith("--host 127.0.0.1 --port 8000")
    assert make_run("HOST=0.0.0.0", "PORT=8001").endswith("--host 0.0.0.0 --port 8001")
    # csh-family shells export HOST as the machine's name: never served on that.
    assert make_run(env={"HOST": "my-laptop"}).endswith("--host 127.0.0.1 --port 5000")
