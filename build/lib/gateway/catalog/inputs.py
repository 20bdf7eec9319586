"""The body that adds or updates a catalog model and appends prices."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from gateway.core.validation import Body, SupportedDateTime, Usd
from gateway.orgs.enums import AiProvider

_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_start(value: Any) -> Any:
    """A plain date means the start of that day in UTC (``2026-01-01`` = ``…T00:00:00Z``)."""
    if isinstance(value, str) and _PLAIN_DATE.match(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=UTC)
    return value


# A date-time with an offset, or a plain date (that day's start in UTC).
EffectiveFrom = Annotated[SupportedDateTime, BeforeValidator(_day_start)]


class PriceIn(Body):
    effective_from: EffectiveFrom
    input_usd_per_million: Usd
    output_usd_per_million: Usd


class ModelIn(Body):
    provider: AiProvider
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    # The column holds 120 characters (PostgreSQL refuses more; SQLite would keep them).
    label: (
        Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
        | None
    ) = None
    prices: list[PriceIn] = Field(default_factory=list, max_length=100)
