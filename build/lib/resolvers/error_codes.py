"""Every error gets ``extensions.code``; unexpected ones are masked, logged with the request id."""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError

from gateway.core.errors import ErrorCode
from resolvers.errors import GatewayError
from resolvers.faults import fault_error

log = logging.getLogger("gateway.graphql")

# The parser's message for a document over the token limit.
_TOKEN_LIMIT_MARKER = "tokens"


def code_errors(errors: list[GraphQLError], request_id: str | None) -> list[GraphQLError]:
    """Run on every response, parse errors included (those never reach schema extensions)."""
    return [_coded(error, request_id) for error in errors]


def _coded(error: GraphQLError, request_id: str | None) -> GraphQLError:
    original = error.original_error
    if isinstance(original, GatewayError) or (isinstance(error, GatewayError) and original is None):
        return error
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
        return error
    if original is None and (error.extensions or {}).get("code"):
        return error  # coded where it was raised (validation, shape limits)
    if (unavailable_error := fault_error(error, request_id)) is not None:
        return unavailable_error
    if error.path is None:
        # Outside any field: parse or variable errors (validation errors come coded). The
        # request is at fault.
        code = ErrorCode.BAD_USER_INPUT
        if isinstance(error, GraphQLSyntaxError):
            code = ErrorCode.GRAPHQL_PARSE_FAILED
            if _TOKEN_LIMIT_MARKER in error.message:
                code = ErrorCode.QUERY_TOO_COMPLEX
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            extensions={**(error.extensions or {}), "code": code.value},
        )
    log.error(
        "unexpected error in %s (request %s)",
        ".".join(str(p) for p in error.path or []),
        request_id,
        exc_info=original,
    )
    return GraphQLError(
        "Unexpected error.",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
    )
