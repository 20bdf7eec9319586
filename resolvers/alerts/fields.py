"""The organization's alert fields: its rules and endpoints (alerts:manage) and its alerts
(each shown to whoever may see its figure)."""

from __future__ import annotations

from gateway.alerts import endpoints as endpoint_service
from gateway.alerts import service as alerts_service
from gateway.alerts.rules import visible_kinds
from resolvers.alerts.endpoints import WebhookEndpoint, position
from resolvers.alerts.types import Alert, AlertConnection, AlertEdge, AlertRule
from resolvers.context import Info
from resolvers.pagination import check_first, decode_after, page_info


async def alert_rules(info: Info, org_id: str) -> list[AlertRule]:
    return [AlertRule.from_record(r) for r in await alerts_service.rules(info.context.db, org_id)]


async def webhook_endpoints(info: Info, org_id: str) -> list[WebhookEndpoint]:
    rows = await endpoint_service.endpoints(info.context.db, org_id)
    return [WebhookEndpoint.from_record(row) for row in rows]


async def alerts_connection(
    info: Info, org_id: str, *, first: int | None, after: str | None, active: bool | None
) -> AlertConnection:
    limit = check_first(first, argument="first", default=20, maximum=100)
    kinds = visible_kinds(info.context.caller.permissions)
    scope = [org_id, "alerts"]
    cursors = info.context.cursors
    start = decode_after(cursors, after, scope, position)
    db = info.context.db
    if active:
        rows = [a for a in await alerts_service.active_alerts(db, org_id) if a.kind in kinds]
        total, has_next = len(rows), False
    else:
        rows = await alerts_service.alerts(db, org_id, after=start, limit=limit + 1, kinds=kinds)
        total = await alerts_service.count_alerts(db, org_id, kinds)
        has_next = len(rows) > limit
    edges = [
        AlertEdge(
            cursor=cursors.encode(scope=scope, position=[row.fired_at.isoformat(), row.id]),
            node=Alert.from_record(row),
        )
        for row in rows[:limit]
    ]
    return AlertConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next=has_next, after=after),
        total_count=total,
    )
