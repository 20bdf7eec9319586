"""GraphQL fields whose database went away or ran too long: ``SERVICE_UNAVAILABLE``, not masked."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import note_statement_timeout
from gateway.storage.faults import STATEMENT_TIMEOUT, classify

log = logging.getLogger("gateway.graphql")


def fault_error(error: GraphQLError, request_id: str | None) -> GraphQLError | None:
    """The error to answer instead of ``error`` when a backing service failed, else None."""
    if error.original_error is None:
        return None
    fault = classify(error.original_error)
    if fault is None:
        return None
    if fault.reason == STATEMENT_TIMEOUT:
        note_statement_timeout()
    log.warning(
        "%s in %s: %s (request %s)",
        fault.reason,
        ".".join(str(p) for p in error.path or []) or "the request",
        type(error.original_error).__name__,
        request_id,
    )
    return GraphQLError(
        fault.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.SERVICE_UNAVAILABLE.value, "requestId": request_id},
    )
