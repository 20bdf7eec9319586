"""The body that adds or updates a catalog model and appends prices."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from gateway.core.validation import Body, Text, Usd
from gateway.orgs.enums import AiProvider


class PriceIn(Body):
    effective_from: AwareDatetime
    input_usd_per_million: Usd
    output_usd_per_million: Usd


class ModelIn(Body):
    provider: AiProvider
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    label: Text | None = None
    prices: list[PriceIn] = Field(default_factory=list, max_length=100)
