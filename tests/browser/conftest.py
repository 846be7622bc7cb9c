"""The browser suite: the demo served on a free port, driven by Playwright in
the distribution's Chromium (``/usr/bin/chromium``), headless.

Where Chromium is missing the suite is skipped, unless
``BINHYEN_BROWSER_REQUIRED`` is set (``.ci/run`` sets it, after installing
Chromium from the distribution's packages), which turns the skip into a
failure. The app runs the embedded default (SQLite, jobs in-process) seeded
with the demo, as a newcomer gets it from ``make run``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from core import migrate
from core.app import create_app
from core.config import load_settings
from core.demo import seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parents[2] / "build" / "screenshots"
VIEWPORTS = {"phone": (360, 800), "desktop": (1280, 800)}
PASSWORD = "binhyen-demo"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("BINHYEN_BROWSER_REQUIRED"):
        pytest.fail(f"Chromium is required here and missing at {CHROMIUM}")
    pytest.skip("Chromium is not installed: apt-get install chromium")
    raise AssertionError  # unreachable; pytest.skip raises


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded demo, served by a real HTTP server in this process."""
    _chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser-demo")
    settings = load_settings(
        {},
        instance_path=str(folder),
        secret_key="browser-tests",
        cookie_secure=False,
    )
    app = create_app(settings)
    migrate.upgrade(settings, app.extensions["binhyen.plugins"])
    with app.app_context():
        seed(app.extensions["binhyen.db"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["binhyen.db"].dispose()


@pytest.fixture(scope="session")
def browser(live_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=_chromium_or_skip(), args=LAUNCH_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh browser context the size of a small phone, in Vietnamese."""
    width, height = VIEWPORTS["phone"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN"
    )
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    width, height = VIEWPORTS["desktop"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN"
    )
    yield context
    context.close()


def sign_in(context: Any, live_url: str, username: str) -> Any:
    """A page of ``context`` signed in as a demo account."""
    page = context.new_page()
    page.goto(f"{live_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"
    return page


def shoot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name)}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any) -> list[str]:
    """Accessibility problems axe-core rates serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} places)"
        for v in found
        if v.get("impact") in {"serious", "critical"}
    ]
