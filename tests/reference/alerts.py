"""Alert rules computed the slow, obvious way: the figures come from the reference ledger
(tests/reference/consumption.py), the crossings from a dictionary of what is active.

A threshold fires when its condition is true at an evaluation and no alert of that threshold
is active in the same billing period; it is active until an evaluation finds the condition
false, or finds a new period (where it fires again if the condition still holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from tests.reference.consumption import Ledger, billing_start


@dataclass(frozen=True)
class RefRule:
    name: str
    kind: str  # CREDITS_REMAINING_BELOW or RUNS_OUT_BEFORE_PERIOD_END
    thresholds: tuple[Decimal, ...] = ()
    percent: bool = False
    within_days: int | None = None


@dataclass(frozen=True)
class Figures:
    period_start: date
    period_end: date
    today: date
    total: Decimal
    remaining: Decimal
    runs_out_on: date | None


def figures(ledger: Ledger, now: datetime) -> Figures | None:
    today = ledger.local_day(now)
    start = billing_start(today, ledger.anchor)
    if start < billing_start(ledger.active_since, ledger.anchor):
        return None
    billing = ledger.chain(start, now)[-1]
    runs_out = ledger._forecast(billing, now)["runsOutOn"]
    return Figures(
        start,
        billing["span"].end_day,
        today,
        billing["total"],
        billing["remaining"],
        date.fromisoformat(runs_out) if runs_out else None,
    )


def crossed(rule: RefRule, threshold: Decimal | None, f: Figures) -> bool:
    if rule.kind == "RUNS_OUT_BEFORE_PERIOD_END":
        if f.runs_out_on is None or f.runs_out_on >= f.period_end:
            return False
        return rule.within_days is None or f.runs_out_on <= f.today + timedelta(rule.within_days)
    assert threshold is not None
    if rule.percent:
        return f.total > 0 and Fraction(f.remaining) / Fraction(f.total) * 100 < threshold
    return f.remaining < threshold


@dataclass
class Crossings:
    rules: list[RefRule]
    # (rule, threshold) -> the period of its active alert
    active: dict[tuple[str, Decimal | None], date] = field(default_factory=dict)
    fired: list[tuple[str, Decimal | None, date]] = field(default_factory=list)

    def evaluate(self, ledger: Ledger, now: datetime) -> None:
        f = figures(ledger, now)
        if f is None:
            return
        for rule in self.rules:
            for threshold in rule.thresholds or (None,):
                key = (rule.name, threshold)
                if crossed(rule, threshold, f):
                    if self.active.get(key) != f.period_start:
                        self.fired.append((rule.name, threshold, f.period_start))
                        self.active[key] = f.period_start
                else:
                    self.active.pop(key, None)
