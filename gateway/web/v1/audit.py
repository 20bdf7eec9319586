"""``GET /v1/audit-log``: the organization's changes, newest first, a keyset page at a time
(the cursors are the GraphQL ``auditLog``'s: either reads the other's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.audit import service as audit_service
from gateway.audit.records import AuditEventRecord
from gateway.audit.snapshots import from_json
from gateway.core.cursors import CursorCodec, CursorError
from gateway.core.errors import ErrorCode
from gateway.orgs.enums import Permission
from gateway.web.errors import ApiError
from gateway.web.ratelimit import rate_limit_headers
from gateway.web.responses import JSONResponse
from gateway.web.v1.common import app_state, require_reader
from resolvers.charge import Charge

DEFAULT_FIRST, MAX_FIRST = 50, 100


def _bad(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        ErrorCode.BAD_USER_INPUT,
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def _first(request: Request) -> int:
    raw = request.query_params.get("first")
    if raw is None:
        return DEFAULT_FIRST
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_FIRST:
        raise _bad("first", f"must be a whole number from 1 to {MAX_FIRST}")
    return int(raw)


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _bad("since", "must be an ISO 8601 instant with its offset (2026-11-20T12:00:00Z)")
    return value


def _position(codec: CursorCodec, raw: str | None, scope: list[Any]) -> tuple[datetime, str] | None:
    if raw is None:
        return None
    try:
        at, ident = codec.decode(raw, scope=scope)
        return datetime.fromisoformat(str(at)), str(ident)
    except (CursorError, ValueError, TypeError) as exc:
        raise _bad("after", str(exc) or "the cursor is not valid") from None


def event_json(row: AuditEventRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "occurredAt": row.occurred_at.isoformat(),
        "actor": {"kind": str(row.actor_kind), "id": row.actor_id},
        "action": row.action,
        "targetType": row.target_type,
        "targetId": row.target_id,
        "before": from_json(row.before_json),
        "after": from_json(row.after_json),
    }


async def list_audit_log(request: Request) -> Response:
    caller = require_reader(request, Permission.AUDIT_VIEW)
    state = app_state(request)
    first, since = _first(request), _since(request)
    # Priced like the GraphQL connection: 2 + a point per event asked for.
    charge = Charge(caller.credential_id, state.rate_limiter)
    if not await charge.take(2 + first):
        headers = rate_limit_headers(charge.throttle)
        message = f"this page costs {2 + first} points; retry in {charge.retry_after} s"
        raise ApiError(429, ErrorCode.RATE_LIMITED, message, headers=headers)
    codec = CursorCodec(state.settings.jwt_secret)
    scope: list[Any] = [caller.org_id, "auditLog"]
    if since is not None:
        scope += ["since", since.isoformat()]
    after = _position(codec, request.query_params.get("after"), scope)
    rows = await audit_service.events(
        state.db, caller.org_id, since=since, after=after, limit=first + 1
    )
    page = rows[:first]
    end = (
        codec.encode(scope=scope, position=[page[-1].occurred_at.isoformat(), page[-1].id])
        if page
        else None
    )
    body = {
        "events": [event_json(row) for row in page],
        "pageInfo": {"hasNextPage": len(rows) > first, "endCursor": end},
    }
    return JSONResponse(body, headers=rate_limit_headers(charge.throttle))
