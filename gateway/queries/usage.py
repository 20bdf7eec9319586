"""Reads behind Settings → Usage: rollup sums per card, the activity keyset, single calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, Table, and_, func, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.periods import month_and_day_spans
from gateway.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
    members,
)

SUMS = ("calls", "credits_e4", "cost_micros", "tokens")


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of one rollup key over a period."""

    key: tuple[Any, ...]
    calls: int
    credits_e4: int
    cost_micros: int
    tokens: int


def _rollup_union(
    daily: Table, monthly: Table, dims: Sequence[str], *, org_id: str, first: date, end: date
) -> Select[Any] | None:
    months, day_ranges = month_and_day_spans(first, end)
    parts: list[Select[Any]] = []
    if day_ranges:
        in_days = or_(*(and_(daily.c.day >= a, daily.c.day < b) for a, b in day_ranges))
        parts.append(
            select(*(daily.c[d] for d in dims), *(daily.c[s] for s in SUMS)).where(
                daily.c.org_id == org_id, in_days
            )
        )
    if months:
        parts.append(
            select(*(monthly.c[d] for d in dims), *(monthly.c[s] for s in SUMS)).where(
                monthly.c.org_id == org_id, monthly.c.month.in_(months)
            )
        )
    if not parts:
        return None
    rows = union_all(*parts).subquery()
    return select(
        *(rows.c[d] for d in dims), *(func.sum(rows.c[s]).label(s) for s in SUMS)
    ).group_by(*(rows.c[d] for d in dims))


async def _totals(
    conn: AsyncConnection,
    daily: Table,
    monthly: Table,
    dims: Sequence[str],
    *,
    org_id: str,
    first: date,
    end: date,
) -> list[Totals]:
    stmt = _rollup_union(daily, monthly, dims, org_id=org_id, first=first, end=end)
    if stmt is None:
        return []
    return [
        Totals(
            key=tuple(row[: len(dims)]),
            calls=int(row.calls),
            credits_e4=int(row.credits_e4),
            cost_micros=int(row.cost_micros),
            tokens=int(row.tokens),
        )
        for row in (await conn.execute(stmt)).all()
        if row.calls
    ]


async def totals_by_reason(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[Totals]:
    """Keys ``(billing_mode, reason)`` over local days ``[first, end)``."""
    return await _totals(
        conn,
        ai_daily_by_reason,
        ai_monthly_by_reason,
        ("billing_mode", "reason"),
        org_id=org_id,
        first=first,
        end=end,
    )


async def totals_by_model(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[Totals]:
    """Keys ``(provider, tier)``, both modes together."""
    return await _totals(
        conn,
        ai_daily_by_model,
        ai_monthly_by_model,
        ("provider", "tier"),
        org_id=org_id,
        first=first,
        end=end,
    )


async def totals_by_member(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[tuple[Totals, Row[Any] | None]]:
    """Keys ``(member_id,)`` with the member row (name, removed flag), both modes together."""
    stmt = _rollup_union(
        ai_daily_by_member,
        ai_monthly_by_member,
        ("member_id",),
        org_id=org_id,
        first=first,
        end=end,
    )
    if stmt is None:
        return []
    sums = stmt.subquery()
    joined = select(sums, members).outerjoin(
        members, and_(members.c.org_id == org_id, members.c.id == sums.c.member_id)
    )
    out: list[tuple[Totals, Row[Any] | None]] = []
    for row in (await conn.execute(joined)).all():
        if not row.calls:
            continue
        totals = Totals(
            key=(row.member_id,),
            calls=int(row.calls),
            credits_e4=int(row.credits_e4),
            cost_micros=int(row.cost_micros),
            tokens=int(row.tokens),
        )
        out.append((totals, row if row.id is not None else None))
    return out


async def credits_by_day(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[Totals]:
    """Keys ``(day,)``: the period's days that had calls."""
    t = ai_daily_by_reason
    stmt = (
        select(t.c.day, *(func.sum(t.c[s]).label(s) for s in SUMS))
        .where(t.c.org_id == org_id, t.c.day >= first, t.c.day < end)
        .group_by(t.c.day)
    )
    return [
        Totals(
            key=(row.day,),
            calls=int(row.calls),
            credits_e4=int(row.credits_e4),
            cost_micros=int(row.cost_micros),
            tokens=int(row.tokens),
        )
        for row in (await conn.execute(stmt)).all()
    ]


async def credits_between(
    conn: AsyncConnection, *, org_id: str, start: datetime, end: datetime
) -> int:
    """Credits of the raw calls in ``[start, end)``: one indexed range scan, for a partial day."""
    stmt = select(func.coalesce(func.sum(ai_calls.c.credits_e4), 0)).where(
        ai_calls.c.org_id == org_id, ai_calls.c.occurred_at >= start, ai_calls.c.occurred_at < end
    )
    return int((await conn.execute(stmt)).scalar_one())


async def activity_page(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime,
    end: datetime,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Calls newest first, keyset after ``before`` = ``(occurred_at, event_id)``; never OFFSET."""
    stmt = select(ai_calls).where(
        ai_calls.c.org_id == org_id,
        ai_calls.c.occurred_at >= start,
        ai_calls.c.occurred_at < end,
    )
    if before is not None:
        stmt = stmt.where(tuple_(ai_calls.c.occurred_at, ai_calls.c.event_id) < before)
    stmt = stmt.order_by(ai_calls.c.occurred_at.desc(), ai_calls.c.event_id.desc()).limit(limit)
    return (await conn.execute(stmt)).all()


async def call_by_id(conn: AsyncConnection, *, org_id: str, event_id: str) -> Row[Any] | None:
    stmt = select(ai_calls).where(ai_calls.c.org_id == org_id, ai_calls.c.event_id == event_id)
    return (await conn.execute(stmt)).first()
