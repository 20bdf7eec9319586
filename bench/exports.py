"""Exports through a real server: rows/s and the serving process's peak memory.

A uvicorn process serves a database of ``--rows`` AI calls over 400 days and as many
(day, opening) consumption rows (``bench/export_data.py`` builds it once and reuses it). Each
CSV export covers the whole 400 days, each XLSX export the last ``--xlsx-days`` (40: ~100,000
rows, since a workbook is written several times slower); the file is downloaded as it streams
and its rows are counted in it (CSV lines; XLSX ``<row>`` elements of every sheet). Server CPU
(``/proc/<pid>/stat``) is reported too: on a busy machine it says more than the wall clock. Peak memory is the server's ``VmHWM`` from
``/proc`` after the export, minus its ``VmRSS`` just before (the peak is reset before each
export through ``/proc/<pid>/clear_refs``). While each export runs, ``/healthz`` is asked every
50 ms: its slowest answer shows whether the event loop stayed free.

    .venv/bin/python -m bench.exports                  # PostgreSQL 1M rows, SQLite 100k rows
    .venv/bin/python -m bench.exports --rows 200000 --sqlite-rows 0 --formats csv
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from bench.export_data import ADMIN, FIRST_DAY, LAST_DAY, ORG, ZONE, openings_for, prepare
from bench.report import Row, save
from gateway.config import Settings
from gateway.core.periods import custom_period
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls

SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
CSV_TARGET = 150_000  # rows/s
MEMORY_TARGET_MB = 150
PROBE_TARGET_MS = 1_000
MB = 1024 * 1024


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _proc_kb(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert match, f"{field} missing from /proc/{pid}/status"
    return int(match.group(1))


class Server:
    """One uvicorn process (one worker: the process that serves is the one measured)."""

    def __init__(self, url: str) -> None:
        self.port = _port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": url,
            "GATEWAY_JWT_SECRET": SECRET,
            "GATEWAY_RATE_LIMIT_POINTS": "0",
            "GATEWAY_LOG_LEVEL": "warning",
            # Pricing a 1M-row consumption export counts its (day, opening) keys first: ~2 s
            # on a quiet machine (see docs/benchmarks.md), over the 5 s default on a busy one.
            "GATEWAY_STATEMENT_TIMEOUT_MS": "30000",
        }
        command = [sys.executable, "-m", "uvicorn", "gateway.web.asgi:app_from_env", "--factory"]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        self.process = subprocess.Popen(command, env=env)

    async def ready(self) -> None:
        async with httpx.AsyncClient(base_url=self.base) as client:
            for _ in range(150):
                try:
                    if (await client.get("/readyz", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the server did not get ready")

    def reset_peak(self) -> int:
        """Start a new peak at the current resident size, which is returned (bytes)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        return _proc_kb(self.process.pid, "VmRSS") * 1024

    def peak(self) -> int:
        return _proc_kb(self.process.pid, "VmHWM") * 1024

    def cpu_seconds(self) -> float:
        """User and system CPU the server has used so far (its threads included)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass(frozen=True)
class Measured:
    rows: int
    seconds: float
    first_byte: float
    baseline: int
    peak: int
    probe_max_ms: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.rows / self.cpu

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / MB


def xlsx_rows(path: Path) -> int:
    """Data rows in every worksheet (each sheet's header row excluded)."""
    rows = 0
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/sheet"):
                with book.open(name) as sheet:
                    tail = b""
                    while chunk := sheet.read(1 << 20):
                        rows += (tail + chunk).count(b"<row ")
                        tail = chunk[-4:]
                rows -= 1
    return rows


async def _probe(base: str, stop: asyncio.Event, worst: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            await client.get("/healthz")
            worst.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)


async def export(
    server: Server, token: str, kind: str, fmt: str, *, first: date = FIRST_DAY
) -> Measured:
    params = {"from": first.isoformat(), "to": LAST_DAY.isoformat(), "format": fmt}
    baseline = server.reset_peak()
    cpu = server.cpu_seconds()
    stop = asyncio.Event()
    probes: list[float] = []
    probe = asyncio.create_task(_probe(server.base, stop, probes))
    lines = 0
    first_byte = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"export.{fmt}"
        async with httpx.AsyncClient(base_url=server.base, timeout=600) as client:
            started = time.perf_counter()
            async with client.stream(
                "GET", f"/v1/exports/{kind}", params=params, headers={"Authorization": token}
            ) as response:
                assert response.status_code == 200, await response.aread()
                with path.open("wb") as file:
                    async for chunk in response.aiter_raw():
                        if not first_byte:
                            first_byte = time.perf_counter() - started
                        if fmt == "csv":
                            lines += chunk.count(b"\n")
                        else:
                            file.write(chunk)
            seconds = time.perf_counter() - started
        peak = server.peak()
        cpu = server.cpu_seconds() - cpu
        stop.set()
        await probe
        rows = lines - 1 if fmt == "csv" else xlsx_rows(path)
    return Measured(rows, seconds, first_byte, baseline, peak, max(probes, default=0.0), cpu)


def _rows_of(
    label: str, kind: str, fmt: str, m: Measured, expected: int, *, targets: bool
) -> list[Row]:
    what = f"{label}: {kind} {fmt.upper()}, {expected:,} rows"
    if m.rows != expected:
        return [Row(what, "every row", f"{m.rows:,} rows in the file", met=False)]
    rate = (
        f"{m.rate:,.0f} rows/s ({m.seconds:.1f} s, first byte {m.first_byte:.1f} s); "
        f"{m.cpu_rate:,.0f} rows per server CPU-second"
    )
    memory = f"+{m.growth_mb:.0f} MB (peak RSS {m.peak / MB:.0f} MB)"
    probe = f"/healthz slowest {m.probe_max_ms:.0f} ms"
    if not targets:
        return [Row(what, "", f"{rate}; {memory}; {probe}")]
    speed = Row(what, "≥ 150,000 rows/s", rate, met=m.rate >= CSV_TARGET)
    if fmt != "csv":
        speed = Row(
            what,
            "off the event loop: /healthz within 1 s",
            f"{rate}; {probe}",
            m.probe_max_ms <= PROBE_TARGET_MS,
        )
    return [
        speed,
        Row(
            f"{what}: server memory",
            f"≤ {MEMORY_TARGET_MB} MB",
            memory,
            m.growth_mb <= MEMORY_TARGET_MB,
        ),
    ]


async def expected_rows(url: str, rows: int, kind: str, first: date) -> int:
    """Rows the export of ``first``..``LAST_DAY`` must have, counted in the database."""
    if first == FIRST_DAY:
        return rows if kind == "ai-usage" else openings_for(rows) * 400
    if kind == "consumption":
        return openings_for(rows) * ((LAST_DAY - first).days + 1)
    period = custom_period(first, LAST_DAY, zone=ZoneInfo(ZONE))
    db = Database.from_url(url)
    try:
        async with db.read() as conn:
            stmt = select(func.count()).where(
                ai_calls.c.org_id == ORG,
                ai_calls.c.occurred_at >= period.start,
                ai_calls.c.occurred_at < period.end,
            )
            return int((await conn.execute(stmt)).scalar_one())
    finally:
        await db.dispose()


async def run_engine(
    engine: str, rows: int, formats: list[str], *, fresh: bool, targets: bool, xlsx_days: int
) -> list[Row]:
    url = await prepare(engine, rows, fresh=fresh)
    settings = Settings(jwt_secret=SECRET)
    now = datetime.now(UTC)
    token = "Bearer " + issue_member_token(
        settings, org_id=ORG, member_id=ADMIN, now=now, ttl=timedelta(hours=2)
    )
    server = Server(url)
    label = "PostgreSQL" if engine == "postgresql" else "SQLite"
    results: list[Row] = []
    try:
        await server.ready()
        # Warm the process up (imports, pools, first statements) before measuring.
        for kind in ("ai-usage", "consumption"):
            for fmt in formats:
                await export(server, token, kind, fmt, first=LAST_DAY)
        for kind in ("ai-usage", "consumption"):
            for fmt in formats:
                # A workbook is written far slower than CSV: a shorter range keeps the run short.
                first = LAST_DAY - timedelta(days=xlsx_days - 1) if fmt == "xlsx" else FIRST_DAY
                expected = await expected_rows(url, rows, kind, first)
                measured = await export(server, token, kind, fmt, first=first)
                print(f"{label} {kind} {fmt}: {measured}", flush=True)
                results += _rows_of(label, kind, fmt, measured, expected, targets=targets)
    finally:
        server.stop()
    return results


async def main(args: argparse.Namespace) -> None:
    formats = args.formats.split(",")
    rows = await run_engine(
        "postgresql", args.rows, formats, fresh=args.fresh, targets=True, xlsx_days=args.xlsx_days
    )
    if args.sqlite_rows:
        rows += await run_engine(
            "sqlite", args.sqlite_rows, formats, fresh=args.fresh, targets=False, xlsx_days=400
        )
    save(args.name, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument(
        "--xlsx-days", type=int, default=40, help="days of the PostgreSQL XLSX exports (≤ 400)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the datasets")
    parser.add_argument("--name", default="exports", help="bench/results/<name>.json")
    asyncio.run(main(parser.parse_args()))
