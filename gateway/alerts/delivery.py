"""The delivery worker: claims due deliveries from the outbox and POSTs them, signed.

Each claim is a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of
workers claim different deliveries; SQLite runs one worker) that leases the delivery: its next
attempt moves past the call's timeout, so a worker killed mid-call leaves it to be claimed again
then (at least once; receivers drop duplicates by ``webhook-id``). The call connects to the
address checked by :mod:`gateway.alerts.addresses`, follows no redirect, waits at most 10
seconds and reads at most 64 KiB of the answer. Errors recorded name the failure, never the
URL's query or a secret.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx

from gateway.alerts import schedule, signing, writes
from gateway.alerts.addresses import Unresolved, UnsafeTarget, parse_url, resolve
from gateway.alerts.enums import DeliveryStatus
from gateway.alerts.records import DeliveryRecord, EndpointRecord
from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR
from gateway.storage.db import Database

log = logging.getLogger("gateway.webhooks")

TIMEOUT_S = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
LEASE = timedelta(seconds=60)  # longer than a call can take
USER_AGENT = "usage-gateway-webhooks/1"


@dataclass(frozen=True)
class Options:
    production: bool
    allow_private: bool
    timeout_s: float = TIMEOUT_S
    uniform: Callable[[float, float], float] | None = None  # the jitter's random source


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool  # a failure worth another attempt
    status_code: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    gone: bool = False  # 410: the receiver asks us to stop


async def call(
    delivery: DeliveryRecord, endpoint: EndpointRecord, now: datetime, options: Options
) -> Outcome:
    try:
        target = parse_url(endpoint.url, production=options.production)
        address = await resolve(target, allow_private=options.allow_private)
    except Unresolved as exc:
        return Outcome(False, True, error=str(exc))
    except UnsafeTarget as exc:
        return Outcome(False, False, error=f"refused: {exc}")
    host = f"[{address}]" if ":" in address else address
    url = f"{target.scheme}://{host}:{target.port}{target.path}"
    stamp = int(now.timestamp())
    headers = {
        **signing.headers(endpoint.secrets_at(now), delivery.message_id, stamp, delivery.payload),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        async with httpx.AsyncClient(
            follow_redirects=False, timeout=options.timeout_s, trust_env=False
        ) as client:
            request = client.build_request(
                "POST",
                url,
                content=delivery.payload.encode(),
                headers=headers,
                extensions=extensions,
            )
            response = await client.send(request, stream=True)
            try:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_RESPONSE_BYTES:
                        break
            finally:
                await response.aclose()
    except httpx.TimeoutException:
        return Outcome(False, True, error="timed out")
    except httpx.HTTPError as exc:
        return Outcome(False, True, error=f"connection failed ({type(exc).__name__})")
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, False, code)
    if code == 410:
        return Outcome(False, False, code, "410 Gone: the endpoint is disabled", gone=True)
    retry = code == 429 or code >= 500
    after = schedule.parse_retry_after(response.headers.get("retry-after"), now)
    return Outcome(False, retry, code, f"HTTP {code}", after if retry else None)


async def deliver_due(db: Database, *, now: datetime, options: Options, limit: int = 20) -> int:
    """Claim up to ``limit`` due deliveries, send them side by side, record each outcome;
    returns how many were claimed."""
    async with db.write() as conn:
        claimed = await writes.claim_due(conn, now=now, limit=limit, lease_until=now + LEASE)
    await asyncio.gather(*(_one(db, d, e, now, options) for d, e in claimed))
    return len(claimed)


async def _one(
    db: Database,
    delivery: DeliveryRecord,
    endpoint: EndpointRecord,
    now: datetime,
    options: Options,
) -> None:
    if not endpoint.enabled:
        outcome = Outcome(False, False, error="the endpoint is disabled")
    else:
        outcome = await call(delivery, endpoint, now, options)
    attempts = delivery.attempts + (1 if endpoint.enabled else 0)
    values: dict[str, object] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.delivered:
        values.update(status=str(DeliveryStatus.DELIVERED), next_attempt_at=None, delivered_at=now)
    else:
        uniform = options.uniform or random.uniform
        due = (
            schedule.next_attempt(attempts, now, retry_after=outcome.retry_after, uniform=uniform)
            if outcome.retry
            else None
        )
        status = DeliveryStatus.PENDING if due is not None else DeliveryStatus.FAILED
        values.update(status=str(status), next_attempt_at=due)
    async with db.write() as conn:
        await writes.record_attempt(conn, org_id=delivery.org_id, delivery_id=delivery.id, **values)
        if outcome.gone:
            reason = "the receiver answered 410 Gone"
            await writes.update_endpoint(
                conn,
                org_id=endpoint.org_id,
                endpoint_id=endpoint.id,
                enabled=False,
                disabled_reason=reason,
                updated_at=now,
            )
            await audit.webhook_endpoint_changed(
                conn,
                org_id=endpoint.org_id,
                endpoint_id=endpoint.id,
                before=endpoint,
                after=replace(endpoint, enabled=False, disabled_reason=reason),
                actor=SERVICE_ACTOR,
                at=now,
            )
    log.info(
        "webhook delivery",
        extra={
            "delivery_id": delivery.id,
            "endpoint_id": endpoint.id,
            "status": values["status"],
            "attempts": attempts,
            "status_code": outcome.status_code,
        },
    )
