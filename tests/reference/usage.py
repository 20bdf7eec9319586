"""The Settings → Usage page computed the slow, obvious way: from the raw AI-call events.

Nothing here reads the database or the gateway's own code paths; the only thing borrowed is the
default model catalog (ids, providers, tiers and prices). Every number is a ``Decimal`` or an
exact fraction until it is formatted, and every period is resolved with ``zoneinfo``.

``usage_page`` returns the page shaped like the GraphQL response, with these keys on top of the
contract's field names: ``summary.trendSamePoint`` (the trend with basis SAME_POINT_LAST_MONTH),
``activity.nodes`` (every call of the period, newest first, without ids or cursors) and the three
time series ``day``, ``week`` and ``month``. Members appear as ``{"name", "email"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from gateway.catalog.defaults import DEFAULT_CATALOG

PROVIDER_NAMES = {"ANTHROPIC": "Anthropic", "OPENAI": "OpenAI"}
REASON_LABELS = {"CHAT": "Chat", "GENERATE_FIELD": "Generate field", "SUMMARIZE_CV": "Summarize CV"}
DASHBOARDS = {
    "ANTHROPIC": "https://console.anthropic.com/settings/usage",
    "OPENAI": "https://platform.openai.com/usage",
}
UNKNOWN_USER = "Unknown user"
MODELS = {
    m.id: (m.provider, m.tier, m.input_usd_per_million, m.output_usd_per_million)
    for m in DEFAULT_CATALOG
}
MICRO = Decimal("0.000001")
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    email: str
    removed: bool = False


@dataclass
class Org:
    id: str
    time_zone: str = "UTC"
    mode: str = "CREDITS"
    provider: str | None = None
    anchor_day: int = 1
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def add_member(self, member_id: str, *, removed: bool = False) -> Member:
        """A member as ``tests.support.put_member`` creates it."""
        member = Member(member_id, f"Member {member_id}", f"{member_id}@example.com", removed)
        self.members[member_id] = member
        return member


@dataclass(frozen=True)
class Period:
    preset: str | None
    first_day: date
    end_day: date  # exclusive
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Call:
    event_id: str
    occurred_at: datetime
    member_id: str
    reason: str
    mode: str
    provider: str
    tier: str
    credits: Decimal
    cost: Decimal | None
    tokens: int


# ------------------------------------------------------------------ formatting


def _fixed(value: Decimal, places: int) -> str:
    """Plain notation at a fixed scale; a value finer than the scale is a mistake here."""
    fixed = value.quantize(Decimal(1).scaleb(-places))
    if fixed != value:
        raise ValueError(f"{value} has more than {places} decimals")
    return f"{fixed:f}"


def fmt_credits(value: Decimal) -> str:
    """Credits as the API prints them: always 4 decimals."""
    return _fixed(value, 4)


def fmt_usd(value: Decimal) -> str:
    """US dollars as the API prints them: always 6 decimals."""
    return _fixed(value, 6)


def model_label(provider: str, tier: str) -> str:
    return f"{PROVIDER_NAMES[provider]} {tier}"


# ------------------------------------------------------------------ periods


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` away from ``day``'s month, keeping ``day.day`` if it fits."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(day.day, days_in_month(year, month0 + 1)))


def days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def billing_start(today: date, anchor: int) -> date:
    if today.day >= anchor:
        return today.replace(day=anchor)
    return add_months(today.replace(day=anchor), -1)


def resolve_period(
    org: Org,
    now: datetime,
    *,
    preset: str | None = None,
    from_: date | None = None,
    to: date | None = None,
) -> Period:
    zone = org.zone
    today = now.astimezone(zone).date()
    if preset == "THIS_MONTH":
        first = today.replace(day=1)
        end = add_months(first, 1)
    elif preset == "LAST_MONTH":
        end = today.replace(day=1)
        first = add_months(end, -1)
    elif preset == "CURRENT_BILLING_PERIOD":
        first = billing_start(today, org.anchor_day)
        end = add_months(first, 1)
    elif preset == "PREVIOUS_BILLING_PERIOD":
        end = billing_start(today, org.anchor_day)
        first = add_months(end, -1)
    elif preset is None:
        assert from_ is not None and to is not None and from_ <= to
        first, end = from_, to + timedelta(days=1)
    else:
        raise ValueError(preset)
    return Period(preset, first, end, local_midnight(first, zone), local_midnight(end, zone))


# ------------------------------------------------------------------ events


def call_cost(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """USD of one BYOK call: tokens x price per million, rounded half-up to 6 places."""
    _, _, price_in, price_out = MODELS[model]
    raw = (Decimal(input_tokens) * price_in + Decimal(output_tokens) * price_out) / MILLION
    return raw.quantize(MICRO, rounding=ROUND_HALF_UP)


def parse_call(event: Mapping[str, Any]) -> Call:
    occurred = datetime.fromisoformat(str(event["occurredAt"]).replace("Z", "+00:00"))
    assert occurred.tzinfo is not None
    provider, tier, _, _ = MODELS[event["model"]]
    tokens_in = int(event.get("inputTokens", 0))
    tokens_out = int(event.get("outputTokens", 0))
    byok = event["billingMode"] == "BYOK"
    return Call(
        event_id=str(event["eventId"]),
        occurred_at=occurred,
        member_id=str(event["memberId"]),
        reason=str(event["reason"]),
        mode=str(event["billingMode"]),
        provider=provider,
        tier=tier,
        credits=Decimal(0) if byok else Decimal(str(event.get("creditsCharged") or "0")),
        cost=call_cost(event["model"], tokens_in, tokens_out) if byok else None,
        tokens=tokens_in + tokens_out,
    )


def _in(calls: Iterable[Call], start: datetime, end: datetime) -> list[Call]:
    return [c for c in calls if start <= c.occurred_at < end]


# ------------------------------------------------------------------ cards


@dataclass
class _Totals:
    credits: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    calls: int = 0

    def add(self, call: Call) -> None:
        self.credits += call.credits
        self.cost += call.cost or Decimal(0)
        self.calls += 1

    def cells(self) -> dict[str, Any]:
        return {
            "creditsCharged": fmt_credits(self.credits),
            "estimatedCostUsd": fmt_usd(self.cost),
            "calls": self.calls,
        }


def _ratio(numerator: Decimal, denominator: Decimal) -> float:
    if denominator == 0:
        return 0.0
    return float(Fraction(numerator) / Fraction(denominator))


def trend(this: Decimal, last: Decimal, suffix: str) -> dict[str, Any]:
    """The pill: percent rounded half away from zero; FLAT at 0; 'new' when last is 0."""
    previous = fmt_credits(last)
    if last == 0:
        if this == 0:
            return {
                "direction": "FLAT",
                "percent": None,
                "label": f"flat {suffix}",
                "previousCreditsCharged": previous,
            }
        return {
            "direction": "UP",
            "percent": None,
            "label": f"new {suffix}",
            "previousCreditsCharged": previous,
        }
    change = (Fraction(this) - Fraction(last)) * 100 / Fraction(last)
    magnitude = abs(change)
    whole = int(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    percent = whole if change >= 0 else -whole
    if percent == 0:
        direction, label = "FLAT", f"flat {suffix}"
    elif percent > 0:
        direction, label = "UP", f"+{percent}% {suffix}"
    else:
        direction, label = "DOWN", f"{percent}% {suffix}"
    return {
        "direction": direction,
        "percent": percent,
        "label": label,
        "previousCreditsCharged": previous,
    }


def same_point_last_month(this_month_start: date, now: datetime, zone: ZoneInfo) -> datetime:
    """The instant of last month matching ``now``'s local day and wall-clock time (clamped)."""
    local = now.astimezone(zone)
    last_first = add_months(this_month_start, -1)
    if local.day > days_in_month(last_first.year, last_first.month):
        return local_midnight(this_month_start, zone)
    wall = datetime.combine(
        last_first.replace(day=local.day), local.time().replace(tzinfo=None), tzinfo=zone
    )
    return min(wall, local_midnight(this_month_start, zone))


def _buckets(calls: list[Call], period: Period, zone: ZoneInfo, granularity: str) -> list[Any]:
    def key(day: date) -> date:
        if granularity == "DAY":
            return day
        if granularity == "WEEK":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    starts: list[date] = []
    cursor = key(period.first_day)
    while cursor < period.end_day:
        starts.append(cursor)
        if granularity == "DAY":
            cursor += timedelta(days=1)
        elif granularity == "WEEK":
            cursor += timedelta(days=7)
        else:
            cursor = add_months(cursor, 1)
    totals = {start: _Totals() for start in starts}
    for call in calls:
        totals[key(call.occurred_at.astimezone(zone).date())].add(call)
    return [{"start": start.isoformat(), **totals[start].cells()} for start in starts]


def _member_cell(org: Org, member_id: str) -> dict[str, str] | None:
    member = org.members.get(member_id)
    if member is None or member.removed:
        return None
    return {"name": member.name, "email": member.email}


def _activity_node(org: Org, call: Call) -> dict[str, Any]:
    byok = call.mode == "BYOK"
    return {
        "occurredAt": call.occurred_at.astimezone(org.zone).isoformat(),
        "reason": call.reason,
        "reasonLabel": REASON_LABELS[call.reason],
        "member": _member_cell(org, call.member_id),
        "billingMode": call.mode,
        "creditsCharged": None if byok else fmt_credits(call.credits),
        "totalTokens": call.tokens if byok else None,
        "estimatedCostUsd": fmt_usd(call.cost) if byok and call.cost is not None else None,
        "model": (
            {
                "provider": call.provider,
                "tier": call.tier,
                "label": model_label(call.provider, call.tier),
            }
            if byok
            else None
        ),
    }


def usage_page(
    org: Org,
    events: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    preset: str | None = None,
    from_: date | None = None,
    to: date | None = None,
    by_user_first: int = 500,
) -> dict[str, Any]:
    """Every card of ``Organization.usage`` for one period, from the organization's raw events."""
    zone = org.zone
    period = resolve_period(org, now, preset=preset, from_=from_, to=to)
    every = [parse_call(e) for e in events if e.get("orgId", org.id) == org.id]
    calls = _in(every, period.start, period.end)

    total = _Totals()
    reasons: dict[str, _Totals] = {}
    users: dict[str, _Totals] = {}
    models: dict[tuple[str, str], _Totals] = {}
    for call in calls:
        total.add(call)
        reasons.setdefault(call.reason, _Totals()).add(call)
        member = org.members.get(call.member_id)
        user_key = call.member_id if member is not None and not member.removed else ""
        users.setdefault(user_key, _Totals()).add(call)
        models.setdefault((call.provider, call.tier), _Totals()).add(call)
    by_credits = total.credits > 0

    def metric(t: _Totals) -> Decimal:
        return t.credits if by_credits else t.cost

    by_reason = sorted(
        reasons.items(), key=lambda kv: (-metric(kv[1]), -kv[1].calls, REASON_LABELS[kv[0]])
    )
    by_model = sorted(
        models.items(), key=lambda kv: (-metric(kv[1]), -kv[1].calls, model_label(*kv[0]))
    )
    top = metric(by_model[0][1]) if by_model else Decimal(0)

    user_rows = []
    for member_id, totals in users.items():
        name = org.members[member_id].name if member_id else UNKNOWN_USER
        user_rows.append((name, member_id, totals))
    user_rows.sort(key=lambda row: (-row[2].credits, -row[2].calls, row[0]))

    trend_cards: dict[str, Any] = {"trend": None, "trendSamePoint": None}
    if preset == "THIS_MONTH":
        last_start = local_midnight(add_months(period.first_day, -1), zone)
        this_credits = total.credits
        last_all = sum((c.credits for c in _in(every, last_start, period.start)), Decimal(0))
        boundary = same_point_last_month(period.first_day, now, zone)
        last_same = sum((c.credits for c in _in(every, last_start, boundary)), Decimal(0))
        trend_cards = {
            "trend": trend(this_credits, last_all, "vs last month"),
            "trendSamePoint": trend(this_credits, last_same, "vs same point last month"),
        }

    activity = sorted(calls, key=lambda c: (c.occurred_at, c.event_id), reverse=True)
    byok = org.mode == "BYOK"
    return {
        "preset": preset,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "trackingAvailable": not byok,
        "byokNotice": (
            {"provider": org.provider, "providerDashboardUrl": DASHBOARDS[str(org.provider)]}
            if byok
            else None
        ),
        "summary": {
            "creditsCharged": fmt_credits(total.credits),
            "estimatedCostUsd": fmt_usd(total.cost),
            "calls": total.calls,
            "byokCalls": sum(1 for c in calls if c.mode == "BYOK"),
            "featureTypeCount": len(reasons),
            "modelTierCount": len(models),
            **trend_cards,
        },
        "byReason": [
            {"reason": reason, "label": REASON_LABELS[reason], **totals.cells()}
            for reason, totals in by_reason
        ],
        "byUser": {
            "totalCount": len(user_rows),
            "nodes": [
                {
                    "displayName": name,
                    "member": _member_cell(org, member_id) if member_id else None,
                    **totals.cells(),
                    "share": _ratio(totals.credits, total.credits),
                }
                for name, member_id, totals in user_rows[:by_user_first]
            ],
        },
        "byModel": [
            {
                "provider": provider,
                "tier": tier,
                "label": model_label(provider, tier),
                **totals.cells(),
                "relativeToMax": _ratio(metric(totals), top),
            }
            for (provider, tier), totals in by_model
        ],
        "activity": {
            "totalCount": len(calls),
            "nodes": [_activity_node(org, c) for c in activity],
        },
        "day": _buckets(calls, period, zone, "DAY"),
        "week": _buckets(calls, period, zone, "WEEK"),
        "month": _buckets(calls, period, zone, "MONTH"),
    }


# ------------------------------------------------------------------ comparing


def approx_floats(tree: Any, *, rel: float = 1e-9) -> Any:
    """``tree`` with every float replaced by ``pytest.approx`` (shares and ratios)."""
    import pytest

    if isinstance(tree, float):
        return pytest.approx(tree, rel=rel, abs=1e-12)
    if isinstance(tree, dict):
        return {k: approx_floats(v, rel=rel) for k, v in tree.items()}
    if isinstance(tree, list):
        return [approx_floats(v, rel=rel) for v in tree]
    return tree


def project(full: Any, like: Any) -> Any:
    """The parts of ``full`` that ``like`` has (dict keys, recursively; lists item by item)."""
    if isinstance(like, dict) and isinstance(full, dict):
        return {k: project(full[k], v) for k, v in like.items()}
    if isinstance(like, list) and isinstance(full, list) and like:
        return [project(item, like[i] if i < len(like) else like[0]) for i, item in enumerate(full)]
    return full
