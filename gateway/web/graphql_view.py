"""``/graphql``: GraphiQL for browsers, GraphQL over HTTP for everyone with a credential."""

from __future__ import annotations

from typing import Any

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.core.cursors import CursorCodec
from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import note_errors
from gateway.loaders import build_loaders
from gateway.orgs.credentials import Caller
from gateway.resolvers.context import Context
from gateway.resolvers.error_codes import code_errors
from gateway.resolvers.schema import schema as default_schema
from gateway.web.authentication import credential_of, reader
from gateway.web.body import MIB, BodyTooLarge, read_body, replay
from gateway.web.graphiql import graphiql_html
from gateway.web.responses import JSONResponse
from gateway.web.state import AppState

GRAPHQL_BODY_LIMIT = MIB
GRAPHQL_RESPONSE = "application/graphql-response+json"


class GatewayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context; the caller is resolved before it runs."""

    def __init__(self, state: AppState, schema: strawberry.Schema | None = None) -> None:
        super().__init__(schema or default_schema, graphql_ide=None, allow_queries_via_get=True)
        self._state = state
        self._cursors = CursorCodec(state.settings.jwt_secret)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = code_errors(result.errors, request.scope["state"].get("request_id"))
            note_errors(result.errors)
            # No data at all: the request itself was refused (parse, validation, variables).
            request.scope["state"]["request_error"] = result.data is None
        return await super().process_result(request, result)

    async def get_context(self, request: Any, response: Any) -> Context:
        caller = request.scope["state"]["caller"]
        return Context(
            caller=caller,
            db=self._state.db,
            clock=self._state.clock,
            loaders=build_loaders(self._state.db, org_id=caller.org_id),
            request_id=request.scope["state"].get("request_id", ""),
            cursors=self._cursors,
            rate_limiter=self._state.rate_limiter,
        )


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}]},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


class GraphQLEndpoint:
    """Takes members and API keys, bounds the body, then hands over to the Strawberry view."""

    def __init__(self, state: AppState, schema: strawberry.Schema | None = None) -> None:
        self._state = state
        self._view = GatewayGraphQL(state, schema)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if _wants_graphiql(request):
            await HTMLResponse(graphiql_html())(scope, receive, send)
            return
        caller = reader(credential_of(request))
        if not isinstance(caller, Caller):
            await unauthenticated(caller.reason)(scope, receive, send)
            return
        if request.method == "POST":
            try:
                body = await read_body(receive, limit=GRAPHQL_BODY_LIMIT)
            except BodyTooLarge as exc:
                await _too_large(str(exc))(scope, receive, send)
                return
            receive = replay(body)
        if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
            send = _graphql_response_media_type(scope, send)
        await self._view(scope, receive, send)


def _too_large(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": ErrorCode.PAYLOAD_TOO_LARGE}}]},
        status_code=413,
    )


def _graphql_response_media_type(scope: Scope, send: Send) -> Send:
    """GraphQL over HTTP: answer in ``application/graphql-response+json``, with 400 when the
    request was refused before execution (the ``application/json`` answer stays 200)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"content-type"
            ]
            headers.append((b"content-type", GRAPHQL_RESPONSE.encode()))
            status = message["status"]
            if status == 200 and scope["state"].get("request_error"):
                status = 400
            message = {**message, "headers": headers, "status": status}
        await send(message)

    return wrapped
