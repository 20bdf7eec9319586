"""Reads of rules, alerts, endpoints and deliveries (one organization's, by its id)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.enums import RuleKind
from gateway.alerts.records import AlertRecord, DeliveryRecord, EndpointRecord, RuleRecord
from gateway.storage.records import record
from gateway.storage.tables import alert_rules, alerts, webhook_deliveries, webhook_endpoints

Cursor = tuple[datetime, str]


async def rules_of_org(conn: AsyncConnection, *, org_id: str) -> list[RuleRecord]:
    r = alert_rules
    stmt = select(r).where(r.c.org_id == org_id).order_by(r.c.created_at, r.c.id)
    return [record(RuleRecord, row) for row in await conn.execute(stmt)]


async def rule_by_id(conn: AsyncConnection, *, org_id: str, rule_id: str) -> RuleRecord | None:
    r = alert_rules
    row = (await conn.execute(select(r).where(r.c.org_id == org_id, r.c.id == rule_id))).first()
    return record(RuleRecord, row) if row else None


async def count_rules(conn: AsyncConnection, *, org_id: str) -> int:
    stmt = select(func.count()).select_from(alert_rules).where(alert_rules.c.org_id == org_id)
    return int((await conn.execute(stmt)).scalar_one())


async def orgs_with_rules(conn: AsyncConnection, *, kinds: Iterable[RuleKind]) -> list[str]:
    """Organizations with an enabled rule of these kinds (the periodic forecast check)."""
    r = alert_rules
    stmt = (
        select(r.c.org_id)
        .where(r.c.kind.in_([str(k) for k in kinds]), r.c.enabled.is_(True))
        .distinct()
        .order_by(r.c.org_id)
    )
    return list((await conn.execute(stmt)).scalars())


async def alerts_page(
    conn: AsyncConnection,
    *,
    org_id: str,
    after: Cursor | None,
    limit: int,
    kinds: Iterable[RuleKind] | None = None,
) -> list[AlertRecord]:
    """Newest first, after ``(fired_at, id)``; only rules of ``kinds`` when given."""
    a = alerts
    stmt = select(a).where(a.c.org_id == org_id)
    if kinds is not None:
        stmt = stmt.where(a.c.kind.in_([str(k) for k in kinds]))
    if after is not None:
        stmt = stmt.where(tuple_(a.c.fired_at, a.c.id) < tuple_(*after))
    stmt = stmt.order_by(a.c.fired_at.desc(), a.c.id.desc()).limit(limit)
    return [record(AlertRecord, row) for row in await conn.execute(stmt)]


async def count_alerts(
    conn: AsyncConnection, *, org_id: str, kinds: Iterable[RuleKind] | None = None
) -> int:
    a = alerts
    stmt = select(func.count()).select_from(a).where(a.c.org_id == org_id)
    if kinds is not None:
        stmt = stmt.where(a.c.kind.in_([str(k) for k in kinds]))
    return int((await conn.execute(stmt)).scalar_one())


async def count_deliveries(conn: AsyncConnection, *, org_id: str, endpoint_id: str) -> int:
    d = webhook_deliveries
    stmt = (
        select(func.count())
        .select_from(d)
        .where(d.c.org_id == org_id, d.c.endpoint_id == endpoint_id)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def active_alerts(conn: AsyncConnection, *, org_id: str) -> list[AlertRecord]:
    a = alerts
    stmt = (
        select(a)
        .where(a.c.org_id == org_id, a.c.resolved_at.is_(None))
        .order_by(a.c.fired_at.desc(), a.c.id.desc())
    )
    return [record(AlertRecord, row) for row in await conn.execute(stmt)]


async def alert_by_id(conn: AsyncConnection, *, org_id: str, alert_id: str) -> AlertRecord | None:
    a = alerts
    row = (await conn.execute(select(a).where(a.c.org_id == org_id, a.c.id == alert_id))).first()
    return record(AlertRecord, row) if row else None


async def endpoints_of_org(conn: AsyncConnection, *, org_id: str) -> list[EndpointRecord]:
    e = webhook_endpoints
    stmt = select(e).where(e.c.org_id == org_id).order_by(e.c.created_at, e.c.id)
    return [record(EndpointRecord, row) for row in await conn.execute(stmt)]


async def endpoint_by_id(
    conn: AsyncConnection, *, org_id: str, endpoint_id: str
) -> EndpointRecord | None:
    e = webhook_endpoints
    stmt = select(e).where(e.c.org_id == org_id, e.c.id == endpoint_id)
    row = (await conn.execute(stmt)).first()
    return record(EndpointRecord, row) if row else None


async def count_endpoints(conn: AsyncConnection, *, org_id: str) -> int:
    e = webhook_endpoints
    stmt = select(func.count()).select_from(e).where(e.c.org_id == org_id)
    return int((await conn.execute(stmt)).scalar_one())


async def deliveries_page(
    conn: AsyncConnection, *, org_id: str, endpoint_id: str, after: Cursor | None, limit: int
) -> list[DeliveryRecord]:
    """An endpoint's deliveries, newest first, after ``(created_at, id)``."""
    d = webhook_deliveries
    stmt = select(d).where(d.c.org_id == org_id, d.c.endpoint_id == endpoint_id)
    if after is not None:
        stmt = stmt.where(tuple_(d.c.created_at, d.c.id) < tuple_(*after))
    stmt = stmt.order_by(d.c.created_at.desc(), d.c.id.desc()).limit(limit)
    return [record(DeliveryRecord, row) for row in await conn.execute(stmt)]


async def delivery_by_id(
    conn: AsyncConnection, *, org_id: str, delivery_id: str
) -> DeliveryRecord | None:
    d = webhook_deliveries
    stmt = select(d).where(d.c.org_id == org_id, d.c.id == delivery_id)
    row = (await conn.execute(stmt)).first()
    return record(DeliveryRecord, row) if row else None


async def deliveries_of_message(
    conn: AsyncConnection, *, org_id: str, message_id: str
) -> list[DeliveryRecord]:
    d = webhook_deliveries
    stmt = select(d).where(d.c.org_id == org_id, d.c.message_id == message_id).order_by(d.c.id)
    return [record(DeliveryRecord, row) for row in await conn.execute(stmt)]
