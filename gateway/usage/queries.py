"""Reads behind Settings → Usage: rollup sums per card, the activity keyset, single calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs.records import MemberRecord
from gateway.storage.records import record, recorder, records
from gateway.storage.spans import rollup_sums, span_params
from gateway.storage.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
    members,
)
from gateway.usage.records import CallRecord, Totals

SUMS = ("calls", "credits_e4", "cost_micros", "tokens")


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
    if first >= end:
        return []
    stmt = rollup_sums(daily, monthly, tuple(dims), SUMS)
    params = span_params(org_id=org_id, first=first, end=end)
    return [
        Totals(
            key=tuple(row[: len(dims)]),
            calls=int(row.calls),
            credits_e4=int(row.credits_e4),
            cost_micros=int(row.cost_micros),
            tokens=int(row.tokens),
        )
        for row in (await conn.execute(stmt, params)).all()
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


@cache
def _member_totals_statement() -> Select[Any]:
    sums = rollup_sums(ai_daily_by_member, ai_monthly_by_member, ("member_id",), SUMS).subquery()
    # Only what the card and the Member type need (no timestamps to convert per row).
    wanted = (members.c.org_id, members.c.id, members.c.name, members.c.email, members.c.role)
    return select(sums, *wanted, members.c.removed).outerjoin(
        members,
        and_(members.c.org_id == bindparam("org_id"), members.c.id == sums.c.member_id),
    )


async def totals_by_member(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[tuple[Totals, MemberRecord | None]]:
    """Keys ``(member_id,)`` with the member row (name, removed flag), both modes together."""
    if first >= end:
        return []
    joined = _member_totals_statement()
    out: list[tuple[Totals, MemberRecord | None]] = []
    params = span_params(org_id=org_id, first=first, end=end)
    result = await conn.execute(joined, params)
    to_member = recorder(MemberRecord, result.keys())
    for row in result.all():
        if not row.calls:
            continue
        totals = Totals(
            key=(row.member_id,),
            calls=int(row.calls),
            credits_e4=int(row.credits_e4),
            cost_micros=int(row.cost_micros),
            tokens=int(row.tokens),
        )
        out.append((totals, to_member(row) if row.id is not None else None))
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


def _activity(*, after: bool) -> Select[Any]:
    c = ai_calls.c
    stmt = select(ai_calls).where(
        c.org_id == bindparam("org_id"),
        c.occurred_at >= bindparam("start", type_=c.occurred_at.type),
        c.occurred_at < bindparam("end", type_=c.occurred_at.type),
    )
    if after:
        position = tuple_(
            bindparam("b_at", type_=c.occurred_at.type), bindparam("b_id", type_=c.event_id.type)
        )
        stmt = stmt.where(tuple_(c.occurred_at, c.event_id) < position)
    return stmt.order_by(c.occurred_at.desc(), c.event_id.desc()).limit(bindparam("limit"))


_ACTIVITY_FIRST = _activity(after=False)
_ACTIVITY_AFTER = _activity(after=True)


async def activity_page(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime,
    end: datetime,
    before: tuple[datetime, str] | None,
    limit: int,
) -> list[CallRecord]:
    """Calls newest first, keyset after ``before`` = ``(occurred_at, event_id)``; never OFFSET."""
    params: dict[str, Any] = {"org_id": org_id, "start": start, "end": end, "limit": limit}
    stmt = _ACTIVITY_FIRST
    if before is not None:
        stmt = _ACTIVITY_AFTER
        params.update(b_at=before[0], b_id=before[1])
    result = await conn.execute(stmt, params)
    return records(CallRecord, result, result.keys())


def _activity_since(*, after: bool) -> Select[Any]:
    c = ai_calls.c
    stmt = select(ai_calls).where(
        c.org_id == bindparam("org_id"),
        c.occurred_at >= bindparam("start", type_=c.occurred_at.type),
        c.occurred_at < bindparam("end", type_=c.occurred_at.type),
    )
    if after:
        position = tuple_(
            bindparam("b_at", type_=c.occurred_at.type), bindparam("b_id", type_=c.event_id.type)
        )
        stmt = stmt.where(tuple_(c.occurred_at, c.event_id) > position)
    return stmt.order_by(c.occurred_at, c.event_id).limit(bindparam("limit"))


_SINCE_FIRST = _activity_since(after=False)
_SINCE_AFTER = _activity_since(after=True)


async def activity_since_page(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime,
    end: datetime,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[CallRecord]:
    """Calls in ``[start, end)`` oldest first, keyset after ``after`` (incremental sync)."""
    params: dict[str, Any] = {"org_id": org_id, "start": start, "end": end, "limit": limit}
    stmt = _SINCE_FIRST
    if after is not None:
        stmt = _SINCE_AFTER
        params.update(b_at=after[0], b_id=after[1])
    return [record(CallRecord, row) for row in await conn.execute(stmt, params)]


async def count_calls_between(
    conn: AsyncConnection, *, org_id: str, start: datetime, end: datetime
) -> int:
    """Calls in ``[start, end)``: one indexed range scan."""
    stmt = select(func.count()).where(
        ai_calls.c.org_id == org_id, ai_calls.c.occurred_at >= start, ai_calls.c.occurred_at < end
    )
    return int((await conn.execute(stmt)).scalar_one())


async def call_by_id(conn: AsyncConnection, *, org_id: str, event_id: str) -> CallRecord | None:
    stmt = select(ai_calls).where(ai_calls.c.org_id == org_id, ai_calls.c.event_id == event_id)
    row = (await conn.execute(stmt)).first()
    return record(CallRecord, row) if row is not None else None
