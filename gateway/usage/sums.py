"""What each AI call adds to the daily and monthly rollups (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.catalog.records import ModelRecord
from gateway.core.calendar import DayBuckets, local_day
from gateway.usage.records import CallRecord


@dataclass(frozen=True, slots=True)
class CallFacts:
    """The parts of a call that the rollups count."""

    org_id: str
    occurred_at: datetime
    billing_mode: str
    reason: str
    member_id: str
    provider: str
    tier: str
    credits_e4: int
    cost_micros: int
    tokens: int

    @classmethod
    def of(cls, call: CallRecord, model: ModelRecord) -> CallFacts:
        return cls(
            org_id=call.org_id,
            occurred_at=call.occurred_at,
            billing_mode=call.billing_mode.value,
            reason=call.reason.value,
            member_id=call.member_id,
            provider=model.provider.value,
            tier=model.tier,
            credits_e4=call.credits_e4,
            cost_micros=call.cost_micros,
            tokens=call.tokens,
        )


ROLLUP_SUMS = ("calls", "credits_e4", "cost_micros", "tokens")


class RollupSums:
    """The four sums every AI rollup row carries, added up in place."""

    __slots__ = ("calls", "cost_micros", "credits_e4", "tokens")

    def __init__(self) -> None:
        self.calls = self.credits_e4 = self.cost_micros = self.tokens = 0

    def add_call(self, call: CallFacts) -> None:
        self.calls += 1
        self.credits_e4 += call.credits_e4
        self.cost_micros += call.cost_micros
        self.tokens += call.tokens

    def __iadd__(self, other: RollupSums) -> RollupSums:
        self.calls += other.calls
        self.credits_e4 += other.credits_e4
        self.cost_micros += other.cost_micros
        self.tokens += other.tokens
        return self

    def __neg__(self) -> RollupSums:
        out = RollupSums()
        out.calls, out.credits_e4 = -self.calls, -self.credits_e4
        out.cost_micros, out.tokens = -self.cost_micros, -self.tokens
        return out

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.calls, self.credits_e4, self.cost_micros, self.tokens)

    def as_columns(self) -> dict[str, int]:
        return {
            "calls": self.calls,
            "credits_e4": self.credits_e4,
            "cost_micros": self.cost_micros,
            "tokens": self.tokens,
        }


# Each rollup's key columns after (org_id, day or month, billing_mode).
_DIMENSIONS = {
    "reason": ("reason",),
    "member": ("member_id",),
    "model": ("provider", "tier"),
}

# What one call adds to, in every rollup at once:
# (org_id, day, month, billing_mode, reason, member_id, provider, tier).
DeltaKey = tuple[str, date, date, str, str, str, str, str]
DELTA_COLUMNS = (
    "org_id",
    "day",
    "month",
    "billing_mode",
    "reason",
    "member_id",
    "provider",
    "tier",
    *ROLLUP_SUMS,
)


def call_deltas(
    calls: Iterable[CallFacts], zones: Mapping[str, ZoneInfo]
) -> dict[DeltaKey, RollupSums]:
    """The calls summed per delta key (a batch repeats them)."""
    full: dict[DeltaKey, RollupSums] = {}
    buckets = DayBuckets()
    for call in calls:
        # Each call's own local day: no instant stands for its neighbours (see local_day).
        bucket = buckets[local_day(call.occurred_at, zones[call.org_id])]
        key = (
            call.org_id,
            *bucket,
            call.billing_mode,
            call.reason,
            call.member_id,
            call.provider,
            call.tier,
        )
        sums = full.get(key)
        if sums is None:
            sums = full[key] = RollupSums()
        sums.add_call(call)
    return full


def rollup_rows(deltas: Mapping[DeltaKey, RollupSums]) -> dict[str, list[dict[str, Any]]]:
    """The deltas summed into one row per key of every daily and monthly rollup."""
    by_rollup: dict[str, dict[tuple[Any, ...], RollupSums]] = {}
    for (org_id, day, month, mode, reason, member_id, provider, tier), sums in deltas.items():
        for grain, bucket in (("daily", day), ("monthly", month)):
            for name, rest in (
                (f"{grain}_by_reason", (reason,)),
                (f"{grain}_by_member", (member_id,)),
                (f"{grain}_by_model", (provider, tier)),
            ):
                rows = by_rollup.setdefault(name, {})
                target = rows.get((org_id, bucket, mode, *rest))
                if target is None:
                    target = rows[(org_id, bucket, mode, *rest)] = RollupSums()
                target += sums
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in by_rollup.items():
        grain, dimension = name.split("_by_")
        time_column = "day" if grain == "daily" else "month"
        names = ("org_id", time_column, "billing_mode", *_DIMENSIONS[dimension])
        out[name] = [
            {**dict(zip(names, key, strict=True)), **sums.as_columns()}
            for key, sums in rows.items()
        ]
    return out


def ai_rollup_rows(
    calls: Iterable[CallFacts], zones: Mapping[str, ZoneInfo]
) -> dict[str, list[dict[str, Any]]]:
    """Sum the calls into one row per key of every daily and monthly rollup."""
    return rollup_rows(call_deltas(calls, zones))
