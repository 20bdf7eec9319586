"""Reads behind the AI-usage export: the calls of a range, newest first, a keyset page at a time.

A page comes back by column (``CallColumns``). On PostgreSQL it is read straight through the
driver, as one row of arrays: for hundreds of thousands of rows, a result row object per call
(then turned into columns) costs about as much as the whole rest of the export. Statement
listeners, such as the per-request statement count, do not see these reads. SQLite reads
through SQLAlchemy.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.tables import ai_calls


@dataclass(frozen=True, slots=True)
class CallColumns:
    """A page of calls, one sequence per column, all of the same length."""

    occurred_at: Sequence[datetime]
    event_id: Sequence[str]
    member_id: Sequence[str]
    reason: Sequence[str]
    billing_mode: Sequence[str]
    model_id: Sequence[str]
    credits_e4: Sequence[int]
    tokens: Sequence[int]
    cost_micros: Sequence[int]

    @classmethod
    def of(cls, rows: Sequence[Iterable[Any]]) -> CallColumns:
        """Rows of the nine columns above, in that order, turned into columns."""
        if not rows:
            return cls((), (), (), (), (), (), (), (), ())
        return cls(*zip(*rows, strict=True))

    def __len__(self) -> int:
        return len(self.event_id)


_c = ai_calls.c
_SELECTED = (
    _c.occurred_at,
    _c.event_id,
    _c.member_id,
    _c.reason,
    _c.billing_mode,
    _c.model_id,
    _c.credits_e4,
    (_c.input_tokens + _c.output_tokens).label("tokens"),
    _c.cost_micros,
)
# Starting "before (end, '')" reads from the end of the range: one statement for every page.
_PAGE = (
    select(*_SELECTED)
    .where(
        _c.org_id == bindparam("org_id"),
        _c.occurred_at >= bindparam("start", type_=_c.occurred_at.type),
        tuple_(_c.occurred_at, _c.event_id)
        < tuple_(bindparam("b_at", type_=_c.occurred_at.type), bindparam("b_id")),
    )
    .order_by(_c.occurred_at.desc(), _c.event_id.desc())
    .limit(bindparam("limit"))
)
_PG_PAGE = """
SELECT array_agg(occurred_at), array_agg(event_id), array_agg(member_id), array_agg(reason),
       array_agg(billing_mode), array_agg(model_id), array_agg(credits_e4), array_agg(tokens),
       array_agg(cost_micros)
FROM (
    SELECT occurred_at, event_id, member_id, reason, billing_mode, model_id, credits_e4,
           input_tokens + output_tokens AS tokens, cost_micros
    FROM ai_calls
    WHERE org_id = $1 AND occurred_at >= $2 AND (occurred_at, event_id) < ($3, $4)
    ORDER BY occurred_at DESC, event_id DESC
    LIMIT $5
) AS page
"""


def _newest_first(page: CallColumns) -> CallColumns:
    """The page as it came, after checking its order, which the keyset depends on.

    ``array_agg`` collects its rows in the order the sorted, limited subquery hands them over
    (a plain aggregate over a LIMIT cannot run in parallel); ``ORDER BY`` inside each aggregate
    would sort the page nine more times. Should a plan ever break that order, the export fails
    instead of skipping rows.
    """
    keys = list(zip(page.occurred_at, page.event_id, strict=True))
    if not all(map(operator.gt, keys, keys[1:])):
        raise RuntimeError("an export page came back out of order")
    return page


async def call_columns(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime,
    before: tuple[datetime, str],
    limit: int,
) -> CallColumns:
    """Calls at or after ``start`` and before ``before`` = ``(occurred_at, event_id)``, newest
    first (pass ``(end, "")`` for the first page): the activity log's order."""
    if conn.dialect.name == "postgresql":
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        # One row of nine arrays: the driver decodes whole columns, with no row object per call.
        arrays = await driver.fetchrow(_PG_PAGE, org_id, start, before[0], before[1], limit)
        if arrays is None or arrays[0] is None:
            return CallColumns.of([])
        return _newest_first(CallColumns(*arrays))
    params = {"org_id": org_id, "start": start, "b_at": before[0], "b_id": before[1]}
    result = await conn.execute(_PAGE, {**params, "limit": limit})
    return CallColumns.of(result.all())
