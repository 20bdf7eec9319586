"""``GET /v1/audit-log`` in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.audit.records import ActorKind
from gateway.web.v1.audit import MAX_FIRST
from gateway.web.v1.openapi_bodies import STRING, obj

NULLABLE_STRING = {"type": ["string", "null"]}
SNAPSHOT = {
    "type": ["object", "null"],
    "description": 'The values before or after the change (secrets read "[redacted]")',
}
EVENT = obj(
    id=STRING,
    occurredAt=STRING,
    actor=obj(kind={"enum": [k.value for k in ActorKind]}, id=NULLABLE_STRING),
    action=STRING,
    targetType=STRING,
    targetId=STRING,
    before=SNAPSHOT,
    after=SNAPSHOT,
)
PAGE = obj(
    events={"type": "array", "items": EVENT},
    pageInfo=obj(hasNextPage={"type": "boolean"}, endCursor=NULLABLE_STRING),
)


def audit_paths(
    errors: Callable[..., dict[str, Any]], answer_codes: tuple[int, ...]
) -> dict[str, Any]:
    query = [
        {
            "name": "first",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_FIRST, "default": 50},
        },
        {"name": "after", "in": "query", "required": False, "schema": STRING},
        {
            "name": "since",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "format": "date-time"},
        },
    ]
    return {
        "/v1/audit-log": {
            "get": {
                "summary": "The organization's changes, newest first (needs audit:view; "
                "costs 2 + first points)",
                "security": [{"memberToken": []}, {"apiKey": []}],
                "parameters": query,
                "responses": {
                    "200": {
                        "description": "A page of changes",
                        "content": {"application/json": {"schema": PAGE}},
                    },
                    **errors(*answer_codes, 403, 429),
                },
            }
        }
    }
