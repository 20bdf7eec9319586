"""Soak: ingest and page queries together against a real server, then verify the rollups.

Creates a PostgreSQL database of its own (``soak_<pid>``), serves it with ``--workers 2`` on a
loopback port, runs AI-call and interview-event ingest (with replays and late events) beside
Usage and Consumption page queries for ``--seconds`` (or ``--max-requests``), prints throughput,
p50/p99 and errors per kind, then runs ``verify`` on the organization and drops the database.

    .venv/bin/python -m bench.soak --seconds 180
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from gateway.config import Settings
from gateway.maintenance.verify import verify_org
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT.parent / "shared" / "design" / "queries"
SECRET = "soak-jwt-secret-0123456789abcdef0123456789"
SERVICE_TOKEN = "soak-service-token"
ORG = "soak"
MEMBERS = [f"m{i}" for i in range(20)]
OPENINGS = [f"o{i}" for i in range(5)]
MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4.1", "gpt-4o-mini"]
REASONS = ["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Load:
    """Shared budget and results of all clients."""

    def __init__(self, stop: float, max_requests: int) -> None:
        self.stop = stop
        self.left = max_requests
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.ingested: dict[str, int] = defaultdict(int)

    def go(self) -> bool:
        if time.perf_counter() >= self.stop or self.left <= 0:
            return False
        self.left -= 1
        return True

    async def send(
        self, client: httpx.AsyncClient, kind: str, url: str, body: Any, headers: dict[str, str]
    ) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            self.errors[kind].append(f"{type(exc).__name__}: {exc}")
            return None
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        data: dict[str, Any] = response.json()
        if response.status_code != 200 or "errors" in data:
            self.errors[kind].append(f"{response.status_code} {response.text[:300]}")
            return None
        return data


def _moment(now: datetime, rng: random.Random) -> str:
    return (now - timedelta(seconds=rng.uniform(0, 60 * 86_400))).isoformat()


async def _ai_ingest(base: str, load: Load, seed: int, batch: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    sent: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        n = 0
        while load.go():
            now = datetime.now(UTC)
            events = []
            for _ in range(batch):
                n += 1
                byok = rng.random() < 0.2
                event = {
                    "eventId": f"c{seed}-{n}",
                    "orgId": ORG,
                    "occurredAt": _moment(now, rng),
                    "memberId": rng.choice(MEMBERS),
                    "reason": rng.choice(REASONS),
                    "billingMode": "BYOK" if byok else "CREDITS",
                    "model": rng.choice(MODELS),
                    "inputTokens": rng.randint(10, 5000),
                    "outputTokens": rng.randint(10, 2000),
                }
                if not byok:
                    event["creditsCharged"] = f"{rng.randint(1, 50000) / 10000:.4f}"
                events.append(event)
            # Every fifth batch replays part of an earlier one: duplicates are skipped.
            if sent and n % (5 * batch) == 0:
                events[: batch // 10] = rng.sample(sent, min(len(sent), batch // 10))
            data = await load.send(
                client, "ingest ai-calls", "/v1/ingest/ai-calls", events, headers
            )
            if data:
                load.ingested["ai calls accepted"] += data["accepted"]
                load.ingested["ai calls duplicates"] += data["duplicates"]
                sent = events


async def _interview_ingest(base: str, load: Load, seed: int, interviews: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    known: list[tuple[str, str, str]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        n = 0
        while load.go():
            now = datetime.now(UTC)
            events = []
            for _ in range(interviews):
                n += 1
                interview, opening = f"i{seed}-{n}", rng.choice(OPENINGS)
                known.append((interview, opening, f"cand{seed}-{n}"))
                at = now - timedelta(days=rng.uniform(2, 50))
                path = rng.choice(
                    [
                        ["INVITED"],
                        ["INVITED", "STARTED", "COMPLETED"],
                        ["STARTED", "PARTIALLY_COMPLETED"],
                        ["SIMULATION"],
                    ]
                )
                for step, status in enumerate(path):
                    at += timedelta(hours=rng.uniform(1, 30))
                    event = {
                        "eventId": f"e{seed}-{n}-{step}",
                        "orgId": ORG,
                        "openingId": opening,
                        "interviewId": interview,
                        "candidateId": f"cand{seed}-{n}",
                        "occurredAt": min(at, now).isoformat(),
                        "status": status,
                    }
                    if status == "PARTIALLY_COMPLETED":
                        event["completedFraction"] = f"{rng.randint(1, 99) / 100:.2f}"
                    events.append(event)
            # Late events of earlier interviews: they move firsts and charges between days.
            for k, (interview, opening, candidate) in enumerate(
                rng.sample(known, min(len(known), 5))
            ):
                events.append(
                    {
                        "eventId": f"late{seed}-{n}-{k}",
                        "orgId": ORG,
                        "openingId": opening,
                        "interviewId": interview,
                        "candidateId": candidate,
                        "occurredAt": (now - timedelta(days=rng.uniform(0, 55))).isoformat(),
                        "status": rng.choice(["COMPLETED", "STARTED", "INVITED"]),
                    }
                )
            data = await load.send(
                client, "ingest interview-events", "/v1/ingest/interview-events", events, headers
            )
            if data:
                load.ingested["interview events accepted"] += data["accepted"]


async def _pages(base: str, load: Load, token: str, seed: int) -> None:
    rng = random.Random(seed)
    pages = {
        "usage page": (QUERIES / "usage-page.graphql").read_text(),
        "consumption page": (QUERIES / "consumption-page.graphql").read_text(),
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while load.go():
            kind = rng.choice(list(pages))
            await load.send(client, kind, "/graphql", {"query": pages[kind]}, headers)


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _report(load: Load, elapsed: float) -> int:
    errors = 0
    print(f"{'kind':26} {'requests':>9} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in sorted(load.latencies.keys() | load.errors.keys()):
        lat = sorted(load.latencies[kind])
        p50 = lat[len(lat) // 2] if lat else 0.0
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else 0.0
        errors += len(load.errors[kind])
        print(
            f"{kind:26} {len(lat):>9} {len(lat) / elapsed:>7.1f} {p50:>8.1f} {p99:>8.1f} {len(load.errors[kind]):>7}"
        )
    for name, count in sorted(load.ingested.items()):
        print(f"{name}: {count}")
    for kind, messages in load.errors.items():
        if messages:
            print(f"first error of {kind}: {messages[0]}")
    return errors


async def run(args: argparse.Namespace) -> int:
    server_url = args.pg.rstrip("/")
    admin_dsn = server_url.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    name = f"soak_{os.getpid()}"
    url = f"{server_url}/{name}"
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    server: subprocess.Popen[bytes] | None = None
    try:
        db = Database.from_url(url)
        await migrate(db)
        port = _port()
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": url,
            "GATEWAY_JWT_SECRET": SECRET,
            "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
            "GATEWAY_RATE_LIMIT_POINTS": "0",
            "GATEWAY_LOG_LEVEL": "warning",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(150):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
            org = {
                "name": "Soak",
                "timeZone": "Europe/Paris",
                "plan": {"interviewCreditsPerPeriod": "300", "billingAnchorDay": 1},
            }
            assert (await client.put(f"/v1/orgs/{ORG}", json=org, headers=service)).status_code in (
                200,
                201,
            )
            for member in MEMBERS:
                body = {"name": member, "email": f"{member}@soak.test", "role": "ACCOUNT_ADMIN"}
                await client.put(f"/v1/orgs/{ORG}/members/{member}", json=body, headers=service)
            for opening in OPENINGS:
                await client.put(
                    f"/v1/orgs/{ORG}/openings/{opening}",
                    json={"jobTitle": opening},
                    headers=service,
                )
        settings = Settings(jwt_secret=SECRET)
        token = issue_member_token(
            settings, org_id=ORG, member_id="m0", now=datetime.now(UTC), ttl=timedelta(hours=2)
        )

        started = time.perf_counter()
        load = Load(started + args.seconds, args.max_requests)
        await asyncio.gather(
            *(_ai_ingest(base, load, seed, args.batch) for seed in range(args.ingest_clients)),
            *(
                _interview_ingest(base, load, 100 + seed, args.batch // 20)
                for seed in range(args.ingest_clients)
            ),
            *(_pages(base, load, token, 200 + seed) for seed in range(args.page_clients)),
        )
        elapsed = time.perf_counter() - started
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            metrics = (await client.get("/metrics")).text
        print(
            f"{args.workers} workers on PostgreSQL, {elapsed:.0f} s, {args.ingest_clients}+{args.ingest_clients} "
            f"ingest clients (batches of {args.batch} calls / {args.batch // 20} interviews), {args.page_clients} page clients"
        )
        errors = _report(load, elapsed)
        for line in metrics.splitlines():
            if line.startswith(("gateway_ingest_events_total", "gateway_db_pool_in_use")):
                print(f"  /metrics {line}")
        server.terminate()
        server.wait(timeout=60)
        server = None
        verified = time.perf_counter()
        differences = await verify_org(db, ORG)
        print(f"verify: {len(differences)} differences ({time.perf_counter() - verified:.1f} s)")
        for difference in differences[:20]:
            print(f"  {difference}")
        await db.dispose()
        return 0 if errors == 0 and not differences else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        await _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ingest-clients", type=int, default=2)
    parser.add_argument("--page-clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
