"""Reads behind the consumption export: one row per (local day, opening), a keyset page at a time.

The daily rollup holds a row per status; a page sums them per (day, opening) in the database,
in key order, and the candidate counts of exactly the page's keys come from a second statement
on the same connection. On PostgreSQL both are read straight through the driver (see
``gateway.usage.export_queries`` for why); SQLite reads through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, cast, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.enums import InterviewStatus
from gateway.storage.tables import interview_daily, interview_day_candidates

# The export's status columns, in this order.
STATUS_ORDER = tuple(InterviewStatus)


@dataclass(frozen=True, slots=True)
class DayOpeningColumns:
    """A page of (day, opening) rows, one sequence per column, all of the same length;
    ``firsts`` holds one column per status of ``STATUS_ORDER``."""

    day: Sequence[date]
    opening_id: Sequence[str]
    credits_e4: Sequence[int]
    firsts: tuple[Sequence[int], ...]
    candidates: Sequence[int]

    def __len__(self) -> int:
        return len(self.opening_id)


def _columns(
    rows: Sequence[Iterable[Any]], people: dict[tuple[date, str], int]
) -> DayOpeningColumns:
    if not rows:
        return DayOpeningColumns((), (), (), tuple(() for _ in STATUS_ORDER), ())
    day, opening_id, credits_e4, *firsts = zip(*rows, strict=True)
    candidates = [people.get(key, 0) for key in zip(day, opening_id, strict=True)]
    return DayOpeningColumns(day, opening_id, credits_e4, tuple(firsts), candidates)


_d = interview_daily.c
_p = interview_day_candidates.c
_PAGE = (
    select(
        _d.day,
        _d.opening_id,
        cast(func.sum(_d.credits_e4), BigInteger),
        *(
            cast(func.sum(case((_d.status == status.value, _d.firsts), else_=0)), BigInteger)
            for status in STATUS_ORDER
        ),
    )
    .where(
        _d.org_id == bindparam("org_id"),
        _d.day >= bindparam("first"),
        _d.day < bindparam("end"),
        tuple_(_d.day, _d.opening_id) > tuple_(bindparam("a_day"), bindparam("a_id")),
    )
    .group_by(_d.day, _d.opening_id)
    .order_by(_d.day, _d.opening_id)
    .limit(bindparam("limit"))
)
_PEOPLE = (
    select(_p.day, _p.opening_id, func.count())
    .where(
        _p.org_id == bindparam("org_id"),
        _p.day >= bindparam("low_day"),
        _p.day <= bindparam("high_day"),
        tuple_(_p.day, _p.opening_id) >= tuple_(bindparam("low_day"), bindparam("low_id")),
        tuple_(_p.day, _p.opening_id) <= tuple_(bindparam("high_day"), bindparam("high_id")),
    )
    .group_by(_p.day, _p.opening_id)
)
_STATUS_SUMS = ",\n       ".join(
    f"SUM(CASE WHEN status = '{status.value}' THEN firsts ELSE 0 END)::bigint"
    for status in STATUS_ORDER
)
_PG_PAGE = f"""
SELECT day, opening_id, SUM(credits_e4)::bigint,
       {_STATUS_SUMS}
FROM interview_daily
WHERE org_id = $1 AND day >= $2 AND day < $3 AND (day, opening_id) > ($4, $5)
GROUP BY day, opening_id
ORDER BY day, opening_id
LIMIT $6
"""
_PG_PEOPLE = """
SELECT day, opening_id, COUNT(*)
FROM interview_day_candidates
WHERE org_id = $1 AND day >= $2 AND day <= $4
  AND (day, opening_id) >= ($2, $3) AND (day, opening_id) <= ($4, $5)
GROUP BY day, opening_id
"""


async def day_opening_columns(
    conn: AsyncConnection,
    *,
    org_id: str,
    first: date,
    end: date,
    after: tuple[date, str],
    limit: int,
) -> DayOpeningColumns:
    """(day, opening) rows of ``[first, end)`` after the key ``after``, in key order (pass
    ``(first - 1 day, "")`` for the first page)."""
    if conn.dialect.name == "postgresql":
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        rows = await driver.fetch(_PG_PAGE, org_id, first, end, after[0], after[1], limit)
        if not rows:
            return _columns(rows, {})
        low, high = rows[0], rows[-1]
        people = await driver.fetch(_PG_PEOPLE, org_id, low[0], low[1], high[0], high[1])
    else:
        params = {"org_id": org_id, "first": first, "end": end, "limit": limit}
        rows = (await conn.execute(_PAGE, {**params, "a_day": after[0], "a_id": after[1]})).all()
        if not rows:
            return _columns(rows, {})
        low, high = rows[0], rows[-1]
        bounds = {"low_day": low[0], "low_id": low[1], "high_day": high[0], "high_id": high[1]}
        people = (await conn.execute(_PEOPLE, {"org_id": org_id, **bounds})).all()
    return _columns(rows, {(day, opening): int(n) for day, opening, n in people})
