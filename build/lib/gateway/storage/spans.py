"""Sums of a rollup over a period: whole months from the monthly table, edges from the daily.

The statement is built once per rollup and shape and bound to each period's dates, so a page
pays neither for building SQL nor for compiling it again.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, Table, and_, bindparam, func, or_, select, union_all

from gateway.core.calendar import add_months
from gateway.core.periods import month_and_day_spans


@cache
def rollup_sums(
    daily: Table, monthly: Table, dims: tuple[str, ...], sums: tuple[str, ...]
) -> Select[Any]:
    """``SELECT dims, SUM(sums) ... GROUP BY dims`` over two day ranges and one month range.

    Parameters: ``org_id``, ``d1a``/``d1b`` and ``d2a``/``d2b`` (day ranges, half-open) and
    ``ma``/``mb`` (months, half-open); unused ranges are empty.
    """
    org: BindParameter[str] = bindparam("org_id")
    days = select(*(daily.c[c] for c in (*dims, *sums))).where(
        daily.c.org_id == org,
        or_(
            and_(daily.c.day >= bindparam("d1a"), daily.c.day < bindparam("d1b")),
            and_(daily.c.day >= bindparam("d2a"), daily.c.day < bindparam("d2b")),
        ),
    )
    months = select(*(monthly.c[c] for c in (*dims, *sums))).where(
        monthly.c.org_id == org,
        monthly.c.month >= bindparam("ma"),
        monthly.c.month < bindparam("mb"),
    )
    rows = union_all(days, months).subquery()
    return select(
        *(rows.c[d] for d in dims), *(func.sum(rows.c[s]).label(s) for s in sums)
    ).group_by(*(rows.c[d] for d in dims))


def span_params(*, org_id: str, first: date, end: date) -> dict[str, Any]:
    """Bind values of :func:`rollup_sums` for local days ``[first, end)``."""
    months, day_ranges = month_and_day_spans(first, end)
    # At most two partial months (the edges); pad with empty ranges.
    ranges: list[tuple[date, date]] = [*day_ranges, (first, first), (first, first)][:2]
    month_range = (months[0], add_months(months[-1], 1)) if months else (first, first)
    return {
        "org_id": org_id,
        "d1a": ranges[0][0],
        "d1b": ranges[0][1],
        "d2a": ranges[1][0],
        "d2b": ranges[1][1],
        "ma": month_range[0],
        "mb": month_range[1],
    }
