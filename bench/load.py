"""Throughput of the real server: N workers, M concurrent clients sending the Usage page query.

Run after `python -m bench.usage_page` built its database:

    .venv/bin/python -m bench.load --calls 1000000 --workers 2 --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
PAGE_QUERY = (ROOT / "gateway" / "resolvers" / "documents" / "usage-page.graphql").read_text()
SECRET = "bench-jwt-secret-0123456789abcdef0123456789"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _client(
    base: str, token: str, stop: float, latencies: list[float], errors: list[str]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": PAGE_QUERY}, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or "errors" in response.json():
                errors.append(response.text[:200])


async def run(args: argparse.Namespace) -> None:
    port = _port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_usage_{args.calls}",
        "GATEWAY_JWT_SECRET": SECRET,
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "gateway.cli",
                "token",
                "--org",
                "bench",
                "--member",
                "m1",
                "--hours",
                "1",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if args.client == "wrk":
            await _wrk(base, token, args)
            return
        # Warm every worker's pools and caches.
        warm: list[float] = []
        await asyncio.gather(
            *(_client(base, token, time.perf_counter() + 2, warm, []) for _ in range(args.clients))
        )
        latencies: list[float] = []
        errors: list[str] = []
        started = time.perf_counter()
        stop = started + args.seconds
        await asyncio.gather(
            *(_client(base, token, stop, latencies, errors) for _ in range(args.clients))
        )
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(
        f"{args.workers} workers, {args.clients} clients, {args.seconds} s, dataset bench_usage_{args.calls}"
    )
    print(
        f"throughput {len(latencies) / elapsed:.0f} requests/s   p50 {latencies[len(latencies) // 2]:.1f} ms   p99 {p99:.1f} ms   errors {len(errors)}"
    )
    if errors:
        print("first error:", errors[0])


async def _wrk(base: str, token: str, args: argparse.Namespace) -> None:
    """The same load from wrk (C), so the clients take little of the two cores."""
    check = httpx.post(
        f"{base}/graphql", json={"query": PAGE_QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    assert check.status_code == 200 and "errors" not in check.json(), check.text[:300]
    script = Path("/tmp/bench_load.lua")
    body = orjson.dumps({"query": PAGE_QUERY}).decode()
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {lua_string(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    subprocess.run(
        ["wrk", "-t2", "-c8", "-d2s", "-s", str(script), f"{base}/graphql"],
        capture_output=True,
        check=True,
    )
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.clients}",
            f"-d{args.seconds}s",
            "--latency",
            "-s",
            str(script),
            f"{base}/graphql",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print(
        f"{args.workers} workers, {args.clients} connections from wrk, {args.seconds} s, dataset bench_usage_{args.calls}"
    )
    for line in result.stdout.splitlines():
        if any(
            key in line
            for key in ("Requests/sec", " 50%", " 99%", "Non-2xx", "Socket errors", "requests in")
        ):
            print(line.strip())


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--calls", type=int, default=1_000_000, help="dataset built by bench.usage_page"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--client", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
