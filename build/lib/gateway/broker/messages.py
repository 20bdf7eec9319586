"""One message in, one validated event (or the reason it can never be taken) out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import orjson
from pydantic import ValidationError

from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn
from gateway.core.errors import Problem
from gateway.core.validation import Ident, problems_of
from gateway.usage.inputs import AiCallIn

# Headers this consumer adds to a dead-lettered copy.
ERROR_HEADER = "Usage-Error"
SUBJECT_HEADER = "Usage-Subject"
ORIGINAL_MSG_ID_HEADER = "Usage-Msg-Id"
MSG_ID_HEADER = "Nats-Msg-Id"
_MAX_ERROR_LENGTH = 2_000


class Kind(StrEnum):
    """The three ingest subjects, by the last token of their subject."""

    AI_CALLS = "ai-calls"
    INTERVIEW_EVENTS = "interview-events"
    CREDIT_PURCHASES = "credit-purchases"


class Reason(StrEnum):
    """Why a message was dead-lettered (the label of the metric)."""

    NOT_JSON = "not_json"
    INVALID = "invalid"  # the pydantic body validation
    REJECTED = "rejected"  # the ingest's own checks: unknown ids, clock skew...
    CONFLICT = "conflict"  # a purchaseId already recorded with other figures


class CreditPurchaseMessage(CreditPurchaseIn):
    """A credit purchase as a message: the ``/v1`` body plus the organization it belongs to."""

    org_id: Ident


Event = AiCallIn | InterviewEventIn | CreditPurchaseMessage
_MODELS: dict[Kind, type[Event]] = {
    Kind.AI_CALLS: AiCallIn,
    Kind.INTERVIEW_EVENTS: InterviewEventIn,
    Kind.CREDIT_PURCHASES: CreditPurchaseMessage,
}


@dataclass(frozen=True)
class Rejection:
    reason: Reason
    message: str


def describe(problems: Iterable[Problem]) -> str:
    """``field: message; field: message``, the problems of one event as a 422 lists them."""
    parts = []
    for problem in problems:
        field = problem.field
        parts.append(f"{field}: {problem.message}" if field else problem.message)
    return one_line("; ".join(parts) or "is not valid")


def one_line(text: str) -> str:
    """A header value: one line, bounded."""
    return " ".join(text.split())[:_MAX_ERROR_LENGTH]


def decode(kind: Kind, data: bytes) -> Event | Rejection:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Rejection(Reason.NOT_JSON, describe([Problem(None, f"not valid JSON: {exc}")]))
    if not isinstance(body, dict):
        return Rejection(
            Reason.INVALID, describe([Problem(None, "expected one event (an object)")])
        )
    try:
        return _MODELS[kind].model_validate(body)
    except ValidationError as exc:
        return Rejection(Reason.INVALID, describe(problems_of(exc.errors())))


def event_key(event: Event) -> tuple[str, str]:
    """What the database is idempotent on: the organization and the event (purchase) id."""
    if isinstance(event, CreditPurchaseMessage):
        return (event.org_id, event.purchase_id)
    return (event.org_id, event.event_id)


def dead_letter_headers(
    headers: Mapping[str, str] | None, *, subject: str, error: str, stream_seq: int
) -> dict[str, str]:
    """The original headers plus the reason and subject.

    The copy gets a ``Nats-Msg-Id`` of its own (``dead:<stream sequence>``): the original id would
    make the stream drop the copy as a duplicate of the original, and a stable id makes a second
    dead-lettering of a redelivered message a duplicate instead of a second copy. The original
    id is kept as ``Usage-Msg-Id``.
    """
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if name.lower().startswith("nats-expected"):
            continue  # would make the publish fail
        if name == MSG_ID_HEADER:
            out[ORIGINAL_MSG_ID_HEADER] = value
            continue
        out[name] = value
    out[ERROR_HEADER] = one_line(error)
    out[SUBJECT_HEADER] = subject
    out[MSG_ID_HEADER] = f"dead:{stream_seq}"
    return out
