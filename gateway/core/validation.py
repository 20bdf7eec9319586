"""Field types and the base of every input body: strict, camelCase, errors naming the field."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

from gateway.core.calendar import unsupported_date
from gateway.core.errors import Problem
from gateway.core.money import ScaleError, ascii_amount, credits_to_int, usd_to_int

# Ids never contain "|", which joins the parts of a global object id.
Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]
EventId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
IDENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")


def _ascii(value: object) -> object:
    # Before pydantic's own parsing, which (as Decimal does) reads any Unicode digit.
    if isinstance(value, str):
        ascii_amount(value)
    return value


def _credits(value: Decimal) -> Decimal:
    try:
        credits_to_int(value)
    except ScaleError as exc:
        raise ValueError(str(exc)) from None
    return value


def _usd(value: Decimal) -> Decimal:
    try:
        usd_to_int(value)
    except ScaleError as exc:
        raise ValueError(str(exc)) from None
    return value


def _time_zone(value: str) -> str:
    if value not in zone_names():
        raise ValueError(f"{value!r} is not an IANA time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone") from None
    return value


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


def _supported_date(value: date) -> date:
    if (reason := unsupported_date(value)) is not None:
        raise ValueError(reason)
    return value


def _supported_datetime(value: datetime) -> datetime:
    if (reason := unsupported_date(value)) is not None:
        raise ValueError(reason)
    return value


# A calendar date or an instant with an offset, in the supported years (1900-2999).
SupportedDate = Annotated[date, AfterValidator(_supported_date)]
SupportedDateTime = Annotated[AwareDatetime, AfterValidator(_supported_datetime)]

MAX_CREDITS = Decimal("100000000000")
# One AI call, and one ingest batch of them, charge at most this many credits: a day's rollup
# (whole ten-thousandths in a 64-bit column) would need ~90 million full batches to overflow.
MAX_CALL_CREDITS = Decimal("1000000")
MAX_BATCH_CREDITS = Decimal("10000000")
# Every amount takes ASCII digits only. The check comes after the bounds in each list so that
# pydantic keeps them in its decimal schema (before them, it checks each in Python).
ASCII = BeforeValidator(_ascii)
Credits = Annotated[Decimal, Field(ge=0, le=MAX_CREDITS), ASCII, AfterValidator(_credits)]
CallCredits = Annotated[Decimal, Field(ge=0, le=MAX_CALL_CREDITS), ASCII, AfterValidator(_credits)]
PositiveCredits = Annotated[Decimal, Field(gt=0, le=MAX_CREDITS), ASCII, AfterValidator(_credits)]
Usd = Annotated[Decimal, Field(ge=0, le=Decimal("1000000")), ASCII, AfterValidator(_usd)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
Tokens = Annotated[int, Field(ge=0, le=100_000_000)]


class FieldRule(ValueError):
    """A cross-field rule broken by one field, which the error names."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


class Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", frozen=True
    )


def problems_of(errors: list[Any], *, batch: bool = False) -> list[Problem]:
    """Pydantic errors as problems naming the field (and, in a batch, the item's index)."""
    out: list[Problem] = []
    for err in errors:
        loc = list(err.get("loc", ()))
        index: int | None = None
        if batch:
            if loc and loc[0] == "events":
                loc = loc[1:]
            index = loc[0] if loc and isinstance(loc[0], int) else None
            loc = loc[1:] if loc and isinstance(loc[0], int) else loc
        fields = [str(part) for part in loc if not str(part).startswith("function-")]
        message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
        rule = (err.get("ctx") or {}).get("error")
        if isinstance(rule, FieldRule):
            fields.append(rule.field)
            message = rule.message
        out.append(Problem(".".join(fields) or None, message, index))
    return out
