"""Writes of rules, states, alerts, endpoints and the outbox of deliveries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.enums import DeliveryStatus, RuleKind
from gateway.alerts.records import DeliveryRecord, EndpointRecord, RuleRecord, StateRecord
from gateway.orgs.records import OrgRecord
from gateway.storage.records import record
from gateway.storage.tables import (
    alert_rules,
    alert_states,
    alerts,
    organizations,
    webhook_deliveries,
    webhook_endpoints,
)

ORG_COLUMNS = tuple(f.name for f in fields(OrgRecord))
_STATE = (alert_states.c.threshold, alert_states.c.period_start, alert_states.c.alert_id)


async def insert_rule(conn: AsyncConnection, *, row: dict[str, Any]) -> None:
    await conn.execute(alert_rules.insert(), row)


async def update_rule(conn: AsyncConnection, *, org_id: str, rule_id: str, **values: Any) -> None:
    r = alert_rules
    await conn.execute(update(r).where(r.c.org_id == org_id, r.c.id == rule_id).values(**values))


async def delete_rule(conn: AsyncConnection, *, org_id: str, rule_id: str) -> None:
    s, r = alert_states, alert_rules
    await conn.execute(delete(s).where(s.c.org_id == org_id, s.c.rule_id == rule_id))
    await conn.execute(delete(r).where(r.c.org_id == org_id, r.c.id == rule_id))


async def reset_states(
    conn: AsyncConnection, *, org_id: str, rule_id: str, thresholds: Sequence[str]
) -> None:
    """One armed state per threshold (a changed rule starts over)."""
    s = alert_states
    await conn.execute(delete(s).where(s.c.org_id == org_id, s.c.rule_id == rule_id))
    rows = [
        {"org_id": org_id, "rule_id": rule_id, "threshold": t, "period_start": None}
        for t in thresholds
    ]
    await conn.execute(s.insert(), rows)


# The organization's columns beside each rule (as ``o_*``): no second statement for them.
_ORG = tuple(organizations.c[name].label(f"o_{name}") for name in ORG_COLUMNS)


def _lock_statement() -> Any:
    s, r, o = alert_states, alert_rules, organizations
    return (
        select(r, *_STATE, *_ORG)
        .join(s, (s.c.org_id == r.c.org_id) & (s.c.rule_id == r.c.id))
        .join(o, o.c.id == r.c.org_id)
        .where(
            r.c.org_id.in_(bindparam("org_ids", expanding=True)),
            r.c.kind.in_(bindparam("kinds", expanding=True)),
            r.c.enabled.is_(True),
        )
        .order_by(s.c.org_id, s.c.rule_id, s.c.threshold)
        .with_for_update(of=s)
    )


# Built once: every ingest batch runs it.
_LOCK_STATES = _lock_statement()


@dataclass(frozen=True)
class LockedStates:
    states: list[tuple[RuleRecord, StateRecord]]
    orgs: dict[str, OrgRecord]


async def lock_states(
    conn: AsyncConnection, *, org_ids: Iterable[str], kinds: Iterable[RuleKind]
) -> LockedStates:
    """The enabled rules of these organizations and kinds with their states and their
    organizations, the states locked (PostgreSQL) in one order: a second evaluation of the
    same organization waits here and then reads the figures the first one committed."""
    params = {"org_ids": sorted(set(org_ids)), "kinds": sorted(str(k) for k in kinds)}
    rows = (await conn.execute(_LOCK_STATES, params)).all()
    orgs: dict[str, OrgRecord] = {}
    for row in rows:
        if row.org_id not in orgs:
            orgs[row.org_id] = OrgRecord(*(getattr(row, f"o_{n}") for n in ORG_COLUMNS))
    return LockedStates(_rule_states(rows), orgs)


async def lock_states_of_rule(
    conn: AsyncConnection, *, org_id: str, rule_id: str
) -> list[tuple[RuleRecord, StateRecord]]:
    """One rule's states (enabled or not), locked."""
    s, r = alert_states, alert_rules
    stmt = (
        select(r, *_STATE)
        .join(s, (s.c.org_id == r.c.org_id) & (s.c.rule_id == r.c.id))
        .where(r.c.org_id == org_id, r.c.id == rule_id)
        .order_by(s.c.threshold)
        .with_for_update(of=s)
    )
    return _rule_states(await conn.execute(stmt))


def _rule_states(result: Iterable[Any]) -> list[tuple[RuleRecord, StateRecord]]:
    """Rows of rule and state columns; each rule built once, however many thresholds."""
    out = []
    rules: dict[tuple[str, str], RuleRecord] = {}
    for row in result:
        rule = rules.get((row.org_id, row.id))
        if rule is None:
            rule = rules[(row.org_id, row.id)] = record(RuleRecord, row)
        state = StateRecord(rule.org_id, rule.id, row.threshold, row.period_start, row.alert_id)
        out.append((rule, state))
    return out


async def set_state(
    conn: AsyncConnection, *, state: StateRecord, period_start: date, alert_id: str | None
) -> None:
    s = alert_states
    await conn.execute(
        update(s)
        .where(
            s.c.org_id == state.org_id,
            s.c.rule_id == state.rule_id,
            s.c.threshold == state.threshold,
        )
        .values(period_start=period_start, alert_id=alert_id)
    )


async def insert_alert(conn: AsyncConnection, *, row: dict[str, Any]) -> None:
    await conn.execute(alerts.insert(), row)


async def resolve_alert(
    conn: AsyncConnection, *, org_id: str, alert_id: str, now: datetime
) -> None:
    a = alerts
    await conn.execute(
        update(a)
        .where(a.c.org_id == org_id, a.c.id == alert_id, a.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


async def insert_endpoint(conn: AsyncConnection, *, row: dict[str, Any]) -> None:
    await conn.execute(webhook_endpoints.insert(), row)


async def update_endpoint(
    conn: AsyncConnection, *, org_id: str, endpoint_id: str, **values: Any
) -> None:
    e = webhook_endpoints
    await conn.execute(
        update(e).where(e.c.org_id == org_id, e.c.id == endpoint_id).values(**values)
    )


async def delete_endpoint(conn: AsyncConnection, *, org_id: str, endpoint_id: str) -> None:
    e, d = webhook_endpoints, webhook_deliveries
    await conn.execute(delete(d).where(d.c.org_id == org_id, d.c.endpoint_id == endpoint_id))
    await conn.execute(delete(e).where(e.c.org_id == org_id, e.c.id == endpoint_id))


async def insert_deliveries(conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(webhook_deliveries.insert(), list(rows))


async def claim_due(
    conn: AsyncConnection, *, now: datetime, limit: int, lease_until: datetime
) -> list[tuple[DeliveryRecord, EndpointRecord]]:
    """Up to ``limit`` pending deliveries due by ``now``, each leased to the caller until
    ``lease_until`` (its next attempt moves there): a worker that dies mid-call leaves it
    to be claimed again then. ``SKIP LOCKED``: concurrent workers claim different ones."""
    d, e = webhook_deliveries, webhook_endpoints
    due = (
        select(d.c.org_id, d.c.id)
        .where(d.c.status == str(DeliveryStatus.PENDING), d.c.next_attempt_at <= now)
        .order_by(d.c.next_attempt_at, d.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    keys = [(row.org_id, row.id) for row in await conn.execute(due)]
    out = []
    for org_id, delivery_id in keys:
        await conn.execute(
            update(d)
            .where(d.c.org_id == org_id, d.c.id == delivery_id)
            .values(next_attempt_at=lease_until)
        )
        row = (
            await conn.execute(select(d).where(d.c.org_id == org_id, d.c.id == delivery_id))
        ).one()
        found = (
            await conn.execute(select(e).where(e.c.org_id == org_id, e.c.id == row.endpoint_id))
        ).first()
        if found is not None:
            out.append((record(DeliveryRecord, row), record(EndpointRecord, found)))
    return out


async def record_attempt(
    conn: AsyncConnection, *, org_id: str, delivery_id: str, **values: Any
) -> None:
    d = webhook_deliveries
    await conn.execute(
        update(d).where(d.c.org_id == org_id, d.c.id == delivery_id).values(**values)
    )
