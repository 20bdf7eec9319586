"""Schema extensions: every error gets ``extensions.code``; unexpected ones are masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.errors import ErrorCode
from resolvers.errors import GatewayError

log = logging.getLogger("gateway.graphql")

# Messages of the validation rules that limit a document's size and shape.
_LIMIT_MARKERS = ("exceeds maximum operation depth", "aliases found", "tokens")


class ErrorCodes(SchemaExtension):
    """Mask unexpected errors (logged with the request id) and code every error."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", None)
        result.errors = [self._coded(error, request_id) for error in result.errors]

    def _coded(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if isinstance(original, GatewayError) or (
            isinstance(error, GatewayError) and original is None
        ):
            return error
        if original is None:
            # Parse and validation errors: the document is at fault.
            code = ErrorCode.BAD_USER_INPUT
            if any(marker in error.message for marker in _LIMIT_MARKERS):
                code = ErrorCode.QUERY_TOO_COMPLEX
            error.extensions = {**(error.extensions or {}), "code": code.value}
            return error
        if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
            return error
        if isinstance(original, ValueError | TypeError) and error.path is None:
            # Variable coercion failures (a scalar's parser said no).
            error.extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
            return error
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
