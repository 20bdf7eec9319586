"""A real ``usage-gateway serve`` process holding a small demo dataset, and Debian's Chromium, for
the dashboard tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import JWT_SECRET, SERVICE_TOKEN, Server, clock_env, serving
from tests.support import free_port
from tests.web.browser import CHROMIUM, LAUNCH_ARGS, Tab

# A twentieth of the demo's volume: a few hundred AI calls a month per organization, enough for
# several activity pages, loaded in a couple of seconds.
DEMO_SCALE = 0.05
_LOAD_DEMO = f"""
import asyncio
from gateway.config import Settings
from gateway.storage.db import Database
from gateway.demo import load_demo

async def main() -> None:
    settings = Settings()
    db = Database.from_url(settings.database_url)
    try:
        await load_demo(db, settings=settings, only_if_empty=False, scale={DEMO_SCALE})
    finally:
        await db.dispose()

asyncio.run(main())
"""


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path: Path = tmp_path_factory.mktemp("dashboard") / "gateway.db"
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_PORT": str(port),
        # The demo is generated up to its clock's "now": mid-month, so that this month holds
        # several activity pages whatever day the tests run on.
        **clock_env(),
    }
    for args in (["-m", "gateway.cli", "migrate"], ["-c", _LOAD_DEMO]):
        subprocess.run(
            [sys.executable, *args], env=env, check=True, capture_output=True, timeout=300
        )
    with serving(env, port, workers=1) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_tab(browser: Any, demo_server: Server) -> Iterator[Callable[..., Tab]]:
    contexts: list[Any] = []

    def open_(url: str, viewport: tuple[int, int] = (1400, 900), touch: bool = False) -> Tab:
        width, height = viewport
        context = browser.new_context(
            viewport={"width": width, "height": height},
            accept_downloads=True,
            has_touch=touch,
            is_mobile=touch,
        )
        # The page reads "today" and a token's expiry from the browser's clock: the server's.
        context.clock.install(time=demo_server.now())
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page)

        def guard(route: Any, request: Any) -> None:
            parts = urlparse(request.url)
            if parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1":
                route.continue_()
            else:
                tab.external.append(request.url)
                route.abort()

        context.route("**/*", guard)
        page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                r.method == "POST"
                and r.url.endswith("/graphql")
                and tab.graphql_posts.append(r.url)
            ),
        )
        page.goto(url)
        return tab

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, or ``$DASHBOARD_SCREENSHOTS`` (e.g. ``docs``)."""
    target = os.environ.get("DASHBOARD_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
