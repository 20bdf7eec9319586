"""The contract's scalars: exact decimals as strings, date-times with offsets, dates."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition

from gateway.core.calendar import unsupported_date
from gateway.core.money import NOT_ASCII, NotAsciiError, ascii_amount, format_decimal


def _parse_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('Decimal values are strings in plain notation, e.g. "12.50"')
    try:
        number = decimal.Decimal(ascii_amount(str(value)))
    except NotAsciiError:
        raise ValueError(f"{value!r} is not a decimal number: Decimal values {NOT_ASCII}") from None
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
    if not isinstance(value, str):
        raise ValueError("DateTime values are strings, e.g. 2026-11-03T09:15:00+01:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError("DateTime values need an offset, e.g. 2026-11-03T09:15:00+01:00")
    if (reason := unsupported_date(parsed)) is not None:
        raise ValueError(reason)
    return parsed


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("Date values are strings, e.g. 2026-11-03")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date (YYYY-MM-DD)") from None
    if (reason := unsupported_date(parsed)) is not None:
        raise ValueError(reason)
    return parsed


# The decimal string format: Python's and SQL's exact decimals, in plain notation.
DECIMAL_SPEC = "https://speleotrove.com/decimal/daconvs.html#reftostr"

DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        "Exact decimal number, serialized as a string in plain notation with at least two "
        'decimals, e.g. "12.50", "0.0125". Never a float, never an exponent.'
    ),
    serialize=format_decimal,
    parse_value=_parse_decimal,
    specified_by_url=DECIMAL_SPEC,
)

DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description=(
        "RFC 3339 date-time with offset, e.g. 2026-11-03T09:15:00+01:00 "
        "(the organization's time zone). Inputs lie in the years 1900-2999."
    ),
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
)

DateScalar = strawberry.scalar(
    name="Date",
    description="RFC 3339 full-date, e.g. 2026-11-03. Inputs lie in the years 1900-2999.",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_date,
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    decimal.Decimal: DecimalScalar,
    dt.datetime: DateTimeScalar,
    dt.date: DateScalar,
}
