"""The demo's activity: AI calls, interviews and the credit packs bought when balances ran low."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from gateway.consumption.charges import fraction_e2, worth_e4
from gateway.consumption.enums import InterviewStatus
from gateway.core.calendar import add_months, billing_period_start, local_day, month_start
from gateway.core.money import credits_to_int
from gateway.demo.draws import credits_text, day_factor, days, history_start, local_time, poisson
from gateway.demo.records import DemoMember, DemoOpening, DemoOrg
from gateway.demo.specs import (
    CREDIT_BOUNDS_E4,
    CREDITS_PER_TOKEN_E4,
    MODEL_MIX,
    MODEL_TIER,
    REASON_CUM_BY_ROLE,
    REASONS,
    SONNET,
    TOKENS,
)
from gateway.orgs.enums import AiBillingMode, Role
from gateway.orgs.plans import plan_on, rolled_over


def models_for(
    org_id: str, mode: str, day: date, sonnet_45_from: date
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The models an organization's calls use, with cumulative weights."""
    sonnet = "claude-sonnet-4-5" if day >= sonnet_45_from else "claude-sonnet-4"
    mix = MODEL_MIX.get((org_id, mode), MODEL_MIX[("*", AiBillingMode.CREDITS)])
    models = tuple(sonnet if model == SONNET else model for model, _weight in mix)
    return models, tuple(float(w) for w in accumulate(weight for _model, weight in mix))


def switch_instant(org: DemoOrg, now: datetime) -> datetime:
    """Half-way through the current local month so far, at local midnight when there is room."""
    month_begins = datetime.combine(month_start(local_day(now, org.zone)), time(0), org.zone)
    halfway = month_begins + (now - month_begins) / 2
    midnight = datetime.combine(halfway.astimezone(org.zone).date(), time(0), org.zone)
    return (midnight if midnight > month_begins else halfway).astimezone(UTC)


def ai_call(
    rng: random.Random,
    org_id: str,
    member: DemoMember,
    at: datetime,
    mode: str,
    model: str,
) -> dict[str, Any]:
    reason = rng.choices(REASONS, cum_weights=REASON_CUM_BY_ROLE[member.role])[0]
    (in_lo, in_hi, in_mode), (out_lo, out_hi, out_mode) = TOKENS[reason]
    input_tokens = int(rng.triangular(in_lo, in_hi, in_mode))
    output_tokens = int(rng.triangular(out_lo, out_hi, out_mode))
    call: dict[str, Any] = {
        "orgId": org_id,
        "occurredAt": at,
        "memberId": member.id,
        "reason": reason,
        "billingMode": mode,
        "model": model,
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
    }
    if mode == AiBillingMode.CREDITS:
        rate = CREDITS_PER_TOKEN_E4[MODEL_TIER[model]]
        low, high = CREDIT_BOUNDS_E4[reason]
        raw = round((input_tokens + 4 * output_tokens) * rate * rng.uniform(0.9, 1.1))
        call["creditsCharged"] = credits_text(min(high, max(low, raw)))
    return call


def build_calls(
    rng: random.Random,
    org: DemoOrg,
    members: Sequence[DemoMember],
    now: datetime,
    scale: float,
    switch_at: datetime | None,
) -> list[dict[str, Any]]:
    spec, zone = org.spec, org.zone
    today = local_day(now, zone)
    first = history_start(today)
    sonnet_45_from = add_months(first, 6)
    calls: list[dict[str, Any]] = []
    for day in days(first, today):
        active = [m for m in members if m.active_on(day, zone)]
        if not active:
            continue
        cum = tuple(accumulate(m.weight for m in active))
        count = poisson(rng, spec.calls_per_weekday * scale * day_factor(day, first, today))
        for _ in range(count):
            at = local_time(rng, day, zone)
            if at > now:
                continue
            member = rng.choices(active, cum_weights=cum)[0]
            mode = spec.ai_mode
            if switch_at is not None:
                mode = AiBillingMode.BYOK if at >= switch_at else AiBillingMode.CREDITS
            models, model_cum = models_for(spec.id, mode, day, sonnet_45_from)
            model = rng.choices(models, cum_weights=model_cum)[0]
            calls.append(ai_call(rng, spec.id, member, at, mode, model))
    if switch_at is not None:
        # However early in the month, this month has calls on both sides of the switch.
        month_begins = datetime.combine(month_start(today), time(0), zone).astimezone(UTC)
        admin = next(m for m in members if m.role == Role.ACCOUNT_ADMIN)
        for mode, at in (
            (AiBillingMode.CREDITS, month_begins + (switch_at - month_begins) / 2),
            (AiBillingMode.BYOK, switch_at + (now - switch_at) / 2),
        ):
            models, model_cum = models_for(spec.id, mode, today, sonnet_45_from)
            model = rng.choices(models, cum_weights=model_cum)[0]
            calls.append(ai_call(rng, spec.id, admin, at, mode, model))
    calls.sort(key=lambda call: (call["occurredAt"], call["memberId"]))
    for number, call in enumerate(calls, start=1):
        call["eventId"] = f"{spec.id}-call-{number:07d}"
    return calls


def interview(rng: random.Random, invited_at: datetime) -> list[tuple[datetime, str, str | None]]:
    """The status events of one interview: ``(occurredAt, status, completedFraction)``."""
    if rng.random() < 0.02:
        # A recruiter trying the interview out: free, whatever happens next.
        events: list[tuple[datetime, str, str | None]] = [
            (invited_at, InterviewStatus.SIMULATION, None)
        ]
        if rng.random() < 0.5:
            events.append(
                (
                    invited_at + timedelta(minutes=rng.uniform(15, 40)),
                    InterviewStatus.COMPLETED,
                    None,
                )
            )
        return events
    events = [(invited_at, InterviewStatus.INVITED, None)]
    if rng.random() >= 0.75:
        return events  # invited, never started
    started = invited_at + timedelta(hours=min(240.0, 0.3 + rng.expovariate(1 / 30)))
    events.append((started, InterviewStatus.STARTED, None))
    outcome = rng.random()
    if outcome < 0.68:
        events.append(
            (started + timedelta(minutes=rng.uniform(20, 55)), InterviewStatus.COMPLETED, None)
        )
    elif outcome < 0.95:
        partial = started + timedelta(minutes=rng.uniform(5, 40))
        fraction = f"0.{rng.randint(10, 95):02d}"
        events.append((partial, InterviewStatus.PARTIALLY_COMPLETED, fraction))
        if rng.random() < 0.3:
            # Came back later and finished: pays the difference then.
            resumed = partial + timedelta(days=rng.uniform(1, 4))
            events.append((resumed, InterviewStatus.COMPLETED, None))
    return events


def build_interview_events(
    rng: random.Random,
    org: DemoOrg,
    openings: Sequence[DemoOpening],
    now: datetime,
    scale: float,
) -> tuple[list[dict[str, Any]], list[tuple[datetime, int]]]:
    """The status events of the interviews, and what each charged: ``(occurredAt, credits e4)``."""
    spec, zone = org.spec, org.zone
    today = local_day(now, zone)
    first = history_start(today)
    events: list[dict[str, Any]] = []
    charges: list[tuple[datetime, int]] = []
    interviews = 0
    candidates = 0
    for day in days(first, today):
        open_now = [
            o
            for o in openings
            if local_day(o.opened_at, zone) < day and (o.closes_on is None or day <= o.closes_on)
        ]
        if not open_now:
            continue
        cum = tuple(accumulate(o.popularity for o in open_now))
        count = poisson(rng, spec.invites_per_weekday * scale * day_factor(day, first, today))
        for _ in range(count):
            opening = rng.choices(open_now, cum_weights=cum)[0]
            interviews += 1
            # A few candidates interview for a second opening.
            if candidates and rng.random() < 0.05:
                candidate = rng.randint(1, candidates)
            else:
                candidates += 1
                candidate = candidates
            interview_id = f"{spec.id}-iv-{interviews:06d}"
            steps = interview(rng, local_time(rng, day, zone))
            free = any(status == InterviewStatus.SIMULATION for _at, status, _fraction in steps)
            high = 0
            for step, (at, status, fraction) in enumerate(steps, start=1):
                if at > now:
                    break  # not happened yet
                event: dict[str, Any] = {
                    "eventId": f"{interview_id}-{step}",
                    "orgId": spec.id,
                    "openingId": opening.id,
                    "interviewId": interview_id,
                    "candidateId": f"{spec.id}-cand-{candidate:06d}",
                    "occurredAt": at,
                    "status": status,
                }
                if fraction is not None:
                    event["completedFraction"] = fraction
                events.append(event)
                fraction_hundredths = fraction_e2(Decimal(fraction)) if fraction else None
                worth = worth_e4(InterviewStatus(status), fraction_hundredths)
                if not free and worth > high:
                    charges.append((at, worth - high))
                    high = worth
    events.sort(key=lambda event: (event["occurredAt"], event["eventId"]))
    charges.sort()
    return events, charges


def build_purchases(
    rng: random.Random, org: DemoOrg, charges: Sequence[tuple[datetime, int]], now: datetime
) -> list[dict[str, Any]]:
    """Packs bought when a billing period's balance runs low (at least one in the year)."""
    spec, zone = org.spec, org.zone
    anchor = spec.plan.anchor_day
    bought: list[tuple[datetime, int]] = []
    remaining = 0
    period = billing_period_start(org.active_since, anchor)
    position = 0
    plans = org.plan_records()
    while period <= local_day(now, zone):
        plan = plan_on(plans, period)
        assert plan is not None  # the first plan applies from the epoch
        ends_at = datetime.combine(add_months(period, 1), time(0), zone).astimezone(UTC)
        balance = plan.credits_per_period_e4 + rolled_over(plan, remaining)
        low = plan.credits_per_period_e4 // 10
        while position < len(charges) and charges[position][0] < ends_at:
            at, charge = charges[position]
            position += 1
            balance -= charge
            if balance < low:
                # Someone notices the next working day and tops up.
                day = local_day(at, zone) + timedelta(days=1)
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                when = datetime.combine(day, time(rng.randint(9, 17), rng.randrange(60)), zone)
                if when.astimezone(UTC) < min(now, ends_at):
                    pack = credits_to_int(spec.purchase_credits * rng.choice((1, 1, 2)))
                    bought.append((when.astimezone(UTC), pack))
                    balance += pack
        remaining = balance
        period = add_months(period, 1)
    if not bought:
        # Bought ahead of the last autumn hiring season.
        day = date(local_day(now, zone).year, 9, 1) + timedelta(days=rng.randint(0, 6))
        when = datetime.combine(day, time(10, rng.randrange(60)), zone).astimezone(UTC)
        if when > now:
            when = datetime.combine(day.replace(year=day.year - 1), time(10), zone)
            when = when.astimezone(UTC)
        bought.append((when, credits_to_int(spec.purchase_credits)))
    return [
        {
            "org_id": spec.id,
            "purchase_id": f"{spec.id}-purchase-{number:02d}",
            "credits_e4": credits,
            "occurred_at": at,
            "created_at": at,
        }
        for number, (at, credits) in enumerate(bought, start=1)
    ]
