"""The rules behind the Usage page's numbers (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from gateway.catalog.defaults import default_label
from gateway.core.buckets import Granularity, bucket_start, bucket_starts, percent_change
from gateway.core.calendar import add_months, local_midnight
from gateway.core.periods import Period
from gateway.orgs.enums import PROVIDER_NAMES, AiBillingMode, AiProvider
from gateway.usage.enums import TrendDirection, UsageReason
from gateway.usage.records import Totals

UNKNOWN_USER = "Unknown user"
PROVIDER_DASHBOARDS = {
    AiProvider.ANTHROPIC: ("Anthropic Console", "https://console.anthropic.com/settings/usage"),
    AiProvider.OPENAI: ("OpenAI Platform", "https://platform.openai.com/usage"),
}

T = TypeVar("T")


def ordered(
    rows: Iterable[T], *, by_credits: bool, totals: Callable[[T], Totals], label: Callable[[T], str]
) -> list[T]:
    """Credits (or estimated cost when the period has no credits) desc, calls desc, label."""

    def key(row: T) -> tuple[int, int, str]:
        sums = totals(row)
        metric = sums.credits_e4 if by_credits else sums.cost_micros
        return (-metric, -sums.calls, label(row))

    return sorted(rows, key=key)


def relative(values: Sequence[int]) -> list[float]:
    """Each value over the first (the largest); 0 when that is 0."""
    top = values[0] if values else 0
    return [value / top if top else 0.0 for value in values]


@dataclass(frozen=True)
class SummaryFigures:
    credits_e4: int
    cost_micros: int
    calls: int
    byok_calls: int
    feature_type_count: int
    model_tier_count: int


def summary(reasons: Sequence[Totals], models: Sequence[Totals]) -> SummaryFigures:
    """Reason totals are keyed ``(billing_mode, reason)``; model totals ``(provider, tier)``."""
    return SummaryFigures(
        credits_e4=sum(t.credits_e4 for t in reasons),
        cost_micros=sum(t.cost_micros for t in reasons),
        calls=sum(t.calls for t in reasons),
        byok_calls=sum(t.calls for t in reasons if t.key[0] == AiBillingMode.BYOK),
        feature_type_count=len({t.key[1] for t in reasons}),
        model_tier_count=len(models),
    )


@dataclass(frozen=True)
class ReasonFigures:
    reason: UsageReason
    totals: Totals


def by_reason(reasons: Sequence[Totals]) -> list[ReasonFigures]:
    """Both billing modes of a reason merged; ordered by credits, else by cost."""
    merged: dict[str, Totals] = {}
    for totals in reasons:
        reason = totals.key[1]
        merged[reason] = merged[reason] + totals if reason in merged else totals.rekeyed((reason,))
    by_credits = any(t.credits_e4 for t in merged.values())
    rows = ordered(
        merged.values(), by_credits=by_credits, totals=lambda t: t, label=lambda t: t.key[0]
    )
    return [ReasonFigures(UsageReason(t.key[0]), t) for t in rows]


@dataclass(frozen=True)
class ModelFigures:
    provider: AiProvider
    tier: str
    label: str
    totals: Totals
    relative_to_max: float


def by_model(models: Sequence[Totals]) -> list[ModelFigures]:
    """One bar per provider and tier, the longest first."""
    by_credits = any(t.credits_e4 for t in models)

    def label(t: Totals) -> str:
        return default_label(AiProvider(t.key[0]), t.key[1])

    rows = ordered(models, by_credits=by_credits, totals=lambda t: t, label=label)
    metric = [t.credits_e4 if by_credits else t.cost_micros for t in rows]
    return [
        ModelFigures(AiProvider(t.key[0]), t.key[1], label(t), t, share)
        for t, share in zip(rows, relative(metric), strict=True)
    ]


@dataclass(frozen=True)
class TrendFigures:
    direction: TrendDirection
    percent: int | None
    label: str
    previous_credits_e4: int


def trend(current: int, previous: int, *, against: str) -> TrendFigures:
    percent = percent_change(current, previous)
    if percent is None:
        if current == 0:
            return TrendFigures(TrendDirection.FLAT, None, f"flat vs {against}", previous)
        return TrendFigures(TrendDirection.UP, None, f"new vs {against}", previous)
    if percent == 0:
        return TrendFigures(TrendDirection.FLAT, 0, f"flat vs {against}", previous)
    direction = TrendDirection.UP if percent > 0 else TrendDirection.DOWN
    return TrendFigures(direction, percent, f"{percent:+d}% vs {against}", previous)


def same_point_last_month(
    now: datetime, this_month: date, last_month: date, zone: ZoneInfo
) -> datetime:
    """The same local day and time one month back (this month's start when that day does not
    exist last month)."""
    local = now.astimezone(zone)
    try:
        return local.replace(year=last_month.year, month=last_month.month, fold=0)
    except ValueError:
        return local_midnight(this_month, zone)


@dataclass(frozen=True)
class Bucket:
    start: date
    calls: int = 0
    credits_e4: int = 0
    cost_micros: int = 0


def buckets(period: Period, granularity: Granularity, days: Iterable[Totals]) -> list[Bucket]:
    """Day totals (keyed ``(day,)``) summed into the period's buckets, empty ones included."""
    sums = {start: Totals((start,)) for start in bucket_starts(period, granularity)}
    for totals in days:
        day: date = totals.key[0]
        if period.first_day <= day < period.end_day:
            start = bucket_start(day, granularity)
            sums[start] = sums[start] + totals
    return [Bucket(start, t.calls, t.credits_e4, t.cost_micros) for start, t in sums.items()]


@dataclass(frozen=True)
class ByokNotice:
    provider: AiProvider
    message: str
    provider_dashboard_url: str


def byok_notice(mode: AiBillingMode, provider: AiProvider | None) -> ByokNotice | None:
    """Shown while the organization pays for AI with its own key."""
    if mode is not AiBillingMode.BYOK or provider is None:
        return None
    name = PROVIDER_NAMES[provider]
    dashboard, url = PROVIDER_DASHBOARDS[provider]
    return ByokNotice(
        provider=provider,
        message=(
            f"Usage tracking is not available while your organization uses its own {name} "
            f"key: Ivy sends calls straight to {name}, so the full token and cost breakdown "
            f"is in the {dashboard}."
        ),
        provider_dashboard_url=url,
    )


def first_recountable_month(kept_since: datetime) -> date:
    """The first month whose calls are all still kept, in every time zone, when the raw calls
    before ``kept_since`` were dropped: the month after the UTC month holding it (a local month
    starts within a day of the UTC one). Rollups before it can no longer be recounted."""
    moment = kept_since.astimezone(UTC)
    return add_months(date(moment.year, moment.month, 1), 1)
