"""Rules fire once per crossing, where the figures change, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from gateway.alerts import service as alerts_service
from gateway.alerts.endpoints import create_endpoint
from gateway.alerts.enums import DeliveryStatus
from gateway.alerts.inputs import WebhookEndpointIn
from gateway.maintenance.verify import rebuild_org
from gateway.storage.db import Database
from tests.alerts.support import NOW, add_rule, buy, call, calls, interviews, make_org
from tests.alerts.support import interview as interview_event


async def _fired(db: Database, org: str) -> list[tuple[str, str, bool]]:
    rows = await alerts_service.alerts(db, org, after=None, limit=100)
    return sorted((a.kind, a.threshold, a.active) for a in rows)


async def test_remaining_below_fires_once_and_rearms_after_a_purchase(db: Database) -> None:
    await make_org(db, "acme", included="10")
    await add_rule(
        db,
        "acme",
        kind="CREDITS_REMAINING_BELOW",
        name="low",
        thresholds=["50", "20"],
        unit="PERCENT",
    )
    assert await _fired(db, "acme") == []
    await interviews(db, "acme", range(0, 5))  # 5 of 10 used: 50 % left, not below 50 %
    assert await _fired(db, "acme") == []
    await interviews(db, "acme", range(5, 6))  # 40 % left
    assert await _fired(db, "acme") == [("CREDITS_REMAINING_BELOW", "50", True)]
    await interviews(db, "acme", range(6, 7))  # 30 %: still the same crossing
    await interviews(db, "acme", range(0, 7))  # a replay changes nothing
    assert await _fired(db, "acme") == [("CREDITS_REMAINING_BELOW", "50", True)]
    await interviews(db, "acme", range(7, 9))  # 10 %
    assert await _fired(db, "acme") == [
        ("CREDITS_REMAINING_BELOW", "20", True),
        ("CREDITS_REMAINING_BELOW", "50", True),
    ]
    await buy(db, "acme", "p1", "10")  # 11 of 20 left: both false, both re-armed
    assert await _fired(db, "acme") == [
        ("CREDITS_REMAINING_BELOW", "20", False),
        ("CREDITS_REMAINING_BELOW", "50", False),
    ]
    await interviews(db, "acme", range(9, 11))  # 9 of 20 left: 45 % < 50 % fires again
    assert await _fired(db, "acme") == [
        ("CREDITS_REMAINING_BELOW", "20", False),
        ("CREDITS_REMAINING_BELOW", "50", False),
        ("CREDITS_REMAINING_BELOW", "50", True),
    ]


async def test_a_new_period_fires_again_and_a_plan_change_rearms(db: Database) -> None:
    await make_org(db, "acme", included="3")
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["1"])
    await interviews(db, "acme", range(0, 3))
    assert await _fired(db, "acme") == [("CREDITS_REMAINING_BELOW", "1", True)]
    later = NOW + timedelta(days=15)  # December: 3 new credits
    await interviews(db, "acme", range(3, 6), now=later)
    alerts = await alerts_service.alerts(db, "acme", after=None, limit=10)
    assert [(a.period_start.isoformat(), a.active) for a in alerts] == [
        ("2026-12-01", True),
        ("2026-11-01", False),
    ]


async def test_ai_credits_above_for_the_org_a_member_and_a_tier(db: Database) -> None:
    await make_org(db, "acme")
    org_rule = await add_rule(db, "acme", kind="AI_CREDITS_ABOVE", name="org", thresholds=["5"])
    member_rule = await add_rule(
        db, "acme", kind="AI_CREDITS_ABOVE", name="m", thresholds=["2"], memberId="m1"
    )
    tier_rule = await add_rule(
        db, "acme", kind="AI_CREDITS_ABOVE", name="t", thresholds=["3"], tier="Haiku"
    )
    await calls(db, [call("acme", 1, "2.5", member="m2")])
    assert await _fired(db, "acme") == []
    await calls(db, [call("acme", 2, "2.0001", member="m1")])  # m1 above 2; org 4.5001
    fired = await alerts_service.alerts(db, "acme", after=None, limit=10)
    assert [a.rule_id for a in fired] == [member_rule.id]
    assert fired[0].figure == "2.0001"
    await calls(db, [call("acme", 3, "1", member="m2")])  # org 5.5001 > 5
    fired = await alerts_service.alerts(db, "acme", after=None, limit=10)
    assert {a.rule_id for a in fired} == {member_rule.id, org_rule.id}
    await calls(db, [call("acme", 4, "3.01", member="m2", model="claude-haiku-4-5")])
    fired = await alerts_service.alerts(db, "acme", after=None, limit=10)
    assert {a.rule_id for a in fired} == {member_rule.id, org_rule.id, tier_rule.id}
    assert len(fired) == 3


async def test_opening_credits_above(db: Database) -> None:
    await make_org(db, "acme")
    await add_rule(
        db, "acme", kind="OPENING_CREDITS_ABOVE", name="o", thresholds=["2"], openingId="o1"
    )
    await interviews(db, "acme", range(0, 2))
    assert await _fired(db, "acme") == []
    await interviews(db, "acme", range(2, 3))
    assert await _fired(db, "acme") == [("OPENING_CREDITS_ABOVE", "2", True)]


async def test_runs_out_before_period_end_and_a_rule_created_late_fires_at_once(
    db: Database,
) -> None:
    await make_org(db, "acme", included="10")
    # 7 credits in the last 14 days: half a credit a day; 10 left... 3 after today's use.
    await interviews(db, "acme", range(0, 7), now=NOW - timedelta(days=3))
    await add_rule(db, "acme", kind="RUNS_OUT_BEFORE_PERIOD_END", name="soon")
    fired = await alerts_service.alerts(db, "acme", after=None, limit=10)
    # 3 left at 0.5 a day: runs out 6 days after the 20th, before 1 December.
    assert [(a.kind, a.runs_out_on and a.runs_out_on.isoformat()) for a in fired] == [
        ("RUNS_OUT_BEFORE_PERIOD_END", "2026-11-26")
    ]


async def test_a_firing_writes_one_delivery_per_subscribed_endpoint(db: Database) -> None:
    await make_org(db, "acme", included="2")
    body = WebhookEndpointIn.model_validate(
        {"url": "https://hooks.example.com/a", "eventTypes": ["credits.remaining_below"]}
    )
    other = WebhookEndpointIn.model_validate(
        {"url": "https://hooks.example.com/b", "eventTypes": ["ai_credits.above"]}
    )
    subscribed, _ = await create_endpoint(
        db, "acme", body, now=NOW, production=False, allow_private=True
    )
    ignored, _ = await create_endpoint(
        db, "acme", other, now=NOW, production=False, allow_private=True
    )
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["1"])
    await interviews(db, "acme", range(0, 2))
    sent = await alerts_service_deliveries(db, "acme", subscribed.id)
    assert [(d.event_type, d.status) for d in sent] == [
        ("credits.remaining_below", DeliveryStatus.PENDING)
    ]
    assert await alerts_service_deliveries(db, "acme", ignored.id) == []


async def test_a_rebuild_evaluates(db: Database) -> None:
    await make_org(db, "acme", included="2")
    await interviews(db, "acme", range(0, 2))
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["1"])
    assert len(await _fired(db, "acme")) == 1
    await rebuild_org(db, "acme", now=NOW)
    assert await _fired(db, "acme") == [("CREDITS_REMAINING_BELOW", "1", True)]


async def alerts_service_deliveries(db: Database, org: str, endpoint_id: str) -> list:  # type: ignore[type-arg]
    from gateway.alerts.endpoints import deliveries

    return await deliveries(db, org, endpoint_id, after=None, limit=50)


async def test_the_broker_path_evaluates_too(db: Database) -> None:
    from gateway.broker.messages import CreditPurchaseMessage, Kind
    from gateway.broker.writer import write_batch

    await make_org(db, "acme", included="2")
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["1"])
    await add_rule(db, "acme", kind="AI_CREDITS_ABOVE", name="ai", thresholds=["1"])
    events = [interview_event("acme", n, NOW) for n in range(2)]
    outcome = await write_batch(db, Kind.INTERVIEW_EVENTS, events, now=NOW)
    assert outcome.accepted == 2
    await write_batch(db, Kind.AI_CALLS, [call("acme", 1, "1.5")], now=NOW)
    assert await _fired(db, "acme") == [
        ("AI_CREDITS_ABOVE", "1", True),
        ("CREDITS_REMAINING_BELOW", "1", True),
    ]
    purchase = CreditPurchaseMessage.model_validate(
        {"orgId": "acme", "purchaseId": "p1", "credits": "5", "occurredAt": NOW.isoformat()}
    )
    await write_batch(db, Kind.CREDIT_PURCHASES, [purchase], now=NOW)
    assert await _fired(db, "acme") == [
        ("AI_CREDITS_ABOVE", "1", True),
        ("CREDITS_REMAINING_BELOW", "1", False),
    ]
