"""Random sequences of writes (interview events, purchases, plan changes, rule creations, time
passing): the alerts fired equal the reference's threshold crossings, on both engines."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import organizations
from gateway.alerting import evaluate_all
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.orgs.inputs import OrganizationIn
from gateway.storage.db import Database
from tests.reference.alerts import Crossings, RefRule
from tests.reference.consumption import Ledger, Plan

_orgs = itertools.count()
ZONES = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Chatham"]
RULES = [
    RefRule("pct", "CREDITS_REMAINING_BELOW", (Decimal(5), Decimal(20), Decimal(50)), True),
    RefRule("amount", "CREDITS_REMAINING_BELOW", (Decimal("1.5"),)),
    RefRule("runsOut", "RUNS_OUT_BEFORE_PERIOD_END"),
    RefRule("runsOutSoon", "RUNS_OUT_BEFORE_PERIOD_END", within_days=5),
]


def _rule_body(rule: RefRule) -> AlertRuleIn:
    body: dict[str, Any] = {"kind": rule.kind, "name": rule.name}
    if rule.thresholds:
        body["thresholds"] = [str(t) for t in rule.thresholds]
    if rule.percent:
        body["unit"] = "PERCENT"
    if rule.within_days is not None:
        body["withinDays"] = rule.within_days
    return AlertRuleIn.model_validate(body)


def _org_body(zone: str, plan: Plan, since: date) -> OrganizationIn:
    return OrganizationIn.model_validate(
        {"name": "Org", "timeZone": zone, "plan": plan.as_json(), "activeSince": since.isoformat()}
    )


STEP = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([1, 7, 30, 100, 300, 700])),
    st.tuples(st.just("events"), st.integers(1, 6)),
    st.tuples(st.just("events"), st.integers(1, 6)),
    st.tuples(st.just("purchase"), st.sampled_from(["0.5", "2", "6"])),
    st.tuples(st.just("plan"), st.sampled_from(["0", "4", "10"])),
    st.tuples(st.just("rule"), st.integers(0, len(RULES) - 1)),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    anchor=st.sampled_from([1, 15, 28]),
    included=st.sampled_from(["4", "10"]),
    back=st.integers(0, 40),
    steps=st.lists(STEP, min_size=3, max_size=14),
    seed=st.integers(0, 2**16),
)
async def test_fired_alerts_equal_the_reference_crossings(
    db: Database,
    zone: str,
    anchor: int,
    included: str,
    back: int,
    steps: list[tuple[str, Any]],
    seed: int,
) -> None:
    org = f"alp{next(_orgs)}"
    tz = ZoneInfo(zone)
    now = datetime.combine(date(2026, 11, 20) - timedelta(days=back), time(9), tz)
    since = now.astimezone(tz).date() - timedelta(days=10)
    first = Plan(Decimal(included), "NONE", None, anchor)
    ledger = Ledger(zone, since, first)
    await organizations.put_organization(db, org, _org_body(zone, first, since), now=now)
    await consumption_service.put_opening(
        db, org, "o1", OpeningIn.model_validate({"jobTitle": "chef"}), now=now
    )
    crossings = Crossings([])
    made: dict[str, str] = {}  # rule id -> name
    counter = itertools.count(seed * 1000)
    for kind, value in [("rule", 0), *steps]:
        if kind == "wait":
            now += timedelta(hours=value)
            continue
        if kind == "rule":
            rule = RULES[value]
            if rule in crossings.rules:
                continue
            created = await alerts_service.create_rule(
                db, org, _rule_body(rule), now=now, evaluator=evaluate_all
            )
            made[created.id] = rule.name
            crossings.rules.append(rule)
        elif kind == "events":
            bodies = []
            for k in range(value):
                n = next(counter)
                at = now - timedelta(minutes=(n * 97) % (3 * 24 * 60))
                bodies.append(
                    {
                        "eventId": f"e{n}",
                        "orgId": org,
                        "openingId": "o1",
                        "interviewId": f"i{n}",
                        "candidateId": f"c{k}",
                        "occurredAt": at.astimezone(UTC).isoformat(),
                        "status": "COMPLETED" if n % 3 else "STARTED",
                    }
                )
            await consumption_service.ingest_interviews(
                db, [InterviewEventIn.model_validate(b) for b in bodies], now=now
            )
            ledger.add_events(bodies)
        elif kind == "purchase":
            body = {
                "purchaseId": f"p{next(counter)}",
                "credits": value,
                "occurredAt": now.astimezone(UTC).isoformat(),
            }
            await consumption_service.record_purchases(
                db, [(org, CreditPurchaseIn.model_validate(body))], now=now
            )
            ledger.add_purchase(body)
        elif kind == "plan":
            changed = Plan(Decimal(value), "NONE", None, anchor)
            await organizations.put_organization(db, org, _org_body(zone, changed, since), now=now)
            ledger.change_plan(changed, today=ledger.local_day(now))
        crossings.evaluate(ledger, now)

    fired = await alerts_service.alerts(db, org, after=None, limit=1000)
    got = sorted(
        (made[a.rule_id], None if a.threshold == "-" else Decimal(a.threshold), a.period_start)
        for a in fired
    )
    assert got == sorted(crossings.fired, key=lambda f: (f[0], f[1] or 0, f[2]))
    # Still active: exactly the reference's active thresholds.
    active = sorted(
        (made[a.rule_id], None if a.threshold == "-" else Decimal(a.threshold))
        for a in await alerts_service.active_alerts(db, org)
    )
    assert active == sorted(crossings.active, key=lambda k: (k[0], k[1] or 0))
