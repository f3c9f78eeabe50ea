"""A real browser for the Bridge's tests: Playwright driving Debian's chromium, against a live server.

Pytest fixtures (enabled in ``tests/conftest.py``): ``chromium_browser`` (module), ``bridge``
(a module-scoped ``LiveServer`` serving API and Bridge) and ``page`` (a fresh page, logged in to
``bridge``). Tests that use them carry :data:`needs_chromium`: they skip where chromium or
Playwright is missing, except in CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MISSING_REASON = "the Bridge tests need Debian's chromium (apt-get install chromium) and playwright"


def _missing() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return True
    return not Path(CHROMIUM).exists()


MISSING = _missing()
needs_chromium = pytest.mark.skipif(MISSING and not os.environ.get("CI"), reason=MISSING_REASON)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    """A headless chromium per test module: Playwright's sync API runs an event loop in this thread
    while it is open, which would stop later tests from calling ``asyncio.run``."""
    if MISSING:
        pytest.fail(MISSING_REASON, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server (API + Bridge) for one test module."""
    with LiveServer(tmp_path_factory.mktemp("bridge")) as server:
        yield server


def log_in(page: Any, server: LiveServer) -> None:
    """Log ``page`` in to ``server``'s Bridge with its API token."""
    page.goto(server.url + "/bridge/login")
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/bridge/")


@pytest.fixture
def page(chromium_browser: Any, bridge: LiveServer) -> Iterator[Any]:
    """A fresh browser context and page, logged in to ``bridge``; outside requests are refused."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800})
    external: list[str] = []

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(bridge.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, bridge)
    try:
        yield page
    finally:
        context.close()
    assert external == [], f"the page asked for outside resources: {external}"
