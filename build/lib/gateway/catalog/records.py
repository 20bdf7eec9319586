"""Catalog models and prices as the queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.core.enum_values import member_of
from gateway.orgs.enums import AiProvider


@dataclass(frozen=True, slots=True)
class ModelRecord:
    id: str
    provider: AiProvider
    tier: str
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "provider", member_of(AiProvider, self.provider))


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """Micro-dollars per million tokens from ``effective_from`` on."""

    model_id: str
    effective_from: datetime
    input_micros_per_million: int
    output_micros_per_million: int
