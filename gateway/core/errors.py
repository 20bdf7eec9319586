"""Error codes of the API and the domain's exceptions, which every entrance maps to its answer.

The services raise these; ``/v1`` answers them with 4xx JSON bodies and GraphQL with
``extensions.code``. Nothing in the domain knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    TOO_MANY_BULK_EXPORTS = "TOO_MANY_BULK_EXPORTS"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the field at fault and, in a batch, the item's index."""

    field: str | None
    message: str
    index: int | None = None

    def as_json(self, *, batch: bool = False) -> dict[str, object]:
        item: dict[str, object] = {"index": self.index} if batch else {}
        item["field"] = self.field
        item["message"] = self.message
        return item


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class InvalidInput(DomainError):
    """The input breaks a rule; ``problems`` name each field (and item of a batch)."""

    def __init__(
        self, problems: list[Problem], message: str = "the request is not valid", *, batch: bool
    ) -> None:
        super().__init__(message, problems)
        self.batch = batch

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([Problem(field, message)], message, batch=False)


class NotFound(DomainError):
    """A thing the input refers to does not exist (in the caller's organization)."""

    def __init__(self, what: str, ident: str, field: str) -> None:
        super().__init__(
            f"unknown {what} {ident!r}", [Problem(field, f"no {what} with id {ident!r}")]
        )


class Conflict(DomainError):
    """The input contradicts what is already recorded (append-only data, replays)."""

    def __init__(
        self, message: str, problems: list[Problem] | None = None, *, batch: bool = False
    ) -> None:
        super().__init__(message, problems)
        self.batch = batch
