"""Browser tests: a real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Never downloads a browser: Chromium comes from Debian (`apt-get install chromium`, done by .ci/run).
Locally the tests skip when Chromium is missing; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from tests.conftest import PASSWORD, require

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_server_config() -> dict:
    """Settings for the served portal beyond the test's database (a module overrides this fixture)."""
    return {}


@pytest.fixture
def live_server(app, database_url, live_server_config):
    """The portal served from a thread on a free port, on the test's database."""
    server_app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **live_server_config})
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with server_app.app_context():
            from portal.extensions import db

            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    require(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) at phone width; ``page.base_url`` is the server."""
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/e2e/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, identifier: str, password: str = PASSWORD) -> None:
    """Sign in through the real form (CNIC or email, then password)."""
    page.goto("/login")
    page.get_by_label("CNIC or email").fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def switch_language(page, lang: str) -> None:
    """Use the header's language switch: a link for visitors, a button (a form) once signed in. Nothing
    to do on a page already in ``lang`` (a persona signed in with its saved language: Ayesha's is Urdu)."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    label = "اردو" if lang == "ur" else "English"
    page.locator(".lang-switch").get_by_text(label, exact=True).click()
    page.wait_for_load_state()
