"""The alert rules' interview-credit figures of several organizations at once: one statement
per kind of row for a whole ingest batch, instead of one per organization."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, func, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.records import LedgerInput
from gateway.orgs.records import PlanRecord
from gateway.storage.columns import UTCDateTime
from gateway.storage.records import record
from gateway.storage.tables import (
    credit_purchases,
    interview_daily,
    interview_periods,
    plan_versions,
)


async def plans_of(conn: AsyncConnection, *, org_ids: Sequence[str]) -> dict[str, list[PlanRecord]]:
    pv = plan_versions
    stmt = (
        select(pv).where(pv.c.org_id.in_(list(org_ids))).order_by(pv.c.org_id, pv.c.effective_from)
    )
    out: dict[str, list[PlanRecord]] = defaultdict(list)
    for row in await conn.execute(stmt):
        out[row.org_id].append(record(PlanRecord, row))
    return out


@dataclass(frozen=True)
class LedgerRows:
    """What the balance chains of several organizations read, by organization."""

    inputs: dict[str, list[LedgerInput]]
    # Credits per (opening, local day), by organization.
    opening_days: dict[str, dict[tuple[str, date], int]]


def _statement() -> Any:
    p, d, c = interview_periods, interview_daily, credit_purchases
    ids: Any = bindparam("org_ids", expanding=True)
    # Typed NULLs: PostgreSQL matches UNION columns two branches at a time.
    no_day = cast(null(), p.c.period_start.type)
    no_text = cast(null(), d.c.opening_id.type)
    no_time = cast(null(), UTCDateTime)
    settled = select(
        p.c.org_id,
        p.c.period_start,
        no_day.label("day"),
        no_text.label("opening_id"),
        p.c.used_e4,
        p.c.purchased_e4,
        no_time.label("occurred_at"),
    ).where(p.c.org_id.in_(ids), p.c.period_start < bindparam("lo"))
    days = (
        select(
            d.c.org_id,
            no_day,
            d.c.day,
            d.c.opening_id,
            cast(func.sum(d.c.credits_e4), BigInteger),
            literal_column("0"),
            no_time,
        )
        .where(d.c.org_id.in_(ids), d.c.day >= bindparam("lo"), d.c.day < bindparam("hi"))
        .group_by(d.c.org_id, d.c.day, d.c.opening_id)
    )
    bought = select(
        c.c.org_id, no_day, no_day, no_text, literal_column("0"), c.c.credits_e4, c.c.occurred_at
    ).where(
        c.c.org_id.in_(ids),
        c.c.occurred_at >= bindparam("lo_at"),
        c.c.occurred_at < bindparam("hi_at"),
    )
    return union_all(settled, days, bought)


_LEDGER_ROWS = _statement()


async def ledger_rows_of(
    conn: AsyncConnection,
    *,
    org_ids: Sequence[str],
    lo: date,
    hi: date,
    lo_at: datetime,
    hi_at: datetime,
) -> LedgerRows:
    """In one statement, what :func:`gateway.consumption.queries.ledger_inputs` reads, for
    several organizations (their periods that started before ``lo``, each day's use in
    ``[lo, hi)``, their purchases in ``[lo_at, hi_at)``), and the day's use per opening."""
    params = {"org_ids": list(org_ids), "lo": lo, "hi": hi, "lo_at": lo_at, "hi_at": hi_at}
    inputs: dict[str, list[LedgerInput]] = defaultdict(list)
    used: dict[tuple[str, date], int] = defaultdict(int)
    openings: dict[str, dict[tuple[str, date], int]] = defaultdict(dict)
    for row in await conn.execute(_LEDGER_ROWS, params):
        org = row.org_id
        if row.day is not None:
            used[(org, row.day)] += int(row.used_e4)
            openings[org][(row.opening_id, row.day)] = int(row.used_e4)
        else:
            inputs[org].append(
                LedgerInput(
                    row.period_start, None, int(row.used_e4), int(row.purchased_e4), row.occurred_at
                )
            )
    for (org, day), amount in used.items():
        inputs[org].append(LedgerInput(None, day, amount, 0, None))
    return LedgerRows(dict(inputs), dict(openings))
