"""A large, consistent dataset written straight into the tables (calls and their rollups)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from gateway.catalog.defaults import DEFAULT_CATALOG
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls, members, organizations
from gateway.usage.sums import CallFacts, ai_rollup_rows
from gateway.usage.writes import add_to_ai_rollups

REASONS = ("CHAT", "CHAT", "CHAT", "GENERATE_FIELD", "SUMMARIZE_CV")
MODELS = [m for m in DEFAULT_CATALOG if m.provider == "ANTHROPIC"]


def _calls(
    org_id: str, *, start: datetime, end: datetime, count: int, members_n: int, seed: int
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    for n in range(count):
        byok = rng.random() < 0.1
        model = rng.choice(MODELS)
        tokens_in, tokens_out = rng.randrange(100, 4000), rng.randrange(50, 1500)
        yield {
            "org_id": org_id,
            "event_id": f"{seed}-{n}",
            "occurred_at": start + timedelta(seconds=rng.random() * span),
            "member_id": f"m{int(rng.paretovariate(1.2)) % members_n}",
            "reason": rng.choice(REASONS),
            "billing_mode": "BYOK" if byok else "CREDITS",
            "model_id": model.id,
            "credits_e4": 0 if byok else rng.randrange(2_500, 30_000),
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "cost_micros": (tokens_in * 3 + tokens_out * 15) if byok else 0,
            "ingested_at": end,
        }


async def build(
    db: Database,
    *,
    org_id: str,
    time_zone: str,
    now: datetime,
    month_calls: int,
    older_calls_per_month: int,
    members_n: int = 200,
) -> int:
    """The current month gets ``month_calls``; each of the 12 months before, fewer."""
    zone = ZoneInfo(time_zone)
    models = {m.id: m for m in DEFAULT_CATALOG}
    async with db.write() as conn:
        await conn.execute(
            insert(organizations).values(
                id=org_id,
                name="Bench Ltd",
                time_zone=time_zone,
                ai_mode="CREDITS",
                ai_provider=None,
                active_since=(now - timedelta(days=800)).date(),
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(members),
            [
                {
                    "org_id": org_id,
                    "id": f"m{i}",
                    "name": f"Member {i:03d}",
                    "email": f"m{i}@bench.test",
                    "role": "ADMIN",
                    "removed": i % 40 == 39,
                    "updated_at": now,
                }
                for i in range(members_n)
            ],
        )
    local_now = now.astimezone(zone)
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spans = [(month_start.astimezone(UTC), now, month_calls)]
    cursor = month_start
    for _ in range(12):
        previous = (cursor - timedelta(days=1)).replace(day=1)
        spans.append((previous.astimezone(UTC), cursor.astimezone(UTC), older_calls_per_month))
        cursor = previous
    total = 0
    for index, (start, end, count) in enumerate(spans):
        batch: list[dict[str, Any]] = []
        for call in _calls(
            org_id, start=start, end=end, count=count, members_n=members_n, seed=index
        ):
            batch.append(call)
            if len(batch) == 20_000:
                await _write(db, batch, models, zone)
                total += len(batch)
                batch = []
        if batch:
            await _write(db, batch, models, zone)
            total += len(batch)
    return total


async def _write(
    db: Database, rows: list[dict[str, Any]], models: dict[str, Any], zone: ZoneInfo
) -> None:
    facts = [
        CallFacts(
            org_id=r["org_id"],
            occurred_at=r["occurred_at"],
            billing_mode=r["billing_mode"],
            reason=r["reason"],
            member_id=r["member_id"],
            provider=models[r["model_id"]].provider,
            tier=models[r["model_id"]].tier,
            credits_e4=r["credits_e4"],
            cost_micros=r["cost_micros"],
            tokens=r["input_tokens"] + r["output_tokens"],
        )
        for r in rows
    ]
    async with db.write() as conn:
        await conn.execute(insert(ai_calls), rows)
        await add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {rows[0]["org_id"]: zone}))
