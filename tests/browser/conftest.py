"""Real headless Chromium, driven by Playwright, against the app on a real port.

Chromium comes from Debian's package (installed by `make test` as root); Playwright
never downloads a browser. Without Chromium these tests skip with a loud reason,
except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _missing(what: str, how: str):
    message = f"{what} is missing ({how}): browser tests cannot run"
    if IN_CI:
        pytest.fail(message + " and CI=true forbids skipping them", pytrace=False)
    pytest.skip("LOUD SKIP: " + message)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM), "run `make test` as root to install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


class LiveServer:
    """The app served by werkzeug on a free port, in a background thread."""

    def __init__(self, app):
        # Port 0: the kernel picks a free port Chromium accepts.
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url  # links in emails lead back here
        yield server


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing(str(AXE), "run `make test` (npm install) to fetch axe-core")
    return AXE.read_text()


@pytest.fixture
def check_accessibility(axe_source):
    """Return a function running axe-core on a page; it fails on serious issues."""

    def check(page, *, context=None):
        # Evaluated through DevTools: the site's Content Security Policy rightly
        # refuses inline scripts, so a <script> tag with axe in it would not run.
        page.evaluate(axe_source)
        result = page.evaluate(
            "async (ctx) => await axe.run(ctx || document, "
            "{resultTypes: ['violations']})", context)
        serious = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
        summary = "\n".join(
            f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
            f"{v['nodes'][0]['target']})" for v in serious)
        assert not serious, f"accessibility violations:\n{summary}"
        return result

    return check


@pytest.fixture
def screenshot():
    """Return a function saving a screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, base: str, email: str, password: str | None = None) -> None:
    """Sign in through the form, as a person does, and wait to land where their work is."""
    from ..conftest import PASSWORD

    page.goto(base + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password or PASSWORD)
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)
