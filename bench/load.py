"""Throughput of the real server: N workers, M keep-alive connections sending the Usage page.

Run after ``python -m bench.usage_page`` built its database. With ``wrk`` (C, so the clients
take little of the cores) it measures 8 connections against the targets, then 4 connections
while reading each worker's CPU seconds from /proc, to show that both workers carry the load.

    .venv/bin/python -m bench.load --calls 1000000 --workers 2 --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from bench.report import Row, save

ROOT = Path(__file__).resolve().parents[1]
PAGE_QUERY = (ROOT / "resolvers" / "documents" / "usage-page.graphql").read_text()
SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
TICKS = os.sysconf("SC_CLK_TCK")
# Counts answers that are not 200 or carry GraphQL errors, over all of wrk's threads.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0 end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then failures = failures + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("failures") end
  io.write(string.format("failures %d\\n", total))
  io.write(string.format("requests %d\\n", summary.requests))
  io.write(string.format("socket_errors %d\\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  io.write(string.format("duration_us %d\\n", summary.duration))
  for _, p in ipairs({{50, 99}}) do
    io.write(string.format("p%d_us %d\\n", p, latency:percentile(p)))
  end
end
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return [int(c) for c in workers] or [pid]


def cpu_seconds(pid: int) -> float:
    # Fields after the command name: utime and stime are the 12th and 13th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wrk(base: str, script: Path, connections: int, seconds: int) -> dict[str, int]:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), f"{base}/graphql"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+) (\d+)$", result.stdout, re.M)}


def _token(env: dict[str, str]) -> str:
    command = ["-m", "gateway.cli", "token", "--org", "bench", "--member", "m1", "--hours", "1"]
    done = subprocess.run(
        [sys.executable, *command], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


async def _ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not start")


def measure(base: str, pid: int, token: str, args: argparse.Namespace) -> list[Row]:
    check = httpx.post(
        f"{base}/graphql", json={"query": PAGE_QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    assert check.status_code == 200 and "errors" not in check.json(), check.text[:300]
    body = orjson.dumps({"query": PAGE_QUERY}).decode()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT.format(body="[==[" + body + "]==]", token=token))
    script = Path(handle.name)
    try:
        wrk(base, script, 8, 3)  # warm every worker's pools and caches
        main = wrk(base, script, args.clients, args.seconds)
        workers = worker_pids(pid)
        before = [cpu_seconds(w) for w in workers]
        four = wrk(base, script, 4, args.seconds)
        spent = [cpu_seconds(w) - b for w, b in zip(workers, before, strict=True)]
    finally:
        script.unlink()
    rate = main["requests"] / (main["duration_us"] / 1e6)
    p50, p99 = main["p50_us"] / 1000, main["p99_us"] / 1000
    failures = main["failures"] + main["socket_errors"]
    setup = f"{args.workers} workers, {args.clients} connections (wrk), {args.seconds} s"
    # Both workers busy: none does less than a third of the CPU work of the busiest.
    balanced = len(spent) > 1 and min(spent) >= max(spent) / 3
    return [
        Row(f"{setup}: requests/s", "≥ 300", f"{rate:.0f}", rate >= 300),
        Row(f"{setup}: p50 / p99", "p99 ≤ 60 ms", f"{p50:.1f} / {p99:.1f} ms", p99 <= 60),
        Row(f"{setup}: errors", "0", f"{failures} of {main['requests']}", failures == 0),
        Row(
            f"{args.workers} workers, 4 connections: CPU seconds of each worker",
            "both busy (≥ ⅓ of the busiest)",
            " / ".join(f"{s:.1f}" for s in spent)
            + f" in {args.seconds} s; {four['requests'] / (four['duration_us'] / 1e6):.0f} req/s",
            balanced,
        ),
    ]


async def run(args: argparse.Namespace) -> list[Row]:
    port = _port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_usage_{args.calls}",
        "GATEWAY_JWT_SECRET": SECRET,
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        # Fresh answers unless --cache (then every request after the first is a hit).
        "GATEWAY_RESPONSE_CACHE_BYTES": str(32 << 20) if args.cache else "0",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    command = ["-m", "gateway.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
    server = subprocess.Popen([sys.executable, *command], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        await _ready(base)
        token = _token(env)
        return await asyncio.to_thread(measure, base, server.pid, token, args)
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--calls", type=int, default=1_000_000, help="dataset built by bench.usage_page"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--cache", action="store_true", help="with the response cache on")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench.load needs wrk (apt-get install wrk)")
    started = time.perf_counter()
    rows = asyncio.run(run(args))
    print(f"({time.perf_counter() - started:.0f} s)")
    save("load", rows)


if __name__ == "__main__":
    main()
