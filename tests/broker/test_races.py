"""Every path in at once, on PostgreSQL: two server processes, a broker consumer and the
``rebuild-rollups`` command, sent a seeded random mix of AI-call and interview batches,
purchases, settings changes (time zone, billing anchor) and a model's new price, for several
organizations at the same moment. After each round ``verify`` finds nothing to correct for any
organization, and the Usage cards equal the plain-Python reference over the events sent.

``RACE_SEED`` picks another seed; a failure names its seed and round.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.maintenance.verify import verify_org
from gateway.storage.db import Database
from tests.broker.conftest import NatsServer
from tests.broker.streams import ensure_stream, publish, wait_until_done
from tests.broker.support import Message
from tests.conftest import _empty_pg
from tests.e2e.conftest import JWT_SECRET, SERVICE_TOKEN, Server, clock_env, serving
from tests.reference.usage import Org, usage_page
from tests.support import ai_call, free_port

REPO = Path(__file__).resolve().parents[2]
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
SEED = int(os.environ.get("RACE_SEED", "7"))
ROUNDS = 3
ZONES = ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin", "UTC"]
MEMBERS = ("m1", "m2", "m3")
OPENINGS = ("o1", "o2")
FIRST, LAST = date(2026, 9, 20), date(2026, 11, 20)
CARDS = """query($from: Date!, $to: Date!) { organization { usage(period: {from: $from, to: $to}) {
  summary { creditsCharged calls } byReason { reason creditsCharged calls }
  byUser(first: 10) { nodes { displayName creditsCharged calls } } } } }"""


@dataclass
class Tenant:
    org: Org
    anchor: int = 1
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Cluster:
    servers: tuple[Server, Server]
    nats_url: str
    env: dict[str, str]


def _instant(rng: random.Random) -> str:
    start = datetime(2026, 9, 22, tzinfo=UTC)
    at = start + timedelta(seconds=rng.randrange(0, 58 * 86400))
    return at.isoformat().replace("+00:00", "Z")


def _org_body(tenant: Tenant) -> dict[str, Any]:
    plan = {
        "interviewCreditsPerPeriod": "200",
        "rollover": "NONE",
        "billingAnchorDay": tenant.anchor,
    }
    return {
        "name": tenant.org.id,
        "timeZone": tenant.org.time_zone,
        "plan": plan,
        "activeSince": "2026-06-01",
    }


def _interview(rng: random.Random, org_id: str, event_id: str) -> dict[str, Any]:
    status = rng.choice(["COMPLETED", "PARTIALLY_COMPLETED", "STARTED", "INVITED"])
    event: dict[str, Any] = {
        "eventId": event_id,
        "orgId": org_id,
        "openingId": rng.choice(OPENINGS),
        "interviewId": f"{event_id}-i",
        "candidateId": f"c{rng.randrange(30)}",
        "occurredAt": _instant(rng),
        "status": status,
    }
    if status == "PARTIALLY_COMPLETED":
        event["completedFraction"] = "0.5"
    return event


@pytest.fixture
def cluster(pg_database: str, nats_server: NatsServer, tmp_path: Path) -> Iterator[Cluster]:
    async def empty() -> None:
        db = Database.from_url(pg_database)
        try:
            await _empty_pg(db)
        finally:
            await db.dispose()

    asyncio.run(empty())
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GATEWAY_DATABASE_URL": pg_database,
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_RESPONSE_CACHE_BYTES": "0",
        "GATEWAY_NATS_URL": nats_server.url,
        "GATEWAY_NATS_BATCH": "100",
        "GATEWAY_NATS_NAK_DELAY_SECONDS": "0.2",
        "GATEWAY_NATS_FETCH_TIMEOUT_SECONDS": "0.3",
        **clock_env(),
    }
    asyncio.run(ensure_stream(nats_server.url))
    log = (tmp_path / "consumer.log").open("ab")
    consumer = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "consume"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    try:
        with serving(env, free_port(), workers=1) as a, serving(env, free_port(), workers=1) as b:
            yield Cluster((a, b), nats_server.url, env)
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
        log.close()


def _set_up(cluster: Cluster, rng: random.Random) -> dict[str, Tenant]:
    tenants = {
        org_id: Tenant(Org(org_id, rng.choice(ZONES)), anchor=rng.choice([1, 10, 20, 28]))
        for org_id in ("north", "west", "east")
    }
    with httpx.Client(base_url=cluster.servers[0].base_url, headers=SERVICE, timeout=60) as client:
        for tenant in tenants.values():
            client.put(f"/v1/orgs/{tenant.org.id}", json=_org_body(tenant)).raise_for_status()
            for member in (*MEMBERS, "boss"):
                body = {
                    "name": f"Member {member}",
                    "email": f"{member}@example.com",
                    "role": "ACCOUNT_ADMIN",
                }
                client.put(
                    f"/v1/orgs/{tenant.org.id}/members/{member}", json=body
                ).raise_for_status()
                tenant.org.add_member(member)
            for opening in OPENINGS:
                body = {"jobTitle": opening}
                client.put(
                    f"/v1/orgs/{tenant.org.id}/openings/{opening}", json=body
                ).raise_for_status()
    return tenants


def _writes(
    cluster: Cluster, tenants: dict[str, Tenant], rng: random.Random, round_: int
) -> list[Callable[[], None]]:
    """The round's writes, each a thunk that sends one request down a randomly chosen path."""
    writes: list[Callable[[], None]] = []

    def over_http(path: str, body: Any, method: str = "POST") -> Callable[[], None]:
        server = rng.choice(cluster.servers)
        delay = rng.uniform(0, 0.05)

        def send() -> None:
            time.sleep(delay)
            response = httpx.request(
                method, server.base_url + path, json=body, headers=SERVICE, timeout=120
            )
            assert response.status_code < 300, response.text

        return send

    def over_nats(subject: str, bodies: list[dict[str, Any]]) -> Callable[[], None]:
        messages = [Message(f"usage.{subject}", json.dumps(body).encode()) for body in bodies]
        return lambda: asyncio.run(publish(cluster.nats_url, messages))

    for n, tenant in enumerate(tenants.values()):
        org_id = tenant.org.id
        for batch in range(2):
            calls = [
                ai_call(
                    f"r{round_}-{n}-{batch}-{k}",
                    org_id=org_id,
                    member_id=rng.choice(MEMBERS),
                    occurred_at=_instant(rng),
                    reason=rng.choice(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
                    credits=f"{rng.randrange(1, 30000) / 10000:.4f}",
                )
                for k in range(rng.randrange(200, 600))
            ]
            tenant.events.extend(calls)
            path = rng.choice(["http", "nats"])
            writes.append(
                over_http("/v1/ingest/ai-calls", calls)
                if path == "http"
                else over_nats("ai-calls", calls)
            )
        interviews = [_interview(rng, org_id, f"r{round_}-{n}-iv{k}") for k in range(300)]
        writes.append(
            over_http("/v1/ingest/interview-events", interviews)
            if rng.random() < 0.5
            else over_nats("interview-events", interviews)
        )
        purchase = {"purchaseId": f"p{round_}", "credits": "25", "occurredAt": _instant(rng)}
        writes.append(over_http(f"/v1/orgs/{org_id}/credit-purchases", purchase))
        if rng.random() < 0.7:
            tenant.org.time_zone = rng.choice([z for z in ZONES if z != tenant.org.time_zone])
            tenant.anchor = rng.choice([1, 10, 20, 28])
            writes.append(over_http(f"/v1/orgs/{org_id}", _org_body(tenant), method="PUT"))
        if rng.random() < 0.4:
            writes.append(_rebuild(cluster.env, org_id))
    price_at = cluster.servers[0].now() + timedelta(seconds=round_ + 1)
    model = {
        "provider": "ANTHROPIC",
        "tier": "sonnet",
        "prices": [
            {
                "effectiveFrom": price_at.isoformat(),
                "inputUsdPerMillion": f"{3 + round_}",
                "outputUsdPerMillion": "15",
            }
        ],
    }
    writes.append(over_http("/v1/models/claude-sonnet-4-5", model, method="PUT"))
    rng.shuffle(writes)
    return writes


def _rebuild(env: dict[str, str], org_id: str) -> Callable[[], None]:
    def run() -> None:
        command = [sys.executable, "-m", "gateway.cli", "rebuild-rollups", "--org", org_id]
        subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, timeout=120)

    return run


def _cards(server: Server, org_id: str) -> Any:
    token = server.cli("token", "--org", org_id, "--member", "boss")
    response = httpx.post(
        server.base_url + "/graphql",
        json={"query": CARDS, "variables": {"from": FIRST.isoformat(), "to": LAST.isoformat()}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["organization"]["usage"]


def _expected(tenant: Tenant, now: datetime) -> Any:
    ref = usage_page(tenant.org, tenant.events, now, from_=FIRST, to=LAST, by_user_first=10)
    return {
        "summary": {k: ref["summary"][k] for k in ("creditsCharged", "calls")},
        "byReason": [
            {k: row[k] for k in ("reason", "creditsCharged", "calls")} for row in ref["byReason"]
        ],
        "byUser": {
            "nodes": [
                {k: row[k] for k in ("displayName", "creditsCharged", "calls")}
                for row in ref["byUser"]["nodes"]
            ]
        },
    }


def test_every_path_at_once_leaves_every_number_exact(cluster: Cluster) -> None:
    rng = random.Random(SEED)
    tenants = _set_up(cluster, rng)
    url = cluster.env["GATEWAY_DATABASE_URL"]
    for round_ in range(ROUNDS):
        writes = _writes(cluster, tenants, rng, round_)
        with ThreadPoolExecutor(max_workers=len(writes)) as pool:
            for done in [pool.submit(write) for write in writes]:
                done.result()
        asyncio.run(wait_until_done(cluster.nats_url))

        async def differences() -> dict[str, Any]:
            db = Database.from_url(url)
            try:
                return {org_id: await verify_org(db, org_id) for org_id in tenants}
            finally:
                await db.dispose()

        found = asyncio.run(differences())
        where = f"seed {SEED}, round {round_}"
        assert {org: diff[:3] for org, diff in found.items() if diff} == {}, where
        now = cluster.servers[0].now()
        for tenant in tenants.values():
            cards = _cards(rng.choice(cluster.servers), tenant.org.id)
            assert cards == _expected(tenant, now), f"{where}, {tenant.org.id}"
