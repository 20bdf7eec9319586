"""What each AI call adds to the rollups (pure), and re-bucketing after a time-zone change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.calendar import local_day, month_start
from gateway.interviews import Contribution, contribution
from gateway.queries import ingest as ingest_queries


@dataclass(frozen=True, slots=True)
class CallFacts:
    """The parts of a call that the rollups count."""

    org_id: str
    occurred_at: datetime
    billing_mode: str
    reason: str
    member_id: str
    provider: str
    tier: str
    credits_e4: int
    cost_micros: int
    tokens: int


_KEYS = {
    "reason": ("reason",),
    "member": ("member_id",),
    "model": ("provider", "tier"),
}


def ai_rollup_rows(
    calls: Iterable[CallFacts], zones: dict[str, ZoneInfo]
) -> dict[str, list[dict[str, Any]]]:
    """Sum the calls into one row per key of every daily and monthly rollup."""
    # First per full key (a batch repeats them), then into each rollup.
    full: dict[tuple[Any, ...], list[int]] = {}
    days: dict[tuple[str, int], date] = {}
    for call in calls:
        # Offsets are whole quarter hours: a quarter hour has one local day.
        quarter = (call.org_id, int(call.occurred_at.timestamp()) // 900)
        day = days.get(quarter)
        if day is None:
            day = days[quarter] = local_day(call.occurred_at, zones[call.org_id])
        key = (
            call.org_id,
            day,
            call.billing_mode,
            call.reason,
            call.member_id,
            call.provider,
            call.tier,
        )
        acc = full.get(key)
        if acc is None:
            acc = full[key] = [0, 0, 0, 0]
        acc[0] += 1
        acc[1] += call.credits_e4
        acc[2] += call.cost_micros
        acc[3] += call.tokens
    sums: dict[str, dict[tuple[Any, ...], list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0, 0, 0])
    )
    for (org_id, day, mode, reason, member_id, provider, tier), acc in full.items():
        month = month_start(day)
        for grain, bucket in (("daily", day), ("monthly", month)):
            for name, rest in (
                (f"{grain}_by_reason", (reason,)),
                (f"{grain}_by_member", (member_id,)),
                (f"{grain}_by_model", (provider, tier)),
            ):
                target = sums[name][(org_id, bucket, mode, *rest)]
                for i in range(4):
                    target[i] += acc[i]
    out: dict[str, list[dict[str, Any]]] = {}
    for name, by_key in sums.items():
        grain, dim = name.split("_by_")
        time_col = "day" if grain == "daily" else "month"
        names = ("org_id", time_col, "billing_mode", *_KEYS[dim])
        out[name] = [
            {
                **dict(zip(names, key, strict=True)),
                "calls": acc[0],
                "credits_e4": acc[1],
                "cost_micros": acc[2],
                "tokens": acc[3],
            }
            for key, acc in by_key.items()
        ]
    return out


async def rebuild_ai_rollups(
    conn: AsyncConnection, *, org_id: str, zone: ZoneInfo, models: dict[str, tuple[str, str]]
) -> None:
    """Recount an organization's AI rollups from its calls, in ``zone``.

    ``models`` maps a model id to its ``(provider, tier)``.
    """
    await ingest_queries.delete_ai_rollups(conn, org_id=org_id)
    stream = await ingest_queries.stream_ai_calls(conn, org_id=org_id)
    async for chunk in stream.partitions(5_000):
        facts = [
            CallFacts(
                org_id=row.org_id,
                occurred_at=row.occurred_at,
                billing_mode=row.billing_mode,
                reason=row.reason,
                member_id=row.member_id,
                provider=models[row.model_id][0],
                tier=models[row.model_id][1],
                credits_e4=row.credits_e4,
                cost_micros=row.cost_micros,
                tokens=row.input_tokens + row.output_tokens,
            )
            for row in chunk
        ]
        await ingest_queries.add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {org_id: zone}))


async def rebuild_interview_rollups(conn: AsyncConnection, *, org_id: str, zone: ZoneInfo) -> None:
    """Recount an organization's interview rollups from its events, in ``zone``."""
    await ingest_queries.delete_interview_rollups(conn, org_id=org_id)
    stream = await ingest_queries.stream_interview_events(conn, org_id=org_id)
    current: list[Any] = []
    totals: Contribution = {}
    candidates: set[tuple[date, str, str]] = set()

    def flush() -> None:
        for key, (firsts, credits, events) in contribution(current, zone).items():
            acc = totals.setdefault(key, [0, 0, 0])
            acc[0] += firsts
            acc[1] += credits
            acc[2] += events

    async for row in stream:
        if current and current[-1].interview_id != row.interview_id:
            flush()
            current = []
        current.append(row)
        candidates.add((local_day(row.occurred_at, zone), row.opening_id, row.candidate_id))
    flush()
    await ingest_queries.add_to_interview_rollups(conn, deltas={org_id: totals})
    await ingest_queries.add_day_candidates(
        conn,
        rows=[
            {"org_id": org_id, "day": day, "opening_id": opening, "candidate_id": candidate}
            for day, opening, candidate in candidates
        ],
    )
