"""``/graphql``: GraphiQL for browsers, GraphQL over HTTP for everyone with a credential.

Every request pays a small fee from its credential's bucket before its body is even read, then
its document's cost once priced (``resolvers.limits``); every answer is JSON and carries
the bucket in ``RateLimit-Policy`` / ``RateLimit`` headers (IETF httpapi-ratelimit-headers).
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from gateway.alerting import delivery_options
from gateway.bulk.signing import url_secret
from gateway.core.cursors import CursorCodec
from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import note_error_codes, note_errors
from gateway.orgs.credentials import Caller, CredentialKind
from gateway.web.answer_key import traits, vouch
from gateway.web.authentication import credential_of, reader
from gateway.web.body import MIB, BodyTimeout, BodyTooLarge, read_body
from gateway.web.data_version import requested_lsn
from gateway.web.graphiql import graphiql_response
from gateway.web.graphql_request import Refusal, read_params
from gateway.web.persisted import PersistedQueries
from gateway.web.ratelimit import rate_limit_headers
from gateway.web.response_cache import ResponseCache
from gateway.web.responses import JSONResponse
from gateway.web.state import AppState
from loaders import build_loaders
from resolvers.charge import REQUEST_FEE, Charge
from resolvers.context import Context
from resolvers.documents import trusted_documents
from resolvers.documents.embeddable import EmbeddableDocuments
from resolvers.documents.manifest import load_manifest
from resolvers.error_codes import code_errors
from resolvers.limits import rate_limited
from resolvers.planned.planner import Planner
from resolvers.schema import schema as default_schema

GRAPHQL_BODY_LIMIT = MIB
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "extensions" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}]},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


class GraphQLEndpoint:
    """Takes members and API keys, charges them, bounds the body, runs one operation."""

    def __init__(self, state: AppState, schema: strawberry.Schema | None = None) -> None:
        self._state = state
        # Another schema only when tracing wraps it (gateway/web/tracing.py).
        self._schema = schema or default_schema
        self._cursors = CursorCodec(state.settings.jwt_secret)
        self._bulk_secret = url_secret(state.settings.bulk_export_secret, state.settings.jwt_secret)
        trusted = trusted_documents()
        if state.settings.trusted_documents_file:
            trusted |= load_manifest(state.settings.trusted_documents_file)
        self.persisted = PersistedQueries(
            trusted,
            trusted_only=state.settings.trusted_documents_only,
            redis_url=state.settings.redis_url,
            timeout_s=state.settings.redis_timeout_s,
        )
        self.responses = ResponseCache(state.settings, state.clock, default_schema)
        self.embeddable = EmbeddableDocuments(self.persisted.trusted)
        # The trusted documents, planned once (not when tracing wraps the schema: no spans).
        plan = schema is None and state.settings.planned_documents
        self.planner = (
            Planner(default_schema._schema, self.persisted.trusted.values()) if plan else None
        )
        if self.planner is not None:
            # Planned documents skip the schema's parse: the answer cache must know them too.
            for text, document in self.planner.documents().items():
                vouch(text, document)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if _wants_graphiql(request):
            await graphiql_response()(scope, receive, send)
            return
        caller = reader(credential_of(request))
        if not isinstance(caller, Caller):
            await unauthenticated(caller.reason)(scope, receive, send)
            return
        response = await self._answer(request, caller, receive)
        await response(scope, receive, send)

    async def _answer(self, request: Request, caller: Caller, receive: Receive) -> Response:
        media = (
            GRAPHQL_RESPONSE
            if GRAPHQL_RESPONSE in request.headers.get("accept", "")
            else "application/json"
        )
        charge = Charge(caller.credential_id, self._state.rate_limiter)
        # The fee, before anything is read or parsed: a credential out of budget costs nothing.
        if not await charge.take(REQUEST_FEE):
            # Refused before anything was read: the only place this error is counted.
            note_error_codes([ErrorCode.RATE_LIMITED.value])
            return _limited(charge, media)
        try:
            body = b""
            if request.method == "POST":
                body = await read_body(receive, limit=GRAPHQL_BODY_LIMIT)
            params = read_params(request, body)
            min_lsn = requested_lsn(request)
            query = await self.persisted.document(params, caller)
        except BodyTimeout as exc:
            refusal = Refusal(str(exc), status=408)
            return _refused(refusal, charge, media)
        except BodyTooLarge as exc:
            refusal = Refusal(str(exc), ErrorCode.PAYLOAD_TOO_LARGE, status=413)
            return _refused(refusal, charge, media)
        except Refusal as refusal:
            return _refused(refusal, charge, media)
        cached = await self.responses.lookup(request, caller, query, params, charge)
        if cached.response is not None:
            return cached.response
        if self.planner is not None and self.planner.planned(query):
            context = self._context(request, caller, charge, query, min_lsn)
            planned = await self.planner.answer(
                query, params.variables, params.operation_name, context
            )
            if planned is not None:
                response = _json(planned, 200, charge, media)
                return await self.responses.keep(cached, request, planned, charge, response)
        operations = {OperationType.QUERY}
        # An embed token reads: its documents are queries, and nothing else runs under it.
        if request.method == "POST" and caller.kind is not CredentialKind.EMBED:
            operations.add(OperationType.MUTATION)
        try:
            result = await self._schema.execute(
                query,
                variable_values=params.variables,
                context_value=self._context(request, caller, charge, query, min_lsn),
                operation_name=params.operation_name,
                allowed_operation_types=operations,
            )
        except InvalidOperationTypeError:
            if caller.kind is CredentialKind.EMBED:
                reads_only = Refusal("an embed token only reads", ErrorCode.FORBIDDEN, status=403)
                return _refused(reads_only, charge, media)
            # GraphQL over HTTP: a mutation sent with GET is 405, not a server fault.
            return _refused(Refusal("mutations are sent with POST", status=405), charge, media)
        except CannotGetOperationTypeError as exc:
            # No operation of that name, or several and none named: the client's request.
            unchosen = Refusal(
                exc.as_http_error_reason(), ErrorCode.GRAPHQL_VALIDATION_FAILED, request_error=True
            )
            return _refused(unchosen, charge, media)
        if result.errors:
            result.errors = code_errors(result.errors, request.scope["state"].get("request_id"))
            note_errors(result.errors)
        answer: dict[str, Any] = dict(process_result(result))
        if charge.limited:
            return _limited(charge, media, answer)
        status = 200
        # Refused before execution (parse, validation, limits, variables): a request error.
        request_error = not charge.executed or (
            result.data is None and all(error.path is None for error in result.errors or [])
        )
        if request_error and media == GRAPHQL_RESPONSE:
            answer.pop("data", None)
            status = 400
        response = _json(answer, status, charge, media)
        return await self.responses.keep(cached, request, answer, charge, response)

    def _context(
        self, request: Request, caller: Caller, charge: Charge, query: str, min_lsn: int | None
    ) -> Context:
        # The request's reads: on a replica holding the organization's current data, if any,
        # for a query of versioned data only; a document not parsed yet, a mutation, or one
        # selecting an unversioned field (alerts, keys, audit log, …) reads on the primary.
        document = traits(query)
        replicable = document is not None and document.versioned
        db = self._state.read_database(caller, min_lsn, replicable=replicable)
        return Context(
            caller=caller,
            db=db,
            clock=self._state.clock,
            loaders=build_loaders(db, org_id=caller.org_id),
            request_id=request.scope["state"].get("request_id", ""),
            cursors=self._cursors,
            charge=charge,
            webhooks=delivery_options(self._state.settings),
            embeddable=self.embeddable.resolve,
            bulk_url_secret=self._bulk_secret,
            base_url=str(request.base_url).rstrip("/"),
        )


def _json(answer: dict[str, Any], status: int, charge: Charge, media: str) -> Response:
    return JSONResponse(
        answer, status_code=status, headers=rate_limit_headers(charge.throttle), media_type=media
    )


def _limited(charge: Charge, media: str, answer: dict[str, Any] | None = None) -> Response:
    error = rate_limited(charge.retry_after).formatted
    body: dict[str, Any] = {"errors": [error]}
    if answer and "extensions" in answer:
        body["extensions"] = answer["extensions"]
    return _json(body, 429, charge, media)


def _refused(refusal: Refusal, charge: Charge, media: str) -> Response:
    status = refusal.status
    note_error_codes([str(e["extensions"]["code"]) for e in refusal.body()["errors"]])
    if refusal.request_error:
        status = 400 if media == GRAPHQL_RESPONSE else 200
    return _json(refusal.body(), status, charge, media)
