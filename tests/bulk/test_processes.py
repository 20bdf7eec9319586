"""A real ``usage-gateway bulk`` process killed with SIGKILL mid-file: the job stays RUNNING
(never COMPLETED with a cut file) until its lease runs out, then the next worker writes it
again from the start, and the file equals the synchronous export; the worker's peak memory
stays bounded while it writes 100,000 rows."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from gateway.bulk import service as bulk_service
from gateway.bulk.enums import BulkExportFormat, BulkExportKind, BulkExportStatus
from gateway.bulk.records import BulkExportRecord
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.gateway.test_export_memory import DAYS, FIRST, PER_DAY
from tests.gateway.test_export_memory import _fill as fill_100k_calls
from tests.support import make_settings

LEASE_S = 30
MB = 1024 * 1024


def _env(db: Database, directory: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "GATEWAY_BULK_EXPORT_DIR": str(directory),
        "GATEWAY_BULK_EXPORT_LEASE_S": str(LEASE_S),
        "GATEWAY_LOG_LEVEL": "warning",
        **extra,
    }


async def _worker(db: Database, directory: Path, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "bulk", env=_env(db, directory, **extra)
    )


async def _until(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def _parts(directory: Path) -> list[Path]:
    return [p for p in directory.glob("*.part") if p.stat().st_size > 64 * 1024]


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _has_proc() -> bool:
    return Path("/proc/self/status").exists()


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    assert match is not None
    return int(match.group(1)) * 1024


async def _job(db: Database, job_id: str) -> BulkExportRecord:
    job = await bulk_service.job(db, "acme", job_id)
    assert job is not None
    return job


@pytest.mark.slow
async def test_a_worker_killed_mid_file_never_completes_a_cut_file(
    db: Database, tmp_path: Path
) -> None:
    if not _has_proc():
        pytest.skip("needs Linux /proc to read the worker's peak memory")
    await fill_100k_calls(db)
    directory = tmp_path / "bulk"
    last = FIRST + timedelta(days=DAYS - 1)
    started = await bulk_service.start(
        db,
        "acme",
        kind=BulkExportKind.AI_USAGE,
        fmt=BulkExportFormat.CSV,
        first=FIRST,
        last=last,
        zone=ZoneInfo("UTC"),
        created_by="member:m1",
        now=datetime.now(UTC),
    )
    worker = await _worker(db, directory)
    try:
        # Killed once the file has some pages in it, well before its ~11 MB.
        await _until(lambda: directory.exists() and bool(_parts(directory)))
        worker.send_signal(signal.SIGKILL)
    finally:
        if worker.returncode is None:
            worker.kill()
    assert await worker.wait() == -signal.SIGKILL
    cut = await _job(db, started.id)
    assert cut.status is BulkExportStatus.RUNNING and cut.attempts == 1
    assert cut.rows is None and cut.file_name is None
    [part] = directory.glob("*.part")
    assert f"{started.id}.csv" not in _names(directory)

    # Another worker within the lease leaves the job alone...
    within = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "bulk", "--once", env=_env(db, directory)
    )
    assert await within.wait() == 0
    assert (await _job(db, started.id)).status is BulkExportStatus.RUNNING
    # ... and once it has run out (the clock moved past it), takes the job from the start.
    later = await _worker(db, directory, GATEWAY_CLOCK_OFFSET_SECONDS=str(LEASE_S + 5))
    try:
        deadline = time.monotonic() + 120
        while (await _job(db, started.id)).status is not BulkExportStatus.COMPLETED:
            assert time.monotonic() < deadline, "the job was not taken again"
            await asyncio.sleep(0.1)
        peak = _peak_rss(later.pid)
    finally:
        later.send_signal(signal.SIGTERM)
        assert await later.wait() == 0
    done = await _job(db, started.id)
    assert (done.attempts, done.rows) == (2, DAYS * PER_DAY)
    assert _names(directory) == [f"{started.id}.csv"]  # the cut file is gone
    assert not part.exists()
    # 100,000 rows as CSV are ~11 MB; the worker holds two pages of 5,000 at a time.
    assert peak < 150 * MB, peak / MB

    app = create_app(make_settings(), db=db)
    token = issue_member_token(
        make_settings(),
        org_id="acme",
        member_id="m1",
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", timeout=120
    ) as client:
        params = {"from": FIRST.isoformat(), "to": last.isoformat(), "format": "csv"}
        sync = await client.get(
            "/v1/exports/ai-usage", params=params, headers={"Authorization": f"Bearer {token}"}
        )
    assert sync.status_code == 200
    written = (directory / f"{started.id}.csv").read_bytes()
    assert written == sync.content
    assert done.size_bytes == len(written)
