"""``Organization.auditLog``: the organization's changes, newest first (audit:view)."""

from __future__ import annotations

import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from gateway.audit import service as audit_service
from gateway.audit.records import ActorKind, AuditEventRecord
from gateway.audit.snapshots import from_json
from resolvers.context import Info
from resolvers.enums import graphql_enum
from resolvers.pagination import PageInfo, check_first, decode_after, page_info

graphql_enum(
    ActorKind,
    "Who made a change.",
    {
        ActorKind.MEMBER: "A member, with a member token (actor.id is the member's id).",
        ActorKind.API_KEY: "A partner API key (actor.id is the key's id).",
        ActorKind.SERVICE: "The service: the /v1 routes with the service token, the event stream, or the gateway itself (actor.id is null).",
    },
    name="AuditActorKind",
)

AUDIT_FIRST_DEFAULT, AUDIT_FIRST_MAX = 50, 100
SINCE_DESCRIPTION = "Only changes at or after this instant (still newest first)."


@strawberry.type(description="Who made a change.")
class AuditActor:
    kind: ActorKind = strawberry.field(description="A member, an API key, or the service.")
    id: str | None = strawberry.field(
        description="The member's id or the API key's id; null for the service."
    )


@strawberry.type(
    description='One change of the organization: its settings, plans, members and roles, API keys, credit purchases, alert rules or webhook endpoints. Secrets are never shown: a field holding one reads "[redacted]".'
)
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    occurred_at: datetime.datetime = strawberry.field(description="When the change was made.")
    actor: AuditActor = strawberry.field(description="Who made it.")
    action: str = strawberry.field(
        description="What was done, as `<thing>.<verb>`: organization.created, organization.updated, plan.scheduled, plan.history_replaced, member.created, member.updated, member.role_changed, member.restored, member.removed, api_key.created, api_key.revoked, purchase.recorded, alert_rule.created, alert_rule.updated, alert_rule.deleted, webhook_endpoint.created, webhook_endpoint.updated, webhook_endpoint.secret_rotated (more may be added)."
    )
    target_type: str = strawberry.field(
        description="The kind of thing changed: organization, plan, member, api_key, purchase, alert_rule or webhook_endpoint."
    )
    target_id: str = strawberry.field(
        description="Its id (the organization's for organization and plan changes)."
    )
    before: JSON | None = strawberry.field(
        description="Its values before the change, as a JSON object (null when it was created)."
    )
    after: JSON | None = strawberry.field(
        description="Its values after the change, as a JSON object (null when it was deleted)."
    )

    @classmethod
    def from_record(cls, row: AuditEventRecord) -> AuditEvent:
        return cls(
            id=strawberry.ID(row.id),
            occurred_at=row.occurred_at,
            actor=AuditActor(kind=row.actor_kind, id=row.actor_id),
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            before=cast("JSON | None", from_json(row.before_json)),
            after=cast("JSON | None", from_json(row.after_json)),
        )


@strawberry.type(description="One change in the audit log.")
class AuditEventEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this change.")
    node: AuditEvent = strawberry.field(description="The change.")


@strawberry.type(description="The organization's changes, newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge] = strawberry.field(description="The changes of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(
        description="Every change in the log (at or after since, when given)."
    )


def _position(values: list[Any]) -> tuple[datetime.datetime, str]:
    at, ident = values
    return datetime.datetime.fromisoformat(str(at)), str(ident)


async def audit_log_connection(
    info: Info,
    org_id: str,
    *,
    first: int | None,
    after: str | None,
    since: datetime.datetime | None,
) -> AuditEventConnection:
    limit = check_first(
        first, argument="first", default=AUDIT_FIRST_DEFAULT, maximum=AUDIT_FIRST_MAX
    )
    scope: list[Any] = [org_id, "auditLog"]
    if since is not None:
        scope += ["since", since.isoformat()]
    cursors = info.context.cursors
    start = decode_after(cursors, after, scope, _position)
    db = info.context.db
    rows = await audit_service.events(db, org_id, since=since, after=start, limit=limit + 1)
    total = await audit_service.count(db, org_id, since=since)
    edges = [
        AuditEventEdge(
            cursor=cursors.encode(scope=scope, position=[row.occurred_at.isoformat(), row.id]),
            node=AuditEvent.from_record(row),
        )
        for row in rows[:limit]
    ]
    return AuditEventConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit, after=after),
        total_count=total,
    )
