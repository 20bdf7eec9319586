"""Webhook endpoints in GraphQL, with their deliveries."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from gateway.alerts import endpoints as endpoint_service
from gateway.alerts.records import EndpointRecord
from resolvers.alerts.types import WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryEdge
from resolvers.context import Info
from resolvers.enums import EventType
from resolvers.pagination import check_first, decode_after, page_info
from resolvers.period import AFTER_ARG

DELIVERIES_FIRST = strawberry.argument(description="Page size, 1-100 (default 20).")


def position(values: list[Any]) -> tuple[datetime.datetime, str]:
    at, ident = values
    return datetime.datetime.fromisoformat(str(at)), str(ident)


@strawberry.type(
    description="A URL that receives the organization's webhook events, signed per the Standard Webhooks specification."
)
class WebhookEndpoint:
    org_id: strawberry.Private[str]
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str = strawberry.field(description="A note of the organization's choosing.")
    event_types: list[EventType] = strawberry.field(description="The event types sent to it.")
    enabled: bool = strawberry.field(description="Disabled endpoints are sent nothing.")
    disabled_reason: str | None = strawberry.field(
        description="Why it is disabled (by a user, or by a 410 Gone answer)."
    )
    created_at: datetime.datetime = strawberry.field(description="When it was created.")
    previous_secret_expires_at: datetime.datetime | None = strawberry.field(
        description="After a rotation: until when the previous secret also signs."
    )

    @strawberry.field(
        description="The deliveries to this endpoint, newest first: status, attempts, last response code or error, next attempt."
    )
    async def deliveries(
        self,
        info: Info,
        first: Annotated[int | None, DELIVERIES_FIRST] = 20,
        after: Annotated[str | None, AFTER_ARG] = None,
    ) -> WebhookDeliveryConnection:
        limit = check_first(first, argument="first", default=20, maximum=100)
        scope = [self.org_id, "deliveries", str(self.id)]
        cursors = info.context.cursors
        start = decode_after(cursors, after, scope, position)
        db = info.context.db
        rows = await endpoint_service.deliveries(
            db, self.org_id, str(self.id), after=start, limit=limit + 1
        )
        total = await endpoint_service.count_deliveries(db, self.org_id, str(self.id))
        edges = [
            WebhookDeliveryEdge(
                cursor=cursors.encode(scope=scope, position=[row.created_at.isoformat(), row.id]),
                node=WebhookDelivery.from_record(row),
            )
            for row in rows[:limit]
        ]
        return WebhookDeliveryConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit, after=after),
            total_count=total,
        )

    @classmethod
    def from_record(cls, row: EndpointRecord) -> WebhookEndpoint:
        return cls(
            org_id=row.org_id,
            id=strawberry.ID(row.id),
            url=row.url,
            description=row.description,
            event_types=[EventType(t) for t in row.event_types.split()],
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            created_at=row.created_at,
            previous_secret_expires_at=row.previous_until,
        )
