"""The contract's scalars: exact decimals as strings, date-times with offsets, dates."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition

from gateway.core.money import format_decimal


def _parse_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('Decimal values are strings in plain notation, e.g. "12.50"')
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return number


def _serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("DateTime values must carry a time zone")
    return value.isoformat()


def _parse_datetime(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("DateTime values need an offset, e.g. 2026-11-03T09:15:00+01:00")
    return parsed


def _parse_date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date (YYYY-MM-DD)") from None


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        "Exact decimal number, serialized as a string in plain notation with at least two "
        'decimals, e.g. "12.50", "0.0125". Never a float, never an exponent.'
    ),
    serialize=format_decimal,
    parse_value=_parse_decimal,
)

DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description=(
        "ISO-8601 date-time with offset, e.g. 2026-11-03T09:15:00+01:00 "
        "(the organization's time zone)."
    ),
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

DateScalar = strawberry.scalar(
    name="Date",
    description="ISO-8601 calendar date, e.g. 2026-11-03.",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    decimal.Decimal: DecimalScalar,
    dt.datetime: DateTimeScalar,
    dt.date: DateScalar,
}
