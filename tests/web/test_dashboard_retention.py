"""The dashboard says under the activity log when the period's older calls are no longer kept
(the operator's retention dropped them; the cards still count them)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.e2e.conftest import JWT_SECRET, SERVER_START, SERVICE_TOKEN, clock_env, serving
from tests.support import MovableClock, ai_call, free_port, make_settings
from tests.web.browser import Tab, token_for, wait_drawn

KEPT_SINCE = datetime(2026, 11, 10, tzinfo=UTC)


async def _seed(url: str) -> None:
    """An organization with 30 calls this month, through /v1 (the app in this process)."""
    settings = make_settings(url).model_copy(update={"service_token": SERVICE_TOKEN})
    db = Database.from_url(url)
    app = create_app(settings, db=db, clock=MovableClock(SERVER_START))
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
        body = {"name": "Kept Org", "timeZone": "UTC"}
        assert (await client.put("/v1/orgs/kept", json=body, headers=headers)).is_success
        member = {"name": "Ada", "email": "ada@example.com", "role": "ADMIN"}
        response = await client.put("/v1/orgs/kept/members/m1", json=member, headers=headers)
        assert response.is_success
        start = datetime(2026, 11, 2, tzinfo=UTC)
        calls = [
            ai_call(
                f"k{n}",
                org_id="kept",
                occurred_at=(start + timedelta(hours=14 * n)).isoformat().replace("+00:00", "Z"),
            )
            for n in range(30)
        ]
        response = await client.post("/v1/ingest/ai-calls", json=calls, headers=headers)
        assert response.json()["accepted"] == 30, response.text
    await db.dispose()


def _drop_before(path: Path, kept_since: datetime) -> int:
    """What the partitions command leaves after a drop, written straight (the command keeps two
    months at least; here the kept instant lies inside this month)."""
    stamp = kept_since.replace(tzinfo=None).isoformat(" ")
    with sqlite3.connect(path) as conn:
        dropped = conn.execute("DELETE FROM ai_calls WHERE occurred_at < ?", (stamp,)).rowcount
        conn.execute(
            "INSERT INTO raw_retention (table_name, kept_since) VALUES ('ai_calls', ?)", (stamp,)
        )
    return dropped


def test_the_activity_log_says_older_calls_are_no_longer_kept(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    url = f"sqlite+aiosqlite:///{path}"
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        **clock_env(),
    }
    subprocess.run(
        [sys.executable, "-m", "gateway.cli", "migrate"], env=env, check=True, timeout=120
    )
    # Playwright's sync API holds this thread's event loop: the seeding runs on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _seed(url)).result()
    dropped = _drop_before(path, KEPT_SINCE)
    assert 0 < dropped < 30
    with serving(env, port, workers=1) as server:
        token = token_for(server, "kept", "m1")
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.clock.install(time=server.now())
        page = context.new_page()
        tab = Tab(page)
        page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
        try:
            page.goto(f"{server.base_url}/dashboard?token={token}")
            wait_drawn(tab)
            note = page.get_by_test_id("activity-kept")
            note.wait_for(timeout=20_000)
            assert "are no longer kept" in note.inner_text()
            assert "10 Nov" in note.inner_text()
            # The log lists the calls still kept; the count and the cards, all of them.
            rows = page.locator("[data-testid=activity-row]")
            assert rows.count() == 30 - dropped
            assert page.get_by_test_id("activity-count").inner_text().endswith("of 30 calls")
            assert tab.page_errors == [] and tab.console_errors == []
        finally:
            context.close()
