"""Webhook endpoints of one organization and their deliveries: the secret is shown once, at
creation or rotation; the previous secret keeps signing for a day after a rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from gateway.alerts import payloads, queries, writes
from gateway.alerts.addresses import check_url
from gateway.alerts.enums import DeliveryStatus
from gateway.alerts.evaluate import delivery_row
from gateway.alerts.inputs import MAX_ENDPOINTS, WebhookEndpointIn
from gateway.alerts.records import DeliveryRecord, EndpointRecord
from gateway.alerts.signing import new_secret
from gateway.audit import actions as audit_actions
from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR, Actor
from gateway.core.errors import InvalidInput, NotFound, Problem
from gateway.orgs.service import require_org
from gateway.storage.db import Database
from gateway.storage.locks import hold_orgs

ROTATION_OVERLAP = timedelta(hours=24)


async def endpoints(db: Database, org_id: str) -> list[EndpointRecord]:
    return await db.run(queries.endpoints_of_org, org_id=org_id)


async def endpoint(db: Database, org_id: str, endpoint_id: str) -> EndpointRecord | None:
    return await db.run(queries.endpoint_by_id, org_id=org_id, endpoint_id=endpoint_id)


async def create_endpoint(
    db: Database,
    org_id: str,
    body: WebhookEndpointIn,
    *,
    now: datetime,
    production: bool,
    allow_private: bool,
    actor: Actor = SERVICE_ACTOR,
) -> tuple[EndpointRecord, str]:
    """The new endpoint and its secret (shown this once)."""
    await check_url(body.url, production=production, allow_private=allow_private)
    secret = new_secret()
    endpoint_id = payloads.new_id("ep")
    async with db.write() as conn:
        await hold_orgs(conn, [org_id], exclusive=True)
        await require_org(conn, org_id)
        if await queries.count_endpoints(conn, org_id=org_id) >= MAX_ENDPOINTS:
            raise InvalidInput(
                [Problem(None, f"an organization has at most {MAX_ENDPOINTS} webhook endpoints")],
                "too many webhook endpoints",
                batch=False,
            )
        await writes.insert_endpoint(
            conn,
            row={
                "org_id": org_id,
                "id": endpoint_id,
                "url": body.url,
                "description": body.description,
                "event_types": body.event_type_text(),
                "secret": secret,
                "previous_secret": None,
                "previous_until": None,
                "enabled": True,
                "disabled_reason": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        created = await queries.endpoint_by_id(conn, org_id=org_id, endpoint_id=endpoint_id)
        assert created is not None
        await audit.webhook_endpoint_changed(
            conn,
            org_id=org_id,
            endpoint_id=endpoint_id,
            before=None,
            after=created,
            actor=actor,
            at=now,
        )
    return created, secret


async def _require(db: Database, org_id: str, endpoint_id: str) -> EndpointRecord:
    found = await endpoint(db, org_id, endpoint_id)
    if found is None:
        raise NotFound("webhook endpoint", endpoint_id, "id")
    return found


async def _changed(
    db: Database,
    org_id: str,
    endpoint_id: str,
    values: Callable[[EndpointRecord], dict[str, object]],
    *,
    now: datetime,
    actor: Actor,
    action: str,
) -> EndpointRecord:
    """Change an endpoint (``values`` of the stored one) and record it, in one transaction."""
    async with db.write() as conn:
        before = await queries.endpoint_by_id(conn, org_id=org_id, endpoint_id=endpoint_id)
        if before is None:
            raise NotFound("webhook endpoint", endpoint_id, "id")
        await writes.update_endpoint(
            conn, org_id=org_id, endpoint_id=endpoint_id, **values(before), updated_at=now
        )
        after = await queries.endpoint_by_id(conn, org_id=org_id, endpoint_id=endpoint_id)
        await audit.webhook_endpoint_changed(
            conn,
            org_id=org_id,
            endpoint_id=endpoint_id,
            before=before,
            after=after,
            actor=actor,
            at=now,
            action=action,
        )
    assert after is not None
    return after


async def rotate_secret(
    db: Database, org_id: str, endpoint_id: str, *, now: datetime, actor: Actor = SERVICE_ACTOR
) -> tuple[EndpointRecord, str]:
    """A new secret (shown this once); the old one also signs for 24 hours."""
    secret = new_secret()

    def values(old: EndpointRecord) -> dict[str, object]:
        return {
            "secret": secret,
            "previous_secret": old.secret,
            "previous_until": now + ROTATION_OVERLAP,
        }

    rotated = audit_actions.WEBHOOK_ENDPOINT_SECRET_ROTATED
    made = await _changed(db, org_id, endpoint_id, values, now=now, actor=actor, action=rotated)
    return made, secret


async def set_enabled(
    db: Database,
    org_id: str,
    endpoint_id: str,
    enabled: bool,
    *,
    now: datetime,
    actor: Actor = SERVICE_ACTOR,
) -> EndpointRecord:
    def values(_: EndpointRecord) -> dict[str, object]:
        return {"enabled": enabled, "disabled_reason": None if enabled else "disabled by a user"}

    updated = audit_actions.WEBHOOK_ENDPOINT_UPDATED
    return await _changed(db, org_id, endpoint_id, values, now=now, actor=actor, action=updated)


async def send_test(
    db: Database, org_id: str, endpoint_id: str, *, now: datetime
) -> DeliveryRecord:
    """A ``webhook.test`` event through the outbox, delivered like any other (to a disabled
    endpoint it fails, as every delivery to it does)."""
    found = await _require(db, org_id, endpoint_id)
    body = payloads.test_body(
        message_id=payloads.new_id("msg"), org_id=org_id, endpoint_id=endpoint_id, now=now
    )
    row = delivery_row(found, body, now)
    async with db.write() as conn:
        await writes.insert_deliveries(conn, rows=[row])
        made = await queries.delivery_by_id(conn, org_id=org_id, delivery_id=str(row["id"]))
    assert made is not None
    return made


async def deliveries(
    db: Database,
    org_id: str,
    endpoint_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[DeliveryRecord]:
    """Newest first."""
    return await db.run(
        queries.deliveries_page, org_id=org_id, endpoint_id=endpoint_id, after=after, limit=limit
    )


async def count_deliveries(db: Database, org_id: str, endpoint_id: str) -> int:
    return await db.run(queries.count_deliveries, org_id=org_id, endpoint_id=endpoint_id)


async def redeliver(
    db: Database, org_id: str, delivery_id: str, *, now: datetime
) -> DeliveryRecord:
    """Send a delivery again, with the same webhook-id, from a fresh retry schedule."""
    async with db.write() as conn:
        found = await queries.delivery_by_id(conn, org_id=org_id, delivery_id=delivery_id)
        if found is None:
            raise NotFound("webhook delivery", delivery_id, "id")
        await writes.record_attempt(
            conn,
            org_id=org_id,
            delivery_id=delivery_id,
            status=str(DeliveryStatus.PENDING),
            attempts=0,
            next_attempt_at=now,
            last_error=None,
        )
        again = await queries.delivery_by_id(conn, org_id=org_id, delivery_id=delivery_id)
    assert again is not None
    return again
