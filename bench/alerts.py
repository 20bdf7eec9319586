"""Alerts: what 20 rules per organization cost ingest, and how long a firing takes to reach a
receiver under ingest load.

1. Ingest rate with and without rules. The same feed of AI calls and interview events (batches
   of 500 spread over 8 organizations) is written through the ingest services into two
   databases: organizations without rules, and organizations with 20 rules each (10 on AI
   credits: the organization, members and tiers; 10 on interview credits: remaining below
   amounts and percentages, run-out, openings; thresholds high enough that few fire). Batches
   go to one database and then the other in turn, so the machine's other work hits both alike;
   the median of the rounds is kept. Target: with rules ≥ 0.9 × without.
2. Firing-to-delivery latency (PostgreSQL). A `usage-gateway deliver` worker runs as its own
   process; a receiver (uvicorn, loopback) notes when each webhook arrives. While a background
   task ingests AI calls, a CREDITS_REMAINING_BELOW rule is created every 0.1 s on an
   organization with no credits left, which fires in the creating transaction; latency =
   arrival − the commit of that write. Target: p99 ≤ 5 s.

    .venv/bin/python -m bench.alerts                  # both engines for 1, PostgreSQL for 2
    .venv/bin/python -m bench.alerts --engine sqlite --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.report import Row, save
from gateway import organizations
from gateway.alerting import evaluate_all
from gateway.alerts import endpoints as endpoint_service
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn, WebhookEndpointIn
from gateway.catalog.service import ensure_default_catalog
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import InterviewEventIn, OpeningIn
from gateway.migrate import migrate
from gateway.orgs import service as org_service
from gateway.orgs.inputs import MemberIn, OrganizationIn
from gateway.storage.db import Database
from gateway.usage import service as usage_service
from gateway.usage.inputs import AiCallIn
from tests.alerts.receiver import Receiver, running

ORGS = 8
MEMBERS = 20
BATCH = 500
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = f"bench_alerts_{os.getpid()}"


async def _database(engine: str, suffix: str) -> Database:
    name = f"{DB_NAME}_{suffix}"
    if engine == "sqlite":
        path = f"/tmp/{name}.db"
        for end in ("", "-wal", "-shm"):
            if os.path.exists(path + end):
                os.unlink(path + end)
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    else:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        db = Database.from_url(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    await migrate(db)
    await ensure_default_catalog(db)
    return db


async def _drop(engine: str, suffix: str) -> None:
    if engine == "postgresql":
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}_{suffix}" WITH (FORCE)')
        await admin.close()


async def _orgs(db: Database, now: datetime, *, included: str = "100000") -> list[str]:
    ids = [f"org{n}" for n in range(ORGS)]
    for org in ids:
        body = {
            "name": org,
            "timeZone": "Europe/Paris",
            "plan": {"interviewCreditsPerPeriod": included},
            "activeSince": (now - timedelta(days=60)).date().isoformat(),
        }
        await organizations.put_organization(db, org, OrganizationIn.model_validate(body), now=now)
        for m in range(MEMBERS):
            member = {"name": f"m{m}", "email": f"m{m}@example.com", "role": "ADMIN"}
            await org_service.put_member(db, org, f"m{m}", MemberIn.model_validate(member), now=now)
        for o in range(4):
            await consumption_service.put_opening(
                db, org, f"o{o}", OpeningIn.model_validate({"jobTitle": f"job {o}"}), now=now
            )
    return ids


TWENTY: list[dict[str, Any]] = [
    {"kind": "AI_CREDITS_ABOVE", "thresholds": ["100000", "200000"]},
    {"kind": "AI_CREDITS_ABOVE", "thresholds": ["150000"], "tier": "Sonnet"},
    {"kind": "AI_CREDITS_ABOVE", "thresholds": ["150000"], "tier": "Haiku"},
    *({"kind": "AI_CREDITS_ABOVE", "thresholds": ["90000"], "memberId": f"m{m}"} for m in range(7)),
    {"kind": "CREDITS_REMAINING_BELOW", "thresholds": ["50", "20", "5"], "unit": "PERCENT"},
    {"kind": "CREDITS_REMAINING_BELOW", "thresholds": ["1000"]},
    {"kind": "RUNS_OUT_BEFORE_PERIOD_END"},
    {"kind": "RUNS_OUT_BEFORE_PERIOD_END", "withinDays": 3},
    *(
        {"kind": "OPENING_CREDITS_ABOVE", "thresholds": ["90000"], "openingId": f"o{o}"}
        for o in range(4)
    ),
    {"kind": "CREDITS_REMAINING_BELOW", "thresholds": ["10", "2"], "unit": "PERCENT"},
    {"kind": "CREDITS_REMAINING_BELOW", "thresholds": ["500", "100"]},
]


async def _rules(db: Database, orgs: list[str], now: datetime) -> None:
    assert len(TWENTY) == 20
    for org in orgs:
        for n, rule in enumerate(TWENTY):
            body = AlertRuleIn.model_validate({"name": f"rule {n}", **rule})
            await alerts_service.create_rule(db, org, body, now=now, evaluator=evaluate_all)


def _calls(orgs: list[str], start: int, count: int, now: datetime) -> list[list[AiCallIn]]:
    batches = []
    for offset in range(start, start + count, BATCH):
        batch = [
            AiCallIn.model_validate(
                {
                    "eventId": f"c{n}",
                    "orgId": orgs[n % len(orgs)],
                    "occurredAt": (now - timedelta(seconds=n % 86400)).isoformat(),
                    "memberId": f"m{n % MEMBERS}",
                    "reason": "CHAT",
                    "billingMode": "CREDITS",
                    "model": ("claude-sonnet-4-5", "claude-haiku-4-5")[n % 2],
                    "creditsCharged": "0.5",
                }
            )
            for n in range(offset, offset + BATCH)
        ]
        batches.append(batch)
    return batches


def _interviews(
    orgs: list[str], start: int, count: int, now: datetime
) -> list[list[InterviewEventIn]]:
    batches = []
    for offset in range(start, start + count, BATCH):
        batches.append(
            [
                InterviewEventIn.model_validate(
                    {
                        "eventId": f"e{n}",
                        "orgId": orgs[n % len(orgs)],
                        "openingId": f"o{n % 4}",
                        "interviewId": f"i{n}",
                        "candidateId": f"c{n}",
                        "occurredAt": (now - timedelta(seconds=n % 86400)).isoformat(),
                        "status": "COMPLETED",
                    }
                )
                for n in range(offset, offset + BATCH)
            ]
        )
    return batches


async def _paired(
    plain: tuple[Database, list[str]],
    ruled: tuple[Database, list[str]],
    start: int,
    count: int,
    now: datetime,
) -> tuple[float, float]:
    """Events a second through both ingest paths (half AI calls, half interview events) into
    each database, batch by batch in turn: the other work on the machine hits both alike."""
    spent = {"plain": 0.0, "ruled": 0.0}
    plain_feed = (
        _calls(plain[1], start, count // 2, now),
        _interviews(plain[1], start, count // 2, now),
    )
    ruled_feed = (
        _calls(ruled[1], start, count // 2, now),
        _interviews(ruled[1], start, count // 2, now),
    )
    steps = []
    for k in range(len(plain_feed[0])):
        steps.append(("calls", k))
    for k in range(len(plain_feed[1])):
        steps.append(("events", k))
    for kind, k in steps:
        for side, (db, _), feed in (("plain", plain, plain_feed), ("ruled", ruled, ruled_feed)):
            began = time.perf_counter()
            if kind == "calls":
                await usage_service.ingest(db, feed[0][k], now=now)
            else:
                await consumption_service.ingest_interviews(db, feed[1][k], now=now)
            spent[side] += time.perf_counter() - began
    return count / spent["plain"], count / spent["ruled"]


async def ingest_cost(engine: str, rounds: int, per_round: int) -> list[Row]:
    now = datetime.now(UTC).replace(microsecond=0)
    plain, ruled = await _database(engine, "plain"), await _database(engine, "ruled")
    try:
        plain_orgs = await _orgs(plain, now)
        ruled_orgs = await _orgs(ruled, now)
        await _rules(ruled, ruled_orgs, now)
        without: list[float] = []
        with_rules: list[float] = []
        await _paired((plain, plain_orgs), (ruled, ruled_orgs), 10_000_000, 2 * BATCH, now)  # warm
        for r in range(rounds):
            a, b = await _paired(
                (plain, plain_orgs), (ruled, ruled_orgs), r * per_round, per_round, now
            )
            without.append(a)
            with_rules.append(b)
        fired = 0
        for org in ruled_orgs:
            fired += len(await alerts_service.alerts(ruled, org, after=None, limit=1000))
    finally:
        await plain.dispose()
        await ruled.dispose()
        await _drop(engine, "plain")
        await _drop(engine, "ruled")
    a, b = statistics.median(without), statistics.median(with_rules)
    ratio = statistics.median(w / o for w, o in zip(with_rules, without, strict=True))
    return [
        Row(f"{engine}: ingest without rules (events/s, median of {rounds})", "", f"{a:,.0f}"),
        Row(
            f"{engine}: ingest with 20 rules per org (events/s)",
            "",
            f"{b:,.0f} ({fired} alerts fired)",
        ),
        Row(
            f"{engine}: with rules ÷ without (median of the rounds)",
            "≥ 0.9",
            f"{ratio:.2f}",
            met=ratio >= 0.9,
        ),
    ]


async def latency(firings: int) -> list[Row]:
    now = datetime.now(UTC).replace(microsecond=0)
    db = await _database("postgresql", "latency")
    arrived: dict[str, float] = {}
    receiver = Receiver()
    try:
        orgs = await _orgs(db, now, included="0")  # every new rule fires at once
        async with running(receiver):
            for org in orgs:
                body = WebhookEndpointIn.model_validate(
                    {"url": receiver.url, "eventTypes": ["credits.remaining_below"]}
                )
                await endpoint_service.create_endpoint(
                    db, org, body, now=now, production=False, allow_private=True
                )
            env = {
                **os.environ,
                "GATEWAY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                "GATEWAY_WEBHOOKS_ALLOW_PRIVATE": "1",
                "GATEWAY_LOG_LEVEL": "warning",
            }
            worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gateway.cli", "deliver", env=env
            )
            stop = asyncio.Event()

            async def load() -> int:
                sent, n = 0, 0
                while not stop.is_set():
                    batch = _calls(orgs, 50_000_000 + n * BATCH, BATCH, now)[0]
                    await usage_service.ingest(db, batch, now=datetime.now(UTC))
                    sent += BATCH
                    n += 1
                return sent

            background = asyncio.create_task(load())
            committed: dict[str, float] = {}
            began = time.perf_counter()
            for k in range(firings):
                org = orgs[k % len(orgs)]
                rule = AlertRuleIn.model_validate(
                    {"kind": "CREDITS_REMAINING_BELOW", "name": f"r{k}", "thresholds": [f"{k + 1}"]}
                )
                at = datetime.now(UTC)
                made = await alerts_service.create_rule(
                    db, org, rule, now=at, evaluator=evaluate_all
                )
                committed[made.id] = time.perf_counter()
                await asyncio.sleep(0.1)
            deadline = time.perf_counter() + 30
            while len(receiver.got) < firings and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - began
            stop.set()
            loaded = await background
            worker.terminate()
            await worker.wait()
        for request in receiver.got:
            rule_id = json.loads(request.body)["data"]["rule"]["id"]
            arrived.setdefault(rule_id, request.at)
    finally:
        await db.dispose()
        await _drop("postgresql", "latency")
    waits = sorted(arrived[r] - committed[r] for r in committed if r in arrived)
    missing = firings - len(waits)
    p50 = statistics.median(waits)
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    return [
        Row(
            "postgresql: firings delivered",
            f"{firings}",
            f"{len(waits)} (missing {missing})",
            met=missing == 0,
        ),
        Row(
            "postgresql: background ingest during the run (calls/s)", "", f"{loaded / elapsed:,.0f}"
        ),
        Row("postgresql: firing-to-delivery p50 (s)", "", f"{p50:.3f}"),
        Row("postgresql: firing-to-delivery p99 (s)", "≤ 5", f"{p99:.3f}", met=p99 <= 5),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=10_000, help="events per round")
    parser.add_argument("--firings", type=int, default=100)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    rows: list[Row] = []
    for engine in engines:
        rows += await ingest_cost(engine, args.rounds, args.events)
    if "postgresql" in engines:
        rows += await latency(args.firings)
    save("alerts", rows)


if __name__ == "__main__":
    asyncio.run(main())
