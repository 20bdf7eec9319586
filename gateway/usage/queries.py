"""Reads behind Settings → Usage: rollup sums per card, the activity keyset, single calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    null,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord
from gateway.orgs.records import MemberRecord
from gateway.storage.columns import CodePointOrder
from gateway.storage.prepared import fetch_all
from gateway.storage.records import record, recorder, records
from gateway.storage.spans import rollup_sums, span_params
from gateway.storage.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_models,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
    members,
    raw_retention,
)
from gateway.usage.records import ActivityRows, CallRecord, TopMembers, Totals
from gateway.usage.rules import UNKNOWN_USER

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
        for row in await fetch_all(conn, stmt, params)
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
def _top_members_statement() -> Select[Any]:
    """The By user card in one statement: removed and unknown members merged into one row
    (``member_id`` null), largest first, with the count and credits of every row, so that a
    page reads only the rows it shows however many members the organization has."""
    sums = rollup_sums(ai_daily_by_member, ai_monthly_by_member, ("member_id",), SUMS).subquery()
    org: BindParameter[str] = bindparam("org_id")
    seen = members.alias("seen")
    current = and_(seen.c.id.is_not(None), seen.c.removed.is_(False))
    joined = (
        select(
            case((current, sums.c.member_id), else_=null()).label("member_id"),
            *(sums.c[s] for s in SUMS),
        )
        .select_from(
            sums.outerjoin(seen, and_(seen.c.org_id == org, seen.c.id == sums.c.member_id))
        )
        .where(sums.c.calls != 0)
        .subquery()
    )
    merged = (
        select(joined.c.member_id, *(func.sum(joined.c[s]).label(s) for s in SUMS))
        .group_by(joined.c.member_id)
        .subquery()
    )
    shown = members.alias("shown")
    # Only what the card and the Member type need (no timestamps to convert per row).
    wanted = (shown.c.org_id, shown.c.id, shown.c.name, shown.c.email, shown.c.role)
    name = CodePointOrder(func.coalesce(shown.c.name, UNKNOWN_USER))
    return (
        select(
            *(merged.c[s] for s in SUMS),
            *wanted,
            shown.c.removed,
            func.count().over().label("row_count"),
            func.sum(merged.c.credits_e4).over().label("all_credits_e4"),
        )
        .select_from(
            merged.outerjoin(shown, and_(shown.c.org_id == org, shown.c.id == merged.c.member_id))
        )
        .order_by(merged.c.credits_e4.desc(), merged.c.calls.desc(), name, shown.c.id)
        .limit(bindparam("limit"))
    )


async def top_members(
    conn: AsyncConnection, *, org_id: str, first: date, end: date, limit: int
) -> TopMembers:
    """The ``limit`` largest rows of the By user card (see :func:`_top_members_statement`)."""
    if first >= end:
        return TopMembers([], 0, 0)
    params = {**span_params(org_id=org_id, first=first, end=end), "limit": limit}
    rows = await fetch_all(conn, _top_members_statement(), params)
    if not rows:
        return TopMembers([], 0, 0)
    to_member = recorder(MemberRecord, rows[0]._fields)
    out = [
        (
            Totals(
                key=(row.id,),
                calls=int(row.calls),
                credits_e4=int(row.credits_e4),
                cost_micros=int(row.cost_micros),
                tokens=int(row.tokens),
            ),
            to_member(row) if row.id is not None else None,
        )
        for row in rows
    ]
    return TopMembers(out, int(rows[0].row_count), int(rows[0].all_credits_e4))


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


def _with_people(calls: Select[Any]) -> Select[Any]:
    """The page's calls with their member and model beside each row, so that the activity log
    needs no second wave of statements for them."""
    page = calls.subquery()
    member_cols = [members.c[f].label(f"member_{f}") for f in MEMBER_FIELDS]
    model_cols = [ai_models.c[f].label(f"model_{f}") for f in MODEL_FIELDS]
    return (
        select(page, *member_cols, *model_cols)
        .select_from(
            page.outerjoin(
                members, and_(members.c.org_id == page.c.org_id, members.c.id == page.c.member_id)
            ).outerjoin(ai_models, ai_models.c.id == page.c.model_id)
        )
        .order_by(page.c.occurred_at.desc(), page.c.event_id.desc())
    )


MEMBER_FIELDS = ("org_id", "id", "name", "email", "role", "removed")
MODEL_FIELDS = ("id", "provider", "tier", "label")
_ACTIVITY_FIRST = _activity(after=False)
_ACTIVITY_AFTER = _activity(after=True)
_PEOPLE_FIRST = _with_people(_ACTIVITY_FIRST)
_PEOPLE_AFTER = _with_people(_ACTIVITY_AFTER)


def _keyset(
    first: Select[Any],
    after: Select[Any],
    position: tuple[datetime, str] | None,
    **params: Any,
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement for a keyset page and its parameters: ``after`` from a position on."""
    if position is None:
        return first, params
    return after, {**params, "b_at": position[0], "b_id": position[1]}


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
    stmt, params = _keyset(
        _ACTIVITY_FIRST, _ACTIVITY_AFTER, before, org_id=org_id, start=start, end=end, limit=limit
    )
    result = await conn.execute(stmt, params)
    return records(CallRecord, result, result.keys())


async def activity_page_with_people(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime,
    end: datetime,
    before: tuple[datetime, str] | None,
    limit: int,
) -> ActivityRows:
    """:func:`activity_page` with the members and models its calls name (each built once)."""
    stmt, params = _keyset(
        _PEOPLE_FIRST, _PEOPLE_AFTER, before, org_id=org_id, start=start, end=end, limit=limit
    )
    rows = await fetch_all(conn, stmt, params)
    if not rows:
        return ActivityRows([], [], [])
    keys = list(rows[0]._fields)
    to_call = recorder(CallRecord, keys)
    member_at = [keys.index(f"member_{f}") for f in MEMBER_FIELDS]
    model_at = [keys.index(f"model_{f}") for f in MODEL_FIELDS]
    calls: list[CallRecord] = []
    people: dict[str, MemberRecord] = {}
    models: dict[str, ModelRecord] = {}
    for row in rows:
        call = to_call(row)
        calls.append(call)
        if row[member_at[1]] is not None and call.member_id not in people:
            people[call.member_id] = MemberRecord(*[row[n] for n in member_at])
        if row[model_at[0]] is not None and call.model_id not in models:
            models[call.model_id] = ModelRecord(*[row[n] for n in model_at])
    return ActivityRows(calls, list(people.values()), list(models.values()))


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
    stmt, params = _keyset(
        _SINCE_FIRST, _SINCE_AFTER, after, org_id=org_id, start=start, end=end, limit=limit
    )
    return [record(CallRecord, row) for row in await conn.execute(stmt, params)]


async def count_calls_between(
    conn: AsyncConnection, *, org_id: str, start: datetime, end: datetime
) -> int:
    """Calls in ``[start, end)``: one indexed range scan."""
    stmt = select(func.count()).where(
        ai_calls.c.org_id == org_id, ai_calls.c.occurred_at >= start, ai_calls.c.occurred_at < end
    )
    return int((await conn.execute(stmt)).scalar_one())


async def calls_by_ids(
    conn: AsyncConnection, *, org_id: str, event_ids: Sequence[str]
) -> list[CallRecord]:
    """The organization's calls among ``event_ids`` (the others' ids find nothing)."""
    if not event_ids:
        return []
    stmt = select(ai_calls).where(
        ai_calls.c.org_id == org_id, ai_calls.c.event_id.in_(list(event_ids))
    )
    return [record(CallRecord, row) for row in await conn.execute(stmt)]


RAW_CALLS = "ai_calls"


async def raw_kept_since(conn: AsyncConnection) -> datetime | None:
    """The instant from which the raw calls are kept (None: all of them), set by retention."""
    t = raw_retention
    stmt = select(t.c.kept_since).where(t.c.table_name == RAW_CALLS)
    kept: datetime | None = (await conn.execute(stmt)).scalar_one_or_none()
    return kept
