"""One structured access-log line per request, and the operational metrics it feeds.

Fields: ``request_id``, ``method``, ``route`` (the template, never the raw path or query),
``operation`` (GraphQL), ``credential`` (member / api_key / service / none), ``org_id``,
``status``, ``duration_ms``, ``sql_statements`` and ``cost`` (GraphQL).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.core import requestinfo
from gateway.core.requestinfo import RequestInfo
from gateway.storage.db import Database
from gateway.web.metrics import Metrics
from gateway.web.opmetrics import INGEST_KINDS, MAX_OPERATION_LENGTH, OpsMetrics

log = logging.getLogger("gateway.access")
_MAX_CAPTURED = 4096


def route_template(scope: Scope) -> str:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", []):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "unmatched"


def credential_of(state: dict[str, Any]) -> tuple[str, str | None]:
    """``(credential kind, organization id)`` of the request's caller."""
    caller = state.get("caller")
    if caller is not None:
        return str(caller.kind), caller.org_id or None
    if state.get("credential") == "service":
        return "service", None
    return "none", None


class AccessLogMiddleware:
    """Sits inside :class:`gateway.middleware.RequestIdMiddleware` (it reads the id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, db: Database) -> None:
        self.app = app
        self.ops = OpsMetrics(metrics.registry)
        self.ops.watch_pool(db)
        db.on_statement(requestinfo.count_statement)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        info = RequestInfo(request_id=state.get("request_id", ""))
        route = route_template(scope)
        capture = route in INGEST_KINDS
        status = 500
        body = bytearray()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif capture and status < 300 and len(body) < _MAX_CAPTURED:
                body.extend(message.get("body", b"")[:_MAX_CAPTURED])
            await send(message)

        token = requestinfo.begin(info)
        try:
            await self.app(scope, receive, watch)
        except Exception:
            status = 500
            log.error("unhandled error in %s %s", scope["method"], route, exc_info=True)
            raise
        finally:
            seconds = time.perf_counter() - started
            self._finish(info, scope, route, status, seconds, bytes(body) if capture else None)
            requestinfo.end(token)

    def _finish(
        self,
        info: RequestInfo,
        scope: Scope,
        route: str,
        status: int,
        seconds: float,
        body: bytes | None,
    ) -> None:
        ingest = _ingest_counts(body) if body and status < 300 else None
        self.ops.observe(info, route=route, status=status, seconds=seconds, ingest=ingest)
        if not log.isEnabledFor(logging.INFO):
            return
        state = scope.get("state", {})
        credential, org_id = credential_of(state)
        if org_id is None:
            org_id = scope.get("path_params", {}).get("orgId")
        fields: dict[str, Any] = {
            "request_id": info.request_id,
            "method": scope["method"],
            "route": route,
            "operation": info.operation[:MAX_OPERATION_LENGTH] if info.operation else None,
            "credential": credential,
            "org_id": org_id,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "sql_statements": info.sql_statements,
            "cost": info.cost,
        }
        if info.error_codes:
            fields["error_codes"] = sorted(set(info.error_codes))
        log.log(logging.ERROR if status >= 500 else logging.INFO, "request", extra=fields)


def _ingest_counts(body: bytes) -> dict[str, Any] | None:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
