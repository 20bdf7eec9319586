"""Two gateway workers reading the Usage page with a streaming replica and without, same machine.

Starts a private primary (``initdb``, loopback port, run as ``postgres`` under root), builds
the Usage dataset in it, makes a hot standby with ``pg_basebackup -R``, then serves the page
with ``wrk`` twice: the primary alone, then with ``GATEWAY_DATABASE_REPLICA_URLS`` naming the
standby. Reported: requests/s, p50/p99 and errors of each, and the share of the page's read
sessions the replica served (``gateway_db_reads_total``). On one machine with 2 cores both
servers share the same CPUs, so expect little gain: the figure is the cost of the path (one
version check per request on the replica), measured honestly, not a scaling result.

    .venv/bin/python -m bench.replicas --calls 100000 --seconds 20
    .venv/bin/python -m bench.replicas --calls 2000 --seconds 2 --no-save   # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from bench.dataset import build
from bench.load import PAGE_QUERY, SECRET, WRK_SCRIPT, _port, _ready, _token, wrk
from bench.report import Row, save
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.storage.versions import move_versions
from tests.faults.servers import PrivatePostgres
from tests.storage.streaming import PrivateStandby

ORG = "bench"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def prepare(primary: PrivatePostgres, calls: int) -> None:
    db = Database.from_url(primary.url)
    try:
        await migrate(db)
        await build(
            db,
            org_id=ORG,
            time_zone="Europe/Paris",
            now=NOW,
            month_calls=calls,
            older_calls_per_month=calls // 10,
        )
        async with db.write() as conn:
            await move_versions(conn, [ORG])
    finally:
        await db.dispose()


def reads(base: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text):
        for sample in family.samples:
            if sample.name == "gateway_db_reads_total":
                database = sample.labels["database"]
                found[database] = found.get(database, 0) + sample.value
    return found


def serve(env: dict[str, str], args: argparse.Namespace, label: str) -> list[Row]:
    port = _port()
    command = ["-m", "gateway.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
    metrics_dir = tempfile.mkdtemp(prefix="bench-replicas-metrics-")
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    server = subprocess.Popen([sys.executable, *command], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_ready(base))
        token = _token(env)
        check = httpx.post(
            f"{base}/graphql",
            json={"query": PAGE_QUERY},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert check.status_code == 200 and "errors" not in check.json(), check.text[:300]
        time.sleep(2 * float(env.get("GATEWAY_REPLICA_POLL_SECONDS", "1")))  # polled once
        body = orjson.dumps({"query": PAGE_QUERY}).decode()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(WRK_SCRIPT.format(body="[==[" + body + "]==]", token=token))
        script = Path(handle.name)
        try:
            wrk(base, script, args.clients, min(args.seconds, 3))  # warm the pools
            before = reads(base)
            found = wrk(base, script, args.clients, args.seconds)
            after = reads(base)
        finally:
            script.unlink()
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    rate = found["requests"] / (found["duration_us"] / 1e6)
    failures = found["failures"] + found["socket_errors"]
    setup = f"{label}: {args.workers} workers, {args.clients} connections, {args.seconds} s"
    rows = [
        Row(f"{setup}: requests/s", "", f"{rate:.0f}"),
        Row(
            f"{setup}: p50 / p99",
            "",
            f"{found['p50_us'] / 1000:.1f} / {found['p99_us'] / 1000:.1f} ms",
        ),
        Row(f"{setup}: errors", "0", f"{failures} of {found['requests']}", failures == 0),
    ]
    served = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    if served:
        total = sum(served.values()) or 1
        replica = total - served.get("primary", 0)
        rows.append(
            Row(f"{setup}: read sessions on the replica", "> 90 %", f"{100 * replica / total:.0f} %",
                replica / total > 0.9)
        )  # fmt: skip
    return rows


def run(args: argparse.Namespace) -> list[Row]:
    primary = PrivatePostgres()
    standby: PrivateStandby | None = None
    try:
        primary.start()
        primary.new_database()
        asyncio.run(prepare(primary, args.calls))
        standby = PrivateStandby(primary)
        standby.start()
        offset = (NOW - datetime.now(UTC)).total_seconds()
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": primary.url,
            "GATEWAY_JWT_SECRET": SECRET,
            "GATEWAY_RATE_LIMIT_POINTS": "0",
            "GATEWAY_RESPONSE_CACHE_BYTES": "0",  # fresh answers: every request reads
            "GATEWAY_LOG_LEVEL": "warning",
            "GATEWAY_CLOCK_OFFSET_SECONDS": str(offset),
        }
        rows = serve(env, args, "primary alone")
        with_replica = {**env, "GATEWAY_DATABASE_REPLICA_URLS": standby.url}
        return rows + serve(with_replica, args, "with a replica")
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000, help="calls in the current month")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--no-save", action="store_true", help="print only (smoke runs)")
    args = parser.parse_args()
    for binary in ("wrk", "initdb", "pg_ctl", "pg_basebackup"):
        if not shutil.which(binary):
            sys.exit(f"bench.replicas needs {binary}")
    started = time.perf_counter()
    rows = run(args)
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.no_save:
        from bench.report import table

        print(table(rows))
    else:
        save("replicas", rows)


if __name__ == "__main__":
    main()
