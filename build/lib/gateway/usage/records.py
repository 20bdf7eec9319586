"""AI calls and rollup sums as the queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.catalog.records import ModelRecord
from gateway.core.enum_values import member_of
from gateway.orgs.enums import AiBillingMode
from gateway.orgs.records import MemberRecord
from gateway.usage.enums import UsageReason


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One AI call; credits in ten-thousandths, cost in micro-dollars."""

    org_id: str
    event_id: str
    occurred_at: datetime
    member_id: str
    reason: UsageReason
    billing_mode: AiBillingMode
    model_id: str
    credits_e4: int
    input_tokens: int
    output_tokens: int
    cost_micros: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", member_of(UsageReason, self.reason))
        object.__setattr__(self, "billing_mode", member_of(AiBillingMode, self.billing_mode))

    @property
    def byok(self) -> bool:
        return self.billing_mode is AiBillingMode.BYOK

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of one rollup key over a period."""

    key: tuple[Any, ...]
    calls: int = 0
    credits_e4: int = 0
    cost_micros: int = 0
    tokens: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.key,
            self.calls + other.calls,
            self.credits_e4 + other.credits_e4,
            self.cost_micros + other.cost_micros,
            self.tokens + other.tokens,
        )

    def rekeyed(self, key: tuple[Any, ...]) -> Totals:
        return Totals(key, self.calls, self.credits_e4, self.cost_micros, self.tokens)


@dataclass(frozen=True, slots=True)
class TopMembers:
    """The largest rows of the By user card, and the count and credits of all its rows."""

    rows: list[tuple[Totals, MemberRecord | None]]
    total_count: int
    total_credits_e4: int


@dataclass(frozen=True, slots=True)
class ActivityRows:
    """A page of the activity log and the members and models its calls name."""

    calls: list[CallRecord]
    members: list[MemberRecord]
    models: list[ModelRecord]
