"""The Consumption page beside a PostGraphile-style SQL of its cards, over the same data.

The dataset is bench/consumption_page.py's (three organizations with 5, 2 and 1 years of
interview events, 200 openings, a CAPPED plan, a purchase every quarter), built once into its
named database and reused. The peer (bench/consumption_peer.sql) is one SQL statement that
builds the whole page's JSON with json_build_object/json_agg over plain SQL functions, sent
through asyncpg as it is; it reads the gateway's own tables and rollups and keeps nothing of
its own. First, for each organization and several periods (CURRENT_BILLING_PERIOD,
PREVIOUS_BILLING_PERIOD, a custom range across months, the second page of By opening), our
page's answer (in-process, the app factory and httpx's ASGI transport, response cache off)
and the peer's are compared field by field: any difference stops the run. Then one client
asks both in alternating turns (A/B/A/B) and the p50/p99 and their ratios are saved.

    .venv/bin/python -m bench.consumption_peer            # 2M events (bench_consumption_2000000_200)
    .venv/bin/python -m bench.consumption_peer --smoke    # 100,000 events, 30 rounds
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.consumption_page import LONG, NOW, PAGE_QUERY, SHORT, YEARS, pct, prepare, timed
from bench.consumption_peer_check import Comparison, compare
from bench.report import Row, save
from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.web.app import create_app, settle_heap

SQL = (Path(__file__).resolve().parent / "consumption_peer.sql").read_text()
API, PAGE = (part.split("\n", 1)[1] for part in SQL.split("-- @@ ")[1:])
FIRST = 20  # the page size of By opening in consumption-page.graphql
# The periods whose answers are compared; the first is the one measured.
CURRENT: dict[str, Any] = {}
PERIODS: dict[str, dict[str, Any]] = {
    "CURRENT_BILLING_PERIOD": CURRENT,
    "PREVIOUS_BILLING_PERIOD": {"period": {"preset": "PREVIOUS_BILLING_PERIOD"}},
    "2026-02-15..2026-11-20": {"period": {"from": "2026-02-15", "to": "2026-11-20"}},
}


def peer_params(variables: dict[str, Any], after: list[Any] | None = None) -> list[Any]:
    """The page statement's parameters $2-$9 for the variables of our query (the peer's own
    position instead of our opaque cursor)."""
    period = variables.get("period", {"preset": "CURRENT_BILLING_PERIOD"})
    first, last = period.get("from"), period.get("to")
    return [
        period.get("preset"),
        None if first is None else date.fromisoformat(first),
        None if last is None else date.fromisoformat(last),
        NOW,
        FIRST,
        *(after or (None, None, None)),
    ]


async def connect(url: str) -> asyncpg.Connection:
    """The peer's one connection. JIT off: on the 2M-event dataset the planner's estimate of
    the page statement passes jit_above_cost and compiling it costs ~0.5 s a request, which
    anyone serving it would turn off (the gateway's statements stay below the threshold)."""
    return await asyncpg.connect(url.replace("+asyncpg", ""), server_settings={"jit": "off"})


async def install(conn: asyncpg.Connection) -> None:
    """Schema consumption_peer, created again at every start."""
    await conn.execute(API)


async def peer_page(conn: asyncpg.Connection, org: str, params: list[Any]) -> str:
    """The peer's whole page: one statement, its JSON as text."""
    return str(await conn.fetchval(PAGE, org, *params))


@dataclass
class Sides:
    client: httpx.AsyncClient
    conn: asyncpg.Connection
    tokens: dict[str, str]

    async def ours(self, org: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": PAGE_QUERY, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[org]}"},
        )
        body: dict[str, Any] = response.json()
        return body

    async def peer(self, org: str, params: list[Any]) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(await peer_page(self.conn, org, params))
        return body


async def check(sides: Sides, orgs: list[str]) -> Comparison:
    """Every field of every compared page, differences prefixed with their organization and
    period."""
    c = Comparison()
    for org in orgs:
        for name, variables in PERIODS.items():
            before = len(c.differences)
            ours = await sides.ours(org, variables)
            peer = await sides.peer(org, peer_params(variables))
            compare(ours, peer, c)
            # The second page of By opening: our cursor, the peer's own position.
            page = ((ours.get("data") or {}).get("organization") or {}).get("consumption")
            info = page["byOpening"]["pageInfo"] if page else {"hasNextPage": False}
            nodes = peer["consumption"]["byOpening"]["nodes"]
            if info["hasNextPage"] and nodes:
                after = nodes[-1]["position"]
                compare(
                    await sides.ours(org, {**variables, "after": info["endCursor"]}),
                    await sides.peer(org, peer_params(variables, after)),
                    c,
                )
            c.differences[before:] = [f"{org}, {name}: {d}" for d in c.differences[before:]]
    return c


async def peer_timed(
    conn: asyncpg.Connection, org: str, params: list[Any], rounds: int
) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await peer_page(conn, org, params)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def alternate(
    sides: Sides, org: str, variables: dict[str, Any], rounds: int
) -> tuple[list[float], list[float]]:
    """Our page and the peer's in turns of 5 requests (A/B/A/B), one client each."""
    ours: list[float] = []
    peer: list[float] = []
    params = peer_params(variables)
    for _ in range(max(1, rounds // 5)):
        ours += await timed(sides.client, sides.tokens[org], variables, 5)
        peer += await peer_timed(sides.conn, org, params, 5)
    return ours, peer


def ratio_rows(label: str, ours: list[float], peer: list[float], *, target: bool) -> list[Row]:
    p50, q50 = statistics.median(ours), statistics.median(peer)
    p99, q99 = pct(ours, 0.99), pct(peer, 0.99)
    return [
        Row(
            f"{label}: our p50 ÷ peer SQL p50 (ours {p50:.1f} ms, peer {q50:.1f} ms)",
            "≤ 1.0" if target else "",
            f"{p50 / q50:.2f}",
            p50 / q50 <= 1.0 if target else None,
        ),
        Row(
            f"{label}: our p99 ÷ peer SQL p99 (ours {p99:.1f} ms, peer {q99:.1f} ms)",
            "",
            f"{p99 / q99:.2f}",
        ),
    ]


async def serve(url: str, orgs: list[str]) -> tuple[Database, httpx.AsyncClient, dict[str, str]]:
    """Our page in-process, fresh answers (the response cache is measured elsewhere)."""
    settings = Settings(database_url=url, rate_limit_points=0, response_cache_bytes=0)
    db = Database.from_url(url)
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    tokens = {
        org: issue_member_token(
            settings, org_id=org, member_id="admin", now=NOW, ttl=timedelta(days=1)
        )
        for org in orgs
    }
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    return db, client, tokens


async def equal_pages(url: str, orgs: list[str]) -> Comparison:
    """The equality check alone (the tests run it on a tiny dataset)."""
    db, client, tokens = await serve(url, orgs)
    conn = await connect(url)
    try:
        await install(conn)
        return await check(Sides(client, conn, tokens), orgs)
    finally:
        await conn.close()
        await client.aclose()
        await db.dispose()


async def run(args: argparse.Namespace) -> None:
    url = await prepare(args.events, args.openings, args.fresh)
    db, client, tokens = await serve(url, list(YEARS))
    conn = await connect(url)
    try:
        await install(conn)
        sides = Sides(client, conn, tokens)
        c = await check(sides, list(YEARS))
        if c.differences:
            print("\n".join(c.differences[:50]))
            raise SystemExit(f"the peer's answers differ from ours: {len(c.differences)} fields")
        print(f"equal: {c.fields} fields, 0 differences")
        for org in YEARS:  # warm-up: pools, caches, prepared statements
            await alternate(sides, org, CURRENT, 10)
        statements = 0

        def count() -> None:
            nonlocal statements
            statements += 1

        db.on_statement(count)
        await sides.ours(LONG, CURRENT)
        ours_statements = statements
        settle_heap()  # what the server's start-up does (the ASGI transport runs no lifespan)
        long = await alternate(sides, LONG, CURRENT, args.rounds)
        previous = await alternate(sides, LONG, PERIODS["PREVIOUS_BILLING_PERIOD"], args.rounds)
        short = await alternate(sides, SHORT, CURRENT, args.rounds)
    finally:
        await conn.close()
        await client.aclose()
        await db.dispose()
    rows = [
        Row(
            "Equality of every compared field (3 organizations × 3 periods, By opening pages 1-2)",
            "0 differences",
            f"{c.fields:,} fields, 0 differences",
            True,
        ),
        *ratio_rows(
            f"CURRENT_BILLING_PERIOD, 5 years (~{args.events:,} events, {args.openings} openings), "
            "one client, cache off",
            *long,
            target=True,
        ),
        *ratio_rows("PREVIOUS_BILLING_PERIOD, 5 years", *previous, target=False),
        *ratio_rows("CURRENT_BILLING_PERIOD, 1 year of history", *short, target=False),
        Row(
            "SQL statements per page: ours (credential look-up included) / the peer",
            "",
            f"{ours_statements} / 1",
        ),
    ]
    save("consumption_peer_smoke" if args.smoke else "consumption_peer", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000, help="events over 5 years")
    parser.add_argument("--openings", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200, help="requests per side and period")
    parser.add_argument("--smoke", action="store_true", help="100,000 events, 30 rounds")
    parser.add_argument("--fresh", action="store_true", help="rebuild the dataset")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.rounds = min(args.events, 100_000), min(args.rounds, 30)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
