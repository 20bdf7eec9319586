"""The Usage page while a bulk export runs: its p99 against the same page on an idle gateway.

A ``usage-gateway serve`` process (one worker) serves the exports benchmark's dataset
(``bench/export_data.py``: ``--rows`` AI calls over 400 days, 1,000,000 by default, built once
and reused), its clock set to the dataset's last day. The Usage page (the frontend's own
document, every card and 50 activity rows; response cache off, rate limit off) is asked
``--requests`` times one after the other on the idle gateway; then a bulk export of the whole
400 days is started (``startBulkExport``, AI_USAGE, ``--format``), a ``usage-gateway bulk``
worker process writes it, and the page is asked again, back to back, until the job is
COMPLETED. Reported: both p50 and p99, their ratio (target: p99 ≤ 1.2 × idle), the export's
rows per second and the worker's peak memory (``VmHWM``).

    .venv/bin/python -m bench.bulk_exports                        # PostgreSQL, 1M rows
    .venv/bin/python -m bench.bulk_exports --engine sqlite --rows 20000 --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.export_data import ADMIN, FIRST_DAY, LAST_DAY, ORG, prepare
from bench.report import Row, save
from gateway.config import Settings
from gateway.orgs.credentials import issue_member_token
from tests.support import free_port

SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
ROOT = Path(__file__).resolve().parents[1]
USAGE_PAGE = (ROOT / "resolvers" / "documents" / "usage-page.graphql").read_text()
START = """mutation($from: Date!, $to: Date!, $format: BulkExportFormat!) {
  startBulkExport(kind: AI_USAGE, format: $format, from: $from, to: $to) { id } }"""
POLL = "query($id: ID!) { bulkExport(id: $id) { status rows sizeBytes errorMessage } }"
# The gateway's clock: noon of the dataset's last day, so THIS_MONTH holds its last weeks.
AT = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 12, tzinfo=UTC)
TARGET = 1.2
MB = 1024 * 1024


def _peak_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def _env(url: str, directory: str) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_JWT_SECRET": SECRET,
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_RESPONSE_CACHE_BYTES": "0",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_STATEMENT_TIMEOUT_MS": "30000",
        "GATEWAY_BULK_EXPORT_DIR": directory,
        "GATEWAY_CLOCK_OFFSET_SECONDS": repr((AT - datetime.now(UTC)).total_seconds()),
    }


async def _ready(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            try:
                if (await client.get("/readyz", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not get ready")


async def _page(client: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": USAGE_PAGE})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"the Usage page failed: {response.status_code} {response.text[:300]}")
    return elapsed


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, str]
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


async def measure(url: str, requests: int, fmt: str) -> list[Row]:
    directory = tempfile.mkdtemp(prefix="bench-bulk-")
    env = _env(url, directory)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        await _ready(base)
        settings = Settings(jwt_secret=SECRET)
        token = issue_member_token(
            settings, org_id=ORG, member_id=ADMIN, now=AT, ttl=timedelta(hours=6)
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            for _ in range(20):  # warm-up: imports, pools, plans
                await _page(client)
            idle = [await _page(client) for _ in range(requests)]
            job = await _graphql(
                client,
                START,
                {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), "format": fmt},
            )
            job_id = job["startBulkExport"]["id"]
            worker = subprocess.Popen([sys.executable, "-m", "gateway.cli", "bulk"], env=env)
            started = time.perf_counter()
            busy: list[float] = []
            state: dict[str, Any] = {}
            while True:
                busy.append(await _page(client))
                if len(busy) % 10 == 0:
                    state = (await _graphql(client, POLL, {"id": job_id}))["bulkExport"]
                    if state["status"] in ("COMPLETED", "FAILED"):
                        break
            seconds = time.perf_counter() - started
            worker_peak = _peak_mb(worker.pid)
    finally:
        for process in (worker, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    if state["status"] != "COMPLETED":
        raise RuntimeError(f"the bulk export failed: {state['errorMessage']}")
    rows = int(state["rows"])
    ratio = _p(busy, 0.99) / _p(idle, 0.99)
    return [
        Row("Usage page idle, p50 / p99", "", f"{_p(idle, 0.5):.1f} / {_p(idle, 0.99):.1f} ms"),
        Row(
            f"Usage page while a {rows:,}-row bulk export runs, p50 / p99 ({len(busy)} requests)",
            "",
            f"{_p(busy, 0.5):.1f} / {_p(busy, 0.99):.1f} ms",
        ),
        Row("p99 while exporting ÷ p99 idle", f"≤ {TARGET}", f"{ratio:.2f}", met=ratio <= TARGET),
        Row(
            f"Bulk export ({fmt}, {state['sizeBytes'] / MB:.1f} MB), rows/s (page load beside it)",
            "",
            f"{rows / seconds:,.0f}",
        ),
        Row(
            "Bulk worker's peak memory", "≤ 150 MB", f"{worker_peak:.0f} MB", met=worker_peak <= 150
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="idle page requests")
    parser.add_argument("--format", choices=["CSV", "XLSX", "JSONL"], default="CSV")
    parser.add_argument(
        "--smoke", action="store_true", help="print the table, keep no result (a tiny run)"
    )
    args = parser.parse_args()
    url = asyncio.run(prepare(args.engine, args.rows))
    rows = asyncio.run(measure(url, args.requests, args.format))
    if args.smoke:
        for row in rows:
            print(f"{row.what}: {row.result} (target {row.target or '-'})")
        return
    save("bulk_exports", rows)


if __name__ == "__main__":
    main()
