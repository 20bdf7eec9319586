"""GraphQL errors that carry ``extensions.code`` and are never masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from gateway.errors import ErrorCode


class GatewayError(GraphQLError):
    code = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code.value, **extensions})


class BadUserInput(GatewayError):
    code = ErrorCode.BAD_USER_INPUT


class Forbidden(GatewayError):
    code = ErrorCode.FORBIDDEN


class NotFound(GatewayError):
    code = ErrorCode.NOT_FOUND


class QueryTooComplex(GatewayError):
    code = ErrorCode.QUERY_TOO_COMPLEX


class RateLimited(GatewayError):
    code = ErrorCode.RATE_LIMITED
