"""Evaluation of an organization's rules in the transaction that moved its figures.

Called by every write that can move a rule's figure, with the organizations it wrote and the
readers of the figures it moved; a firing is written to ``alerts`` and to the outbox of
deliveries in the same transaction, so it is sent if and only if the write commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts import payloads, queries, rules, writes
from gateway.alerts.enums import (
    CONSUMPTION_KINDS,
    EVENT_OF_KIND,
    USAGE_KINDS,
    DeliveryStatus,
    RuleKind,
)
from gateway.alerts.records import AiMonth, CreditStanding, EndpointRecord, RuleRecord
from gateway.orgs.records import OrgRecord

# Read the figures of several organizations for their rules (only what the rules need), in
# a few statements for all of them.
OrgRules = Sequence[tuple[OrgRecord, Sequence[RuleRecord]]]
StandingReader = Callable[
    [AsyncConnection, OrgRules, datetime], Awaitable[Mapping[str, CreditStanding | None]]
]
MonthReader = Callable[[AsyncConnection, OrgRules, datetime], Awaitable[Mapping[str, AiMonth]]]


async def evaluate(
    conn: AsyncConnection,
    org_ids: Iterable[str],
    *,
    now: datetime,
    standing: StandingReader | None = None,
    month: MonthReader | None = None,
    kinds: frozenset[RuleKind] | None = None,
) -> list[str]:
    """Evaluate the rules of ``org_ids`` whose figures the given readers read (``kinds``
    narrows them); returns the ids of the alerts fired. Organizations without such rules cost
    one indexed read."""
    wanted = (CONSUMPTION_KINDS if standing else frozenset()) | (
        USAGE_KINDS if month else frozenset()
    )
    if kinds is not None:
        wanted &= kinds
    orgs = sorted(set(org_ids))
    if not wanted or not orgs:
        return []
    found = await writes.lock_states(conn, org_ids=orgs, kinds=wanted)
    locked, known = found.states, found.orgs
    if not locked:
        return []
    groups = [
        (known[org_id], list(group))
        for org_id, group in groupby(locked, key=lambda item: item[0].org_id)
        if org_id in known
    ]
    credits: Mapping[str, CreditStanding | None] = {}
    months: Mapping[str, AiMonth] = {}
    if standing is not None:
        asked = [
            (org, [r for r, _ in items if r.kind in CONSUMPTION_KINDS]) for org, items in groups
        ]
        credits = await standing(conn, [(org, rs) for org, rs in asked if rs], now)
    if month is not None:
        asked = [(org, [r for r, _ in items if r.kind in USAGE_KINDS]) for org, items in groups]
        months = await month(conn, [(org, rs) for org, rs in asked if rs], now)
    fired: list[str] = []
    for org, items in groups:
        org_id = org.id
        credit, ai = credits.get(org_id), months.get(org_id)
        outbox = _Outbox(conn, org, now)
        for rule, state in items:
            reading = rules.read(rule, state.threshold, credit, ai)
            if reading is None:
                continue
            step = rules.step(state.period_start, state.alert_id, reading)
            if step.resolve and state.alert_id is not None:
                await writes.resolve_alert(conn, org_id=org_id, alert_id=state.alert_id, now=now)
            if step.fire:
                alert_id = await outbox.fire(rule, state.threshold, reading)
                fired.append(alert_id)
                await writes.set_state(
                    conn, state=state, period_start=reading.period_start, alert_id=alert_id
                )
            elif step.resolve or state.period_start != reading.period_start:
                await writes.set_state(
                    conn, state=state, period_start=reading.period_start, alert_id=None
                )
    return fired


class _Outbox:
    """Alerts of one organization and their deliveries, the endpoints read once."""

    def __init__(self, conn: AsyncConnection, org: OrgRecord, now: datetime) -> None:
        self.conn = conn
        self.org = org
        self.now = now
        self._endpoints: list[EndpointRecord] | None = None

    async def fire(self, rule: RuleRecord, threshold: str, reading: rules.Reading) -> str:
        alert_id = payloads.new_id("alr")
        await writes.insert_alert(
            self.conn,
            row={
                "org_id": self.org.id,
                "id": alert_id,
                "rule_id": rule.id,
                "kind": str(rule.kind),
                "threshold": threshold,
                "figure": payloads.credits_text(reading.figure_e4),
                "period_start": reading.period_start,
                "period_end": reading.period_end,
                "runs_out_on": reading.runs_out_on,
                "fired_at": self.now,
                "resolved_at": None,
            },
        )
        body = payloads.alert_body(
            alert_id=alert_id,
            org_id=self.org.id,
            org_name=self.org.name,
            rule=rule,
            threshold=threshold,
            reading=reading,
            fired_at=self.now,
        )
        if self._endpoints is None:
            self._endpoints = await queries.endpoints_of_org(self.conn, org_id=self.org.id)
        event = str(EVENT_OF_KIND[rule.kind])
        await writes.insert_deliveries(
            self.conn,
            rows=[
                delivery_row(endpoint, body, self.now)
                for endpoint in self._endpoints
                if endpoint.enabled and event in endpoint.event_types.split()
            ],
        )
        return alert_id


def delivery_row(endpoint: EndpointRecord, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A pending delivery of ``body`` to ``endpoint``, due now."""
    return {
        "org_id": endpoint.org_id,
        "id": payloads.new_id("dlv"),
        "endpoint_id": endpoint.id,
        "message_id": body["id"],
        "event_type": body["type"],
        "payload": payloads.encode(body),
        "status": str(DeliveryStatus.PENDING),
        "attempts": 0,
        "next_attempt_at": now,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
    }
