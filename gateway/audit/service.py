"""What the write paths call to record a change, in their own transaction, and what the
entrances call to read the log."""

from __future__ import annotations

import secrets
import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import queries
from gateway.audit.queries import Position
from gateway.audit.records import Actor, AuditEventRecord
from gateway.audit.snapshots import snapshot, to_json
from gateway.storage.db import Database

ID_PREFIX = "aud_"
_last_micros = 0


def new_event_id() -> str:
    """An id that grows with the time it was made (microseconds, never twice the same in a
    process), then random digits: events of one instant list in the order they were made."""
    global _last_micros
    _last_micros = max(_last_micros + 1, time.time_ns() // 1_000)
    return f"{ID_PREFIX}{_last_micros:014x}{secrets.token_hex(5)}"


async def record(
    conn: AsyncConnection,
    *,
    org_id: str,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    before: object,
    after: object,
    at: datetime,
) -> bool:
    """Record a change in the caller's transaction (so it commits or rolls back with the change
    itself). ``before`` and ``after`` are records or mappings of their values (None when the
    thing did not exist before, or no longer exists); secrets never reach the log. A "change"
    that changed nothing is not recorded: False."""
    old, new = snapshot(before), snapshot(after)
    if old is not None and old == new:
        return False
    await queries.insert_event(
        conn,
        row={
            "org_id": org_id,
            "id": new_event_id(),
            "occurred_at": at,
            "actor_kind": str(actor.kind),
            "actor_id": actor.id,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "before_json": to_json(old),
            "after_json": to_json(new),
        },
    )
    return True


async def events(
    db: Database,
    org_id: str,
    *,
    since: datetime | None,
    after: Position | None,
    limit: int,
) -> list[AuditEventRecord]:
    """The organization's events, newest first."""
    return await db.run(queries.events_page, org_id=org_id, since=since, after=after, limit=limit)


async def count(db: Database, org_id: str, *, since: datetime | None) -> int:
    return await db.run(queries.count_events, org_id=org_id, since=since)
