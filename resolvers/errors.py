"""GraphQL errors that carry ``extensions.code`` and are never masked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError

from gateway.core.errors import DomainError, ErrorCode
from gateway.core.errors import NotFound as DomainNotFound


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


def from_domain(error: DomainError, *, field_prefix: str = "") -> GatewayError:
    """The GraphQL error for a domain error; an input's problem names the argument at fault."""
    if isinstance(error, DomainNotFound):
        return NotFound(error.message)
    problem = error.problems[0] if error.problems else None
    if problem is None or problem.field is None:
        return BadUserInput(error.message)
    return BadUserInput(error.message, field=f"{field_prefix}{problem.field}")


@contextmanager
def domain_errors(*, field_prefix: str = "") -> Iterator[None]:
    """A domain error raised in the block, as its GraphQL error (the service's words, the
    argument at fault named under ``field_prefix``)."""
    try:
        yield
    except DomainError as exc:
        raise from_domain(exc, field_prefix=field_prefix) from None
