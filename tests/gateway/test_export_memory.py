"""A large export streams: the serving process's peak memory does not grow with the rows.

A real uvicorn process serves the test's database; its peak resident size (``VmHWM``, reset
through ``/proc/<pid>/clear_refs`` before each export) is read after a small and after a
20 times larger one. Holding the rows (or the file) would make the larger one's peak grow
by tens of megabytes; streaming keeps both within a few pages of each other.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls, members, organizations
from tests.support import JWT_SECRET, free_port, make_settings

FIRST = date(2026, 9, 1)
DAYS = 40
PER_DAY = 2_500  # 100,000 calls in all
MB = 1024 * 1024


def _status(pid: int, field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert match is not None
    return int(match.group(1)) * 1024


def _reset_peak(pid: int) -> int:
    """Start the process's peak afresh at its current size, which is returned (bytes)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status(pid, "VmRSS")


def _can_reset_peaks() -> bool:
    return Path(f"/proc/{os.getpid()}/clear_refs").exists()


async def _fill(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.write() as conn:
        await conn.execute(
            insert(organizations).values(
                id="acme",
                name="Acme",
                time_zone="UTC",
                ai_mode="CREDITS",
                active_since=FIRST,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(members),
            [
                {
                    "org_id": "acme",
                    "id": f"m{n}",
                    "name": f"Member {n}",
                    "email": f"m{n}@acme.test",
                    "role": "ADMIN",
                    "updated_at": now,
                }
                for n in range(20)
            ],
        )
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC)
    step = timedelta(days=1) / PER_DAY
    for day in range(DAYS):
        rows: list[dict[str, Any]] = [
            {
                "org_id": "acme",
                "event_id": f"call-{day:02d}-{n:05d}",
                "occurred_at": start + timedelta(days=day) + n * step,
                "member_id": f"m{n % 20}",
                "reason": "CHAT",
                "billing_mode": "BYOK" if n % 10 == 0 else "CREDITS",
                "model_id": "claude-sonnet-4-5",
                "credits_e4": 0 if n % 10 == 0 else 12_500 + n,
                "input_tokens": 1_000 + n,
                "output_tokens": 300,
                "cost_micros": 4_500 if n % 10 == 0 else 0,
                "ingested_at": now,
            }
            for n in range(PER_DAY)
        ]
        async with db.write() as conn:
            await conn.execute(insert(ai_calls), rows)


@contextmanager
def _server(url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "uvicorn", "gateway.web.asgi:app_from_env", "--factory"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning", "--no-access-log"], env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _export(base: str, pid: int, token: str, fmt: str, days: int) -> tuple[int, int]:
    """Rows in the file and the server's peak growth (bytes) over its size before."""
    baseline = _reset_peak(pid)
    last = FIRST + timedelta(days=days - 1)
    params = {"from": FIRST.isoformat(), "to": last.isoformat(), "format": fmt}
    lines = 0
    size = 0
    async with (
        httpx.AsyncClient(base_url=base, timeout=300) as client,
        client.stream(
            "GET", "/v1/exports/ai-usage", params=params, headers={"Authorization": token}
        ) as response,
    ):
        assert response.status_code == 200
        async for chunk in response.aiter_raw():
            lines += chunk.count(b"\n")
            size += len(chunk)
    growth = _status(pid, "VmHWM") - baseline
    return (lines - 1 if fmt == "csv" else size), growth


@pytest.mark.slow
async def test_a_large_export_keeps_the_servers_memory_flat(db: Database) -> None:
    if not _can_reset_peaks():
        pytest.skip("needs Linux /proc to read a process's peak memory")
    await _fill(db)
    url = db.engine.url.render_as_string(hide_password=False)
    settings = make_settings()
    token = "Bearer " + issue_member_token(
        settings, org_id="acme", member_id="m1", now=datetime.now(UTC), ttl=timedelta(hours=1)
    )
    with _server(url) as (base, pid):
        # Warm up: imports, pools and statements are the process's, not the export's.
        await _export(base, pid, token, "csv", 1)
        rows_small, small = await _export(base, pid, token, "csv", 2)
        rows_large, large = await _export(base, pid, token, "csv", DAYS)
        assert (rows_small, rows_large) == (2 * PER_DAY, DAYS * PER_DAY)
        # The CSV of 100,000 rows is ~11 MB, and its rows as objects would take far more.
        assert large < small + 12 * MB, (small / MB, large / MB)
        assert large < 40 * MB, large / MB

        await _export(base, pid, token, "xlsx", 1)
        _, small = await _export(base, pid, token, "xlsx", 2)
        _, large = await _export(base, pid, token, "xlsx", DAYS // 4)
        assert large < small + 12 * MB, (small / MB, large / MB)
