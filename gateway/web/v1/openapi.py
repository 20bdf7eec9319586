"""``GET /v1/openapi.json``: the ``/v1`` routes as an OpenAPI 3.1 document, its request bodies
generated from the same pydantic models that validate them (so it cannot drift)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from gateway.catalog.inputs import ModelIn
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.orgs.inputs import ApiKeyIn, MemberIn, OrganizationIn
from gateway.usage.inputs import AiCallIn
from gateway.web.responses import JSONResponse

MODELS: tuple[type[BaseModel], ...] = (
    OrganizationIn,
    MemberIn,
    OpeningIn,
    ModelIn,
    ApiKeyIn,
    AiCallIn,
    InterviewEventIn,
    CreditPurchaseIn,
)
SERVICE: list[dict[str, list[str]]] = [{"serviceToken": []}]
READER: list[dict[str, list[str]]] = [{"memberToken": []}, {"apiKey": []}]
ERROR = {"$ref": "#/components/schemas/Error"}
INGEST_RESULT = {
    "type": "object",
    "properties": {"accepted": {"type": "integer"}, "duplicates": {"type": "integer"}},
    "required": ["accepted", "duplicates"],
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _batch(model: type[BaseModel]) -> dict[str, Any]:
    items = {"type": "array", "items": _ref(model)}
    return {
        "oneOf": [
            items,
            {"type": "object", "properties": {"events": items}, "required": ["events"]},
        ]
    }


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Malformed request (BAD_USER_INPUT)",
        401: "Missing or refused credential (UNAUTHENTICATED)",
        403: "The credential lacks the permission (FORBIDDEN)",
        404: "Unknown organization or object (NOT_FOUND)",
        409: "Contradicts what is recorded (CONFLICT)",
        413: "Body too large (PAYLOAD_TOO_LARGE)",
        422: "Invalid body: each problem names its field (and index) (BAD_USER_INPUT)",
        503: "A dependency is away; retry after Retry-After (SERVICE_UNAVAILABLE)",
    }
    return {
        str(status): {
            "description": reasons[status],
            "content": {"application/json": {"schema": ERROR}},
        }
        for status in statuses
    }


def _op(
    summary: str,
    *,
    body: dict[str, Any] | None = None,
    ok: dict[str, Any] | None = None,
    security: list[dict[str, list[str]]] = SERVICE,
    params: tuple[str, ...] = (),
    errors: tuple[int, ...] = (401, 422, 503),
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": security,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in params
        ],
        "responses": {
            "200": {
                "description": "Done",
                "content": {"application/json": {"schema": ok or {"type": "object"}}},
            },
            **_errors(*errors),
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return operation


def _export(summary: str, permission: str) -> dict[str, Any]:
    day = {"type": "string", "format": "date", "minimum": "1900-01-01", "maximum": "2999-12-31"}
    return {
        "summary": f"{summary} (needs {permission}; at most 400 days; dates 1900-2999)",
        "security": READER,
        "parameters": [
            {"name": "from", "in": "query", "required": True, "schema": day},
            {"name": "to", "in": "query", "required": True, "schema": day},
            {
                "name": "format",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "enum": ["csv", "xlsx"]},
            },
        ],
        "responses": {
            "200": {
                "description": "The file, streamed (a failure mid-stream aborts the connection)",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            },
            **_errors(400, 401, 403, 503),
        },
    }


@cache
def document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(model, "validation") for model in MODELS],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Error"] = {
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
                        },
                    },
                },
                "required": ["code", "message"],
            }
        },
    }
    org = ("orgId",)
    paths: dict[str, Any] = {
        "/v1/orgs/{orgId}": {
            "put": _op("Create or update an organization", body=_ref(OrganizationIn), params=org)
        },
        "/v1/orgs/{orgId}/members/{memberId}": {
            "put": _op("Upsert a member", body=_ref(MemberIn), params=(*org, "memberId")),
            "delete": _op(
                "Flag a member removed", params=(*org, "memberId"), errors=(401, 404, 503)
            ),
        },
        "/v1/orgs/{orgId}/openings/{openingId}": {
            "put": _op("Upsert a job opening", body=_ref(OpeningIn), params=(*org, "openingId"))
        },
        "/v1/models/{modelId}": {
            "put": _op(
                "Add or update a catalog model and append prices (effectiveFrom: a date-time, "
                "or a date meaning that day's start in UTC)",
                body=_ref(ModelIn),
                params=("modelId",),
                errors=(401, 409, 422, 503),
            )
        },
        "/v1/orgs/{orgId}/api-keys": {
            "post": _op("Create a partner API key (shown once)", body=_ref(ApiKeyIn), params=org)
        },
        "/v1/orgs/{orgId}/api-keys/{keyId}": {
            "delete": _op("Revoke an API key", params=(*org, "keyId"), errors=(401, 404, 503))
        },
        "/v1/ingest/ai-calls": {
            "post": _op(
                "Ingest a batch of AI calls (all or nothing; idempotent by eventId)",
                body=_batch(AiCallIn),
                ok=INGEST_RESULT,
                errors=(400, 401, 409, 413, 422, 503),
            )
        },
        "/v1/ingest/interview-events": {
            "post": _op(
                "Ingest a batch of interview events (all or nothing; idempotent by eventId)",
                body=_batch(InterviewEventIn),
                ok=INGEST_RESULT,
                errors=(400, 401, 409, 413, 422, 503),
            )
        },
        "/v1/orgs/{orgId}/credit-purchases": {
            "post": _op(
                "Record a credit purchase (idempotent by purchaseId)",
                body=_ref(CreditPurchaseIn),
                ok=INGEST_RESULT,
                params=org,
                errors=(400, 401, 404, 409, 422, 503),
            )
        },
        "/v1/exports/ai-usage": {"get": _export("The AI-usage export", "credits:view")},
        "/v1/exports/consumption": {"get": _export("The consumption export", "consumption:view")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Usage & credits gateway: /v1", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "serviceToken": {"type": "http", "scheme": "bearer"},
                "memberToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "ugk_..."},
            },
        },
    }


async def openapi_json(_: Request) -> Response:
    return JSONResponse(document())
