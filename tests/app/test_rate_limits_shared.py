"""Rate limits that hold with several workers: gunicorn, a real redis-server, HTTP.

With memory:// storage every worker counts on its own, so four workers let four
times the wrong passwords through. With Redis the count is shared; and
production with memory:// and several workers says so, loudly, at start.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import IN_CI, ROOT, migrate_to_head
from ..smtp_sink import free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 3
LIMIT = 5

def _redis_server() -> str:
    path = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(path):
        message = "redis-server is missing (run `make test` as root to install Debian's)"
        if IN_CI:
            pytest.fail(message + " and CI=true forbids skipping", pytrace=False)
        pytest.skip("LOUD SKIP: " + message)
    return path


def _wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # polling a starting server, not timing behaviour
    raise AssertionError(f"{what} did not start on port {port}")


@pytest.fixture
def redis_url():
    port = free_port()
    process = subprocess.Popen([_redis_server(), "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def serve(tmp_path):
    """Return a function starting gunicorn with WORKERS workers in production; stopped after."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate_to_head(url)
    started = []

    def start(storage: str) -> tuple[int, subprocess.Popen]:
        port = free_port()
        env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "s" * 64,
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": url,
               "RATELIMIT_STORAGE_URI": storage, "SIGN_IN_RATE_LIMIT": f"{LIMIT} per minute",
               "TRUSTED_PROXY_COUNT": "1", "LOG_LEVEL": "WARNING"}
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "wsgi:app"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(process)
        _wait_for_port(port, process, "gunicorn")
        return port, process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=30)


def _request(port: int, method: str, path: str, body: str = "", headers=None):
    """One request on a new connection (so any worker may answer it), as over HTTPS."""
    # Generous: a worker's first answer (loading the app) is slow on a busy machine.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
            "Referer": f"https://127.0.0.1:{port}/sign-in", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read()
    finally:
        conn.close()


def _wrong_passwords(port: int, attempts: int) -> list[int]:
    """Sign in with a wrong password, the way a browser would, again and again."""
    _, cookie, body = _request(port, "GET", "/api/v1/session")
    token = json.loads(body)["csrf_token"]
    form = f"email=kim%40example.com&password=wrong&csrf_token={token}"
    return [_request(port, "POST", "/sign-in", form, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie.split(";")[0]})[0] for _ in range(attempts)]


def test_the_sign_in_limit_holds_across_workers_with_redis(serve, redis_url):
    port, _ = serve(redis_url)
    statuses = _wrong_passwords(port, LIMIT + 7)
    assert sum(status != 429 for status in statuses) == LIMIT, statuses
    assert statuses[LIMIT:] == [429] * 7


def test_memory_storage_with_several_workers_says_so_loudly(serve):
    _, process = serve("memory://")
    process.terminate()
    log = process.communicate(timeout=30)[1].decode()
    assert "RATE LIMITS DO NOT HOLD" in log
    assert f"{WORKERS} gunicorn workers" in log
