"""503 with ``Retry-After`` when a backing service is away, and the readiness probe."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import note_statement_timeout
from gateway.storage.faults import (
    STATEMENT_TIMEOUT,
    Fault,
    classify,
    unavailable,
)
from gateway.web.responses import JSONResponse

log = logging.getLogger("gateway.faults")


def fault_response(fault: Fault, path: str, retry_after: int) -> Response:
    """503 in the shape of the route: GraphQL errors on ``/graphql``, the ``/v1`` error body
    elsewhere."""
    code = ErrorCode.SERVICE_UNAVAILABLE.value
    body: dict[str, object]
    if path.startswith("/graphql"):
        body = {"errors": [{"message": fault.message, "extensions": {"code": code}}]}
    else:
        body = {"error": {"code": code, "message": fault.message}}
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(retry_after)})


class FaultMiddleware:
    """Answers 503 + Retry-After for a fault that escapes a route before it started answering.

    Any other exception, or a fault in the middle of a streamed answer, goes on as before.
    """

    def __init__(self, app: ASGIApp, retry_after: int) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            fault = classify(exc)
            if fault is None or started:
                raise
            if fault.reason == STATEMENT_TIMEOUT:
                note_statement_timeout()
            log.warning(
                "%s %s answered 503: %s (%s, request %s)",
                scope["method"],
                scope["path"],
                fault.reason,
                type(exc).__name__,
                scope.get("state", {}).get("request_id"),
            )
            await fault_response(fault, scope["path"], self.retry_after)(scope, receive, send)


async def readyz(request: Request) -> Response:
    """Ready when the database answers ``SELECT 1``; otherwise 503 naming the reason. With read
    replicas, each one is listed (host:port, state, lag): a replica out of rotation does not
    make the gateway unready, its reads go to the primary."""
    state = request.app.state.gateway
    replicas = (
        {"replicas": [replica.report() for replica in state.replicas.replicas]}
        if state.replicas is not None
        else {}
    )
    try:
        await state.db.ping()
    except Exception as exc:  # any failure means "not ready"
        reason = unavailable(exc) or type(exc).__name__
        return JSONResponse(
            {"status": "unavailable", "reason": reason, **replicas},
            503,
            headers={"Retry-After": str(state.settings.retry_after_s)},
        )
    return JSONResponse({"status": "ready", **replicas})
