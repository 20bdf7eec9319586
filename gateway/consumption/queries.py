"""Reads behind Tenant Management → Consumption: interview rollups, purchases, openings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.enums import DONE_STATUSES, InterviewStatus
from gateway.consumption.records import (
    DayOpeningStatus,
    LedgerInput,
    OpeningRecord,
    PurchaseRecord,
    StatusTotals,
)
from gateway.orgs.records import PlanRecord
from gateway.storage.columns import UTCDateTime
from gateway.storage.records import record, recorder
from gateway.storage.spans import rollup_sums, span_params
from gateway.storage.tables import (
    credit_purchases,
    interview_daily,
    interview_day_candidates,
    interview_done_days,
    interview_events,
    interview_monthly,
    interview_periods,
    openings,
    organizations,
    plan_versions,
)

SUMS = ("firsts", "credits_e4", "events")


async def _totals(
    conn: AsyncConnection, dims: Sequence[str], *, org_id: str, first: date, end: date
) -> list[StatusTotals]:
    if first >= end:
        return []
    stmt = rollup_sums(interview_daily, interview_monthly, tuple(dims), SUMS)
    params = span_params(org_id=org_id, first=first, end=end)
    return [
        StatusTotals(
            key=tuple(row[: len(dims)]),
            firsts=int(row.firsts),
            credits_e4=int(row.credits_e4),
            events=int(row.events),
        )
        for row in (await conn.execute(stmt, params)).all()
    ]


async def totals_by_status(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[StatusTotals]:
    """Keys ``(status,)`` over local days ``[first, end)``."""
    return await _totals(conn, ("status",), org_id=org_id, first=first, end=end)


async def totals_by_opening(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[StatusTotals]:
    """Keys ``(opening_id, status)``."""
    return await _totals(conn, ("opening_id", "status"), org_id=org_id, first=first, end=end)


async def totals_by_day(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> list[StatusTotals]:
    """Keys ``(day, status)``, from the daily rollup."""
    d = interview_daily
    stmt = (
        select(d.c.day, d.c.status, *(func.sum(d.c[s]).label(s) for s in SUMS))
        .where(d.c.org_id == org_id, d.c.day >= first, d.c.day < end)
        .group_by(d.c.day, d.c.status)
    )
    return [
        StatusTotals(
            key=(row.day, row.status),
            firsts=int(row.firsts),
            credits_e4=int(row.credits_e4),
            events=int(row.events),
        )
        for row in (await conn.execute(stmt)).all()
    ]


async def credits_per_day(conn: AsyncConnection, *, org_id: str) -> dict[date, int]:
    """Credits used on every local day of the organization's history (to recount periods)."""
    d = interview_daily
    stmt = (
        select(d.c.day, func.sum(d.c.credits_e4).label("credits"))
        .where(d.c.org_id == org_id)
        .group_by(d.c.day)
    )
    return {row.day: int(row.credits) for row in (await conn.execute(stmt)).all() if row.credits}


def _ledger_inputs() -> Any:
    """Settled periods before ``lo``, then each day's credits and the purchases of local days
    ``[lo, hi)``: the whole balance chain in one statement, whatever the history's length."""
    p, d, c = interview_periods, interview_daily, credit_purchases
    org: BindParameter[str] = bindparam("org_id")
    # Typed NULLs: PostgreSQL matches UNION columns two branches at a time.
    no_day = cast(null(), p.c.period_start.type)
    no_time = cast(null(), UTCDateTime)
    periods = select(
        p.c.period_start,
        no_day.label("day"),
        p.c.used_e4,
        p.c.purchased_e4,
        no_time.label("occurred_at"),
    ).where(p.c.org_id == org, p.c.period_start < bindparam("lo"))
    days = (
        select(
            no_day,
            d.c.day,
            cast(func.sum(d.c.credits_e4), BigInteger),
            literal_column("0"),
            no_time,
        )
        .where(d.c.org_id == org, d.c.day >= bindparam("lo"), d.c.day < bindparam("hi"))
        .group_by(d.c.day)
    )
    bought = select(no_day, no_day, literal_column("0"), c.c.credits_e4, c.c.occurred_at).where(
        c.c.org_id == org,
        c.c.occurred_at >= bindparam("lo_at"),
        c.c.occurred_at < bindparam("hi_at"),
    )
    return union_all(periods, days, bought)


_LEDGER_INPUTS = _ledger_inputs()
_LEDGER_COLUMNS = ("period_start", "day", "used_e4", "purchased_e4", "occurred_at")


async def ledger_inputs(
    conn: AsyncConnection, *, org_id: str, lo: date, hi: date, lo_at: datetime, hi_at: datetime
) -> list[LedgerInput]:
    """What the balance chain needs: one row per billing period that started before ``lo``,
    one per local day in ``[lo, hi)`` with use, one per purchase in ``[lo_at, hi_at)``."""
    result = await conn.execute(
        _LEDGER_INPUTS, {"org_id": org_id, "lo": lo, "hi": hi, "lo_at": lo_at, "hi_at": hi_at}
    )
    return list(map(recorder(LedgerInput, _LEDGER_COLUMNS), result))


async def billing_settings(
    conn: AsyncConnection, *, org_ids: Sequence[str]
) -> dict[str, tuple[date, list[PlanRecord]]]:
    """``active_since`` and the plan history of each organization: its periods' boundaries."""
    o, v = organizations, plan_versions
    stmt = (
        select(
            o.c.id,
            o.c.active_since,
            v.c.effective_from,
            v.c.credits_per_period_e4,
            v.c.rollover,
            v.c.rollover_cap_e4,
            v.c.billing_anchor_day,
        )
        .select_from(o.outerjoin(v, v.c.org_id == o.c.id))
        .where(o.c.id.in_(sorted(set(org_ids))))
        .order_by(o.c.id, v.c.effective_from)
    )
    out: dict[str, tuple[date, list[PlanRecord]]] = {}
    for row in (await conn.execute(stmt)).all():
        _, plans = out.setdefault(row.id, (row.active_since, []))
        if row.effective_from is not None:
            plans.append(record(PlanRecord, row))
    return out


async def purchases(conn: AsyncConnection, *, org_id: str) -> list[PurchaseRecord]:
    stmt = select(credit_purchases).where(credit_purchases.c.org_id == org_id)
    return [record(PurchaseRecord, row) for row in await conn.execute(stmt)]


def _inline(status: InterviewStatus) -> Any:
    """A status written into the SQL, not bound: only then can the planner match the partial
    indexes of done events and simulated interviews (their predicates name the values)."""
    return literal_column(f"'{status.value}'")


async def interviews_done(conn: AsyncConnection, *, org_id: str, first: date, end: date) -> int:
    """Distinct interviews with a COMPLETED or PARTIALLY_COMPLETED event on local days
    ``[first, end)``, simulated ones never: from the done-days rollup, each interview on its
    first done day in the range (its previous one is before ``first``)."""
    if first >= end:
        return 0
    t = interview_done_days
    stmt = select(func.coalesce(func.sum(t.c.interviews), 0)).where(
        t.c.org_id == org_id, t.c.day >= first, t.c.day < end, t.c.prev_day < first
    )
    return int((await conn.execute(stmt)).scalar_one())


async def all_openings(conn: AsyncConnection, *, org_id: str) -> list[OpeningRecord]:
    rows = await conn.execute(select(openings).where(openings.c.org_id == org_id))
    return [record(OpeningRecord, row) for row in rows]


async def day_opening_count(conn: AsyncConnection, *, org_id: str, first: date, end: date) -> int:
    """How many (local day, opening) rows the export of ``[first, end)`` has."""
    d = interview_daily
    pairs = (
        select(d.c.day, d.c.opening_id)
        .where(d.c.org_id == org_id, d.c.day >= first, d.c.day < end)
        .distinct()
        .subquery()
    )
    return int((await conn.execute(select(func.count()).select_from(pairs))).scalar_one())


async def export_rows(
    conn: AsyncConnection,
    *,
    org_id: str,
    first: date,
    end: date,
    after: tuple[date, str] | None,
    limit: int,
) -> list[DayOpeningStatus]:
    """Daily rollup rows in (day, opening) order, keyset after ``(day, opening_id)``."""
    d = interview_daily
    wanted = select(d.c.day, d.c.opening_id).where(
        d.c.org_id == org_id, d.c.day >= first, d.c.day < end
    )
    if after is not None:
        wanted = wanted.where(
            or_(d.c.day > after[0], and_(d.c.day == after[0], d.c.opening_id > after[1]))
        )
    keys = wanted.distinct().order_by(d.c.day, d.c.opening_id).limit(limit).subquery()
    stmt = (
        select(d.c.day, d.c.opening_id, d.c.status, d.c.firsts, d.c.credits_e4)
        .join(keys, and_(keys.c.day == d.c.day, keys.c.opening_id == d.c.opening_id))
        .where(d.c.org_id == org_id)
        .order_by(d.c.day, d.c.opening_id, d.c.status)
    )
    return [record(DayOpeningStatus, row) for row in await conn.execute(stmt)]


async def candidate_counts(
    conn: AsyncConnection, *, org_id: str, first: date, end: date
) -> dict[tuple[date, str], int]:
    c = interview_day_candidates
    stmt = (
        select(c.c.day, c.c.opening_id, func.count().label("n"))
        .where(c.c.org_id == org_id, c.c.day >= first, c.c.day < end)
        .group_by(c.c.day, c.c.opening_id)
    )
    return {(row.day, row.opening_id): int(row.n) for row in (await conn.execute(stmt)).all()}


async def interviews_and_partial_day(
    conn: AsyncConnection,
    *,
    org_id: str,
    first: date,
    whole_end: date,
    since: datetime,
    day_start: datetime,
    end: datetime,
) -> tuple[int, int]:
    """A range of whole local days ``[first, whole_end)`` (``since``: the first one's
    midnight) and a partial last day ``[day_start, end)`` (``day_start``: ``whole_end``'s
    midnight; empty when ``end == day_start``), in one statement: the interviews not simulated
    with a COMPLETED or PARTIALLY_COMPLETED event in the range, and the charges of the partial
    day's events.

    The whole days' interviews are :func:`interviews_done`'s; the partial day's are read from
    its raw events (one indexed range scan), each done event's interview looked up by its id:
    counted when it has no SIMULATION event and no done event in ``[since, day_start)``.
    """
    e, t = interview_events, interview_done_days
    other = e.alias("other")
    done = [_inline(status) for status in DONE_STATUSES]
    counted = and_(
        e.c.status.in_(done),
        ~exists().where(
            other.c.org_id == e.c.org_id,
            other.c.interview_id == e.c.interview_id,
            or_(
                other.c.status == _inline(InterviewStatus.SIMULATION),
                and_(
                    other.c.status.in_(done),
                    other.c.occurred_at >= since,
                    other.c.occurred_at < day_start,
                ),
            ),
        ),
    )
    whole = (
        select(func.coalesce(func.sum(t.c.interviews), 0))
        .where(t.c.org_id == org_id, t.c.day >= first, t.c.day < whole_end, t.c.prev_day < first)
        .scalar_subquery()
    )
    stmt = select(
        whole,
        func.count(func.distinct(case((counted, e.c.interview_id)))),
        func.coalesce(func.sum(e.c.charge_e4), 0),
    ).where(e.c.org_id == org_id, e.c.occurred_at >= day_start, e.c.occurred_at < end)
    whole_days, partial, credits = (await conn.execute(stmt)).one()
    return int(whole_days) + int(partial), int(credits)
