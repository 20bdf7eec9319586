"""The Tenant Management → Consumption page computed the slow, obvious way.

Everything is derived from the raw interview events, the credit purchases and the plan history
of one organization; nothing reads the database or the gateway's code. Numbers stay ``Decimal``
(or exact ``Fraction``) until they are formatted; periods are resolved with ``zoneinfo``.

``Ledger.consumption`` returns a ``ConsumptionPeriod`` shaped like the GraphQL response, with the
three trends under ``daily``, ``weekly`` and ``monthly`` (the aliases of the page query) and
``byOpening`` as the complete ordered list of its nodes, each with ``openingId`` (the raw id)
instead of ``opening``.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

STATUSES = ("INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "SIMULATION")
CENT = Decimal("0.01")
EXPORT_HEADER = [
    "Date",
    "Job title",
    "Candidate count",
    "Credits used",
    "Invited",
    "Started",
    "Partially completed",
    "Completed",
    "Simulation",
]


def fmt(value: Decimal | Fraction | int) -> str:
    """Credits as the API prints them: plain notation, always 4 decimals (a value finer than
    that is a mistake here, not something to round away)."""
    exact = Fraction(value)
    fixed = Decimal(round(exact * 10_000)).scaleb(-4)
    if Fraction(fixed) != exact:
        raise ValueError(f"{value} has more than 4 decimals")
    return f"{fixed:f}"


def round_half_away(value: Fraction) -> int:
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def billing_start(day: date, anchor: int) -> date:
    start = date(day.year, day.month, anchor)
    return start if day >= start else add_months(start, -1)


def minus_year(wall: datetime) -> datetime:
    try:
        return wall.replace(year=wall.year - 1)
    except ValueError:  # 29 February
        return wall.replace(year=wall.year - 1, day=28)


@dataclass(frozen=True)
class Plan:
    included: Decimal
    rollover: str = "NONE"
    cap: Decimal | None = None
    anchor: int = 1

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "interviewCreditsPerPeriod": str(self.included),
            "rollover": self.rollover,
            "billingAnchorDay": self.anchor,
        }
        if self.cap is not None:
            body["rolloverCap"] = str(self.cap)
        return body

    def carry(self, remaining: Decimal) -> Decimal:
        remaining = max(Decimal(0), remaining)
        if self.rollover == "FULL":
            return remaining
        if self.rollover == "CAPPED":
            assert self.cap is not None
            return min(remaining, self.cap)
        return Decimal(0)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Event:
    event_id: str
    opening_id: str
    interview_id: str
    candidate_id: str
    at: datetime
    status: str
    fraction: Decimal | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Event:
        fraction = body.get("completedFraction")
        return cls(
            event_id=body["eventId"],
            opening_id=body["openingId"],
            interview_id=body["interviewId"],
            candidate_id=body["candidateId"],
            at=_instant(body["occurredAt"]),
            status=body["status"],
            fraction=None if fraction is None else Decimal(str(fraction)),
        )

    @property
    def worth(self) -> Decimal:
        if self.status == "COMPLETED":
            return Decimal(1)
        if self.status == "PARTIALLY_COMPLETED":
            assert self.fraction is not None
            return self.fraction.quantize(CENT, rounding=ROUND_HALF_UP)
        return Decimal(0)

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.at, self.event_id)


@dataclass(frozen=True)
class Purchase:
    purchase_id: str
    credits: Decimal
    at: datetime

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Purchase:
        return cls(body["purchaseId"], Decimal(str(body["credits"])), _instant(body["occurredAt"]))


@dataclass(frozen=True)
class Span:
    """A half-open span of instants, with the local dates it was made from (if any)."""

    start: datetime
    end: datetime
    first_day: date
    end_day: date  # exclusive
    preset: str | None = None

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


@dataclass
class Ledger:
    """One organization: time zone, plan history, openings, events and purchases."""

    time_zone: str
    active_since: date
    first_plan: Plan
    openings: dict[str, str] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    purchases: dict[str, Purchase] = field(default_factory=dict)
    # (first billing-period start it applies to, plan), in the order the changes were made.
    changes: list[tuple[date, Plan]] = field(default_factory=list)

    # ------------------------------------------------------------------ input

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def anchor(self) -> int:
        return self.first_plan.anchor

    def add_events(self, bodies: Iterable[Mapping[str, Any]]) -> None:
        for body in bodies:
            event = Event.from_json(body)
            self.events.setdefault(event.event_id, event)

    def add_purchase(self, body: Mapping[str, Any]) -> None:
        purchase = Purchase.from_json(body)
        self.purchases.setdefault(purchase.purchase_id, purchase)

    def change_plan(self, plan: Plan, *, today: date) -> None:
        """A plan put on local day ``today`` applies from the next billing period."""
        start = add_months(billing_start(today, self.anchor), 1)
        self.changes.append((start, plan))

    # ------------------------------------------------------------------ calendar

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def span(self, first_day: date, end_day: date, preset: str | None = None) -> Span:
        return Span(self.midnight(first_day), self.midnight(end_day), first_day, end_day, preset)

    def billing_period(self, day: date) -> Span:
        start = billing_start(day, self.anchor)
        return self.span(start, add_months(start, 1))

    def period(
        self,
        now: datetime,
        *,
        preset: str | None = None,
        start: date | None = None,
        to: date | None = None,
    ) -> Span:
        today = self.local_day(now)
        if preset is None:
            assert start is not None and to is not None
            return self.span(start, to + timedelta(days=1))
        if preset in ("THIS_MONTH", "LAST_MONTH"):
            first = add_months(today.replace(day=1), 0 if preset == "THIS_MONTH" else -1)
            return self.span(first, add_months(first, 1), preset)
        current = billing_start(today, self.anchor)
        if preset == "PREVIOUS_BILLING_PERIOD":
            current = add_months(current, -1)
        return self.span(current, add_months(current, 1), preset)

    def plan_for(self, period_start: date) -> Plan:
        plan = self.first_plan
        for start, changed in self.changes:
            if start <= period_start:
                plan = changed
        return plan

    # ------------------------------------------------------------------ charges

    def _facts(self) -> tuple[dict[str, Decimal], set[str], dict[tuple[str, str], Event]]:
        """Charge per event, simulated interviews, and each interview's first event per status."""
        by_interview: dict[str, list[Event]] = defaultdict(list)
        for event in self.events.values():
            by_interview[event.interview_id].append(event)
        simulated = {e.interview_id for e in self.events.values() if e.status == "SIMULATION"}
        charges: dict[str, Decimal] = {}
        firsts: dict[tuple[str, str], Event] = {}
        for interview, events in by_interview.items():
            events.sort(key=lambda e: e.order)
            running = Decimal(0)
            for event in events:
                worth = event.worth
                charge = Decimal(0)
                if interview not in simulated and worth > running:
                    charge = worth - running
                running = max(running, worth)
                charges[event.event_id] = charge
                counts = (event.status == "SIMULATION") == (interview in simulated)
                if counts:
                    firsts.setdefault((interview, event.status), event)
        return charges, simulated, firsts

    def used(self, start: datetime, end: datetime) -> Decimal:
        charges, _, _ = self._facts()
        return sum(
            (charges[e.event_id] for e in self.events.values() if start <= e.at < end),
            Decimal(0),
        )

    def total_interviews(self, start: datetime, end: datetime) -> int:
        _, simulated, _ = self._facts()
        return len(
            {
                e.interview_id
                for e in self.events.values()
                if start <= e.at < end
                and e.interview_id not in simulated
                and e.status in ("COMPLETED", "PARTIALLY_COMPLETED")
            }
        )

    # ------------------------------------------------------------------ balance

    def chain(self, target: date, now: datetime) -> list[dict[str, Any]]:
        """Every billing period from the first one up to the one starting on ``target``."""
        first = billing_start(self.active_since, self.anchor)
        if target < first:
            raise ValueError(f"{target} is before the first billing period {first}")
        charges, _, _ = self._facts()
        periods: list[dict[str, Any]] = []
        start = first
        remaining = Decimal(0)
        while start <= target:
            span = self.span(start, add_months(start, 1))
            plan = self.plan_for(start)
            rolled = plan.carry(remaining) if periods else Decimal(0)
            purchases = [p for p in self.purchases.values() if p.at in span and p.at <= now]
            purchased = sum((p.credits for p in purchases), Decimal(0))
            events = [e for e in self.events.values() if e.at in span and e.at <= now]
            used = sum((charges[e.event_id] for e in events), Decimal(0))
            total = plan.included + rolled + purchased
            remaining = total - used
            periods.append(
                {
                    "span": span,
                    "included": plan.included,
                    "rolledOver": rolled,
                    "purchased": purchased,
                    "total": total,
                    "used": used,
                    "remaining": remaining,
                    "purchases": purchases,
                    "events": events,
                }
            )
            start = add_months(start, 1)
        return periods

    def _forecast(self, billing: dict[str, Any], now: datetime) -> dict[str, Any]:
        span: Span = billing["span"]
        today = self.local_day(now)
        total: Decimal = billing["total"]
        used: Decimal = billing["used"]
        remaining: Decimal = billing["remaining"]
        if not span.first_day <= today < span.end_day:  # a past billing period
            charges, _, _ = self._facts()
            daily_use: dict[date, Decimal] = defaultdict(Decimal)
            daily_buy: dict[date, Decimal] = defaultdict(Decimal)
            for e in billing["events"]:
                daily_use[self.local_day(e.at)] += charges[e.event_id]
            for p in billing["purchases"]:
                daily_buy[self.local_day(p.at)] += p.credits
            balance = billing["included"] + billing["rolledOver"]
            spent = Decimal(0)
            runs_out = None
            day = span.first_day
            while day < span.end_day:
                balance += daily_buy[day] - daily_use[day]
                spent += daily_use[day]
                if spent > 0 and balance <= 0:
                    runs_out = day.isoformat()
                    break
                day += timedelta(days=1)
            return {
                "projectedCreditsUsed": fmt(used),
                "projectedRemainingBalance": fmt(remaining),
                "runsOutOn": runs_out,
                "recommendedPurchase": fmt(Decimal(0)),
            }
        recent = self.used(self.midnight(today - timedelta(days=14)), self.midnight(today))
        rate = Fraction(recent) / 14
        remaining_days = (span.end_day - today).days
        projected = _round_half_up(Fraction(used) + rate * remaining_days)
        projected_remaining = total - projected
        if remaining <= 0:
            runs_out: str | None = today.isoformat()
        elif rate == 0:
            runs_out = None
        else:
            day = today + timedelta(days=math.floor(Fraction(remaining) / rate))
            runs_out = day.isoformat() if day < span.end_day else None
        shortfall = max(Decimal(0), -projected_remaining)
        recommended = math.ceil(Fraction(shortfall) * Fraction(6, 5))
        return {
            "projectedCreditsUsed": fmt(projected),
            "projectedRemainingBalance": fmt(projected_remaining),
            "runsOutOn": runs_out,
            "recommendedPurchase": fmt(Decimal(recommended)),
        }

    # ------------------------------------------------------------------ cards

    def buckets(self, span: Span, granularity: str) -> list[dict[str, Any]]:
        charges, simulated, firsts = self._facts()
        if granularity == "DAY":
            starts = []
            day = span.first_day
            while day < span.end_day:
                starts.append(day)
                day += timedelta(days=1)

            def key(d: date) -> date:
                return d
        elif granularity == "WEEK":
            monday = span.first_day - timedelta(days=span.first_day.weekday())
            starts = []
            while monday < span.end_day:
                starts.append(monday)
                monday += timedelta(days=7)

            def key(d: date) -> date:
                return d - timedelta(days=d.weekday())
        else:
            month = span.first_day.replace(day=1)
            starts = []
            while month < span.end_day:
                starts.append(month)
                month = add_months(month, 1)

            def key(d: date) -> date:
                return d.replace(day=1)

        credits: dict[date, Decimal] = defaultdict(Decimal)
        completed: dict[date, int] = defaultdict(int)
        for event in self.events.values():
            if event.at in span:
                credits[key(self.local_day(event.at))] += charges[event.event_id]
        for (interview, status), event in firsts.items():
            if status == "COMPLETED" and event.at in span and interview not in simulated:
                completed[key(self.local_day(event.at))] += 1
        return [
            {
                "start": s.isoformat(),
                "interviewsCompleted": completed[s],
                "creditsUsed": fmt(credits[s]),
            }
            for s in starts
        ]

    def opening_usage(self, opening_id: str, span: Span) -> dict[str, Any]:
        charges, _, firsts = self._facts()
        invited = sum(
            1
            for (_, status), e in firsts.items()
            if status == "INVITED" and e.opening_id == opening_id and e.at in span
        )
        completed = sum(
            1
            for (_, status), e in firsts.items()
            if status == "COMPLETED" and e.opening_id == opening_id and e.at in span
        )
        credits = sum(
            (
                charges[e.event_id]
                for e in self.events.values()
                if e.opening_id == opening_id and e.at in span
            ),
            Decimal(0),
        )
        return {
            "openingId": opening_id,
            "jobTitle": self.openings[opening_id],
            "interviewsInvited": invited,
            "interviewsCompleted": completed,
            "creditsUsed": fmt(credits),
            "_credits": credits,
        }

    def by_opening(self, span: Span) -> list[dict[str, Any]]:
        active = {e.opening_id for e in self.events.values() if e.at in span}
        rows = [self.opening_usage(o, span) for o in active]
        rows.sort(key=lambda r: (-r["_credits"], r["jobTitle"], r["openingId"]))
        for row in rows:
            del row["_credits"]
        return rows

    def openings_order(self, now: datetime) -> list[str]:
        """Every opening, by credits used in the current billing period, job title, id."""
        current = self.billing_period(self.local_day(now))
        credits = {o: Decimal(0) for o in self.openings}
        charges, _, _ = self._facts()
        for event in self.events.values():
            if event.at in current:
                credits[event.opening_id] += charges[event.event_id]
        return sorted(self.openings, key=lambda o: (-credits[o], self.openings[o], o))

    def previous_year(self, span: Span, now: datetime, used_now: Decimal) -> dict[str, Any]:
        zone = self.zone
        start_wall = minus_year(span.start.astimezone(zone).replace(tzinfo=None))
        end_wall = minus_year(min(span.end, now).astimezone(zone).replace(tzinfo=None))
        start = start_wall.replace(tzinfo=zone)
        end = end_wall.replace(tzinfo=zone)
        before = self.used(start, end)
        percent = None
        if before != 0:
            percent = round_half_away(
                (Fraction(used_now) - Fraction(before)) / Fraction(before) * 100
            )
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "totalInterviews": self.total_interviews(start, end),
            "creditsUsed": fmt(before),
            "creditsChangePercent": percent,
        }

    def consumption(
        self,
        now: datetime,
        *,
        preset: str | None = None,
        start: date | None = None,
        to: date | None = None,
    ) -> dict[str, Any]:
        span = self.period(now, preset=preset, start=start, to=to)
        charges, _, firsts = self._facts()
        in_span = [e for e in self.events.values() if e.at in span]
        used = sum((charges[e.event_id] for e in in_span), Decimal(0))
        billing = self.chain(billing_start(span.end_day - timedelta(days=1), self.anchor), now)[-1]
        by_status = []
        for status in STATUSES:
            count = sum(1 for (_, s), e in firsts.items() if s == status and e.at in span)
            credits = sum((charges[e.event_id] for e in in_span if e.status == status), Decimal(0))
            by_status.append({"status": status, "count": count, "creditsUsed": fmt(credits)})
        return {
            "preset": span.preset,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
            "totalInterviews": self.total_interviews(span.start, span.end),
            "creditsUsed": fmt(used),
            "remainingBalance": fmt(billing["remaining"]),
            "allocation": {
                "included": fmt(billing["included"]),
                "rolledOver": fmt(billing["rolledOver"]),
                "purchased": fmt(billing["purchased"]),
                "total": fmt(billing["total"]),
            },
            "byStatus": by_status,
            "byOpening": self.by_opening(span),
            "daily": self.buckets(span, "DAY"),
            "weekly": self.buckets(span, "WEEK"),
            "monthly": self.buckets(span, "MONTH"),
            "previousYear": self.previous_year(span, now, used),
            "forecast": self._forecast(billing, now),
        }

    # ------------------------------------------------------------------ export

    def export_rows(self, first_day: date, last_day: date) -> list[list[str]]:
        """The export's rows (as CSV text cells) for the local days ``first_day..last_day``."""
        charges, _, firsts = self._facts()
        first_of = {
            (e.opening_id, self.local_day(e.at), status, interview)
            for (interview, status), e in firsts.items()
        }
        cells: dict[tuple[date, str], dict[str, Any]] = {}
        for event in self.events.values():
            day = self.local_day(event.at)
            if not first_day <= day <= last_day:
                continue
            cell = cells.setdefault(
                (day, event.opening_id),
                {"candidates": set(), "credits": Decimal(0), **{s: 0 for s in STATUSES}},
            )
            cell["candidates"].add(event.candidate_id)
            cell["credits"] += charges[event.event_id]
        for opening, day, status, _ in first_of:
            if (day, opening) in cells:
                cells[(day, opening)][status] += 1
        return [
            [
                day.isoformat(),
                self.openings[opening],
                str(len(cell["candidates"])),
                fmt(cell["credits"]),
                *(str(cell[s]) for s in STATUSES),
            ]
            for (day, opening), cell in sorted(cells.items())
        ]


def _round_half_up(value: Fraction) -> Decimal:
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents) / 100


def plan_interview_credits(
    roles: int, candidates: int, completion_rate: float = 1.0, buffer: float = 0.2
) -> dict[str, Any]:
    expected = math.ceil(Fraction(roles * candidates) * Fraction(Decimal(str(completion_rate))))
    with_buffer = math.ceil(Fraction(expected) * (1 + Fraction(Decimal(str(buffer)))))
    return {
        "expectedInterviews": expected,
        "creditsNeeded": fmt(Decimal(expected)),
        "creditsWithBuffer": fmt(Decimal(with_buffer)),
    }
