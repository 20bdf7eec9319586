"""Rows looked up by many ``(org_id, id)`` keys at once, in statements of bounded size.

A row-value ``(org_id, id) IN ((…), (…), …)`` of thousands of pairs makes PostgreSQL plan a deep
OR tree ("stack depth limit exceeded" near 8,000 pairs). Grouping the keys by organization turns
each statement into ``org_id = :org AND id IN (…)`` over at most :data:`CHUNK` ids, which both
engines handle flatly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

CHUNK = 1_000


async def rows_by_org_keys(
    conn: AsyncConnection,
    table: Table,
    *,
    column: str,
    keys: Iterable[tuple[str, str]],
    order_by: Sequence[ColumnElement[Any]] = (),
) -> AsyncIterator[Sequence[Any]]:
    """The rows of ``table`` whose ``(org_id, column)`` is among ``keys``, a statement per
    organization and chunk (each statement's rows in ``order_by``)."""
    by_org: dict[str, set[str]] = defaultdict(set)
    for org_id, ident in keys:
        by_org[org_id].add(ident)
    for org_id in sorted(by_org):
        idents = sorted(by_org[org_id])
        for start in range(0, len(idents), CHUNK):
            chunk = idents[start : start + CHUNK]
            stmt = (
                select(table)
                .where(table.c.org_id == org_id, table.c[column].in_(chunk))
                .order_by(*order_by)
            )
            yield (await conn.execute(stmt)).all()
