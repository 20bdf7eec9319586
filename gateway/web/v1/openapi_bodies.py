"""The answers of the ``/v1`` routes as JSON Schema, for ``GET /v1/openapi.json``: the bodies
each route writes (orgs.py, catalog.py, ingest.py) and the one error body every refusal carries
(errors.py, header_limit.py, faults.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gateway.orgs.enums import AiBillingMode, AiProvider, Permission, Role, RolloverRule

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
# Credits and prices are exact decimals written as strings.
DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}


def _enum(kind: type[StrEnum], *, nullable: bool = False) -> dict[str, Any]:
    values: list[str | None] = [member.value for member in kind]
    if nullable:
        values.append(None)
    return {"enum": values}


def obj(**properties: Any) -> dict[str, Any]:
    """An object with exactly these properties, all present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


PLAN = obj(
    interviewCreditsPerPeriod={"type": ["string", "null"], "pattern": DECIMAL["pattern"]},
    rollover=_enum(RolloverRule),
    rolloverCap={"type": ["string", "null"], "pattern": DECIMAL["pattern"]},
    billingAnchorDay=INTEGER,
    effectiveFrom={"type": "string", "format": "date"},
)
ORGANIZATION = obj(
    id=STRING,
    name=STRING,
    timeZone=STRING,
    aiBilling=obj(mode=_enum(AiBillingMode), provider=_enum(AiProvider, nullable=True)),
    activeSince={"type": "string", "format": "date"},
    plans={"type": "array", "items": PLAN},
)
MEMBER = obj(id=STRING, name=STRING, email=STRING, role=_enum(Role), removed={"type": "boolean"})
OPENING = obj(id=STRING, jobTitle=STRING)
MODEL = obj(
    id=STRING,
    provider=_enum(AiProvider),
    tier=STRING,
    label=STRING,
    prices={
        "type": "array",
        "items": obj(
            effectiveFrom={"type": "string", "format": "date-time"},
            inputUsdPerMillion=DECIMAL,
            outputUsdPerMillion=DECIMAL,
        ),
    },
)
API_KEY = obj(
    id=STRING,
    name=STRING,
    permissions={"type": "array", "items": _enum(Permission)},
    key={"type": "string", "description": "The secret, shown this once (ugk_...)"},
    createdAt={"type": "string", "format": "date-time"},
    expiresAt={"type": ["string", "null"], "format": "date-time"},
)
INGEST_RESULT = obj(accepted=INTEGER, duplicates=INTEGER)

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "index": {"type": ["integer", "null"]},
                            "field": {"type": ["string", "null"]},
                            "message": {"type": "string"},
                        },
                        "required": ["message"],
                    },
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

# Every refusal a /v1 route can answer, with the code its body carries.
REASONS = {
    400: "Malformed request: a path id, a query parameter or the JSON itself (BAD_USER_INPUT)",
    401: "Missing or refused credential, or one of the wrong kind (UNAUTHENTICATED)",
    403: "The credential lacks the permission (FORBIDDEN)",
    404: "Unknown organization or object (NOT_FOUND)",
    405: "Another method than those documented for this path (BAD_USER_INPUT); Allow lists them",
    408: "The body did not arrive in time (BAD_USER_INPUT)",
    409: "Contradicts what is recorded: an id re-sent with other content (CONFLICT)",
    413: "Body too large: 1 MiB, 10 MiB for an ingest batch (PAYLOAD_TOO_LARGE)",
    422: "Invalid body: each problem names its field (and index) (BAD_USER_INPUT)",
    429: "Over the rate limit; retry after Retry-After seconds (RATE_LIMITED)",
    431: "The request headers are over 16 KiB together (BAD_USER_INPUT)",
    503: "A dependency is away; retry after Retry-After seconds (SERVICE_UNAVAILABLE)",
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 0}}
}
