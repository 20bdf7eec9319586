"""``GET /v1/openapi.json``: the ``/v1`` routes as an OpenAPI 3.1 document, its request bodies
generated from the same pydantic models that validate them (so it cannot drift)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from gateway.alerts.inputs import AlertRuleIn, WebhookEndpointIn
from gateway.catalog.inputs import ModelIn
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.core.validation import IDENT_PATTERN
from gateway.orgs.inputs import ApiKeyIn, MemberIn, OrganizationIn
from gateway.usage.inputs import AiCallIn
from gateway.web.responses import JSONResponse
from gateway.web.v1 import bulk_exports
from gateway.web.v1 import openapi_bodies as bodies
from gateway.web.v1.exports import MEDIA_TYPES, PLAIN_DATE
from gateway.web.v1.openapi_alerts import alert_paths
from gateway.web.v1.openapi_audit import audit_paths

MODELS: tuple[type[BaseModel], ...] = (
    OrganizationIn,
    MemberIn,
    OpeningIn,
    ModelIn,
    ApiKeyIn,
    AiCallIn,
    InterviewEventIn,
    CreditPurchaseIn,
    AlertRuleIn,
    WebhookEndpointIn,
)
SERVICE: list[dict[str, list[str]]] = [{"serviceToken": []}]
READER: list[dict[str, list[str]]] = [{"memberToken": []}, {"apiKey": []}]
ERROR = {"$ref": "#/components/schemas/Error"}
# What any /v1 route may answer: a malformed path id, query or JSON (400), the credential (401),
# another method on the path (405), oversized headers (431), a dependency away (503).
ANY = (400, 401, 405, 431, 503)
# And a route that reads a body: slow (408), too large (413), invalid (422).
BODY = (408, 413, 422)
ID = {"type": "string", "pattern": IDENT_PATTERN.pattern, "maxLength": 64}
DAY = {"type": "string", "format": "date", "pattern": PLAIN_DATE.pattern}
THROTTLE = {
    "RateLimit-Policy": {
        "description": "The bucket: its size and seconds to fill",
        "schema": bodies.STRING,
    },
    "RateLimit": {
        "description": "Points left; seconds until the bucket is full",
        "schema": bodies.STRING,
    },
    "X-Export-Cost": {"description": "Points this export costs", "schema": bodies.STRING},
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


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*statuses: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status in sorted(set(statuses)):
        answer: dict[str, Any] = {
            "description": bodies.REASONS[status],
            "content": _json(ERROR),
        }
        if status in (429, 503):
            answer["headers"] = dict(bodies.RETRY_AFTER)
        if status == 429:
            answer["headers"] |= THROTTLE
        answers[str(status)] = answer
    return answers


def _op(
    summary: str,
    *,
    body: dict[str, Any] | None = None,
    ok: dict[str, Any] | None = None,
    statuses: tuple[int, ...] = (200,),
    params: tuple[str, ...] = (),
    errors: tuple[int, ...] = (),
) -> dict[str, Any]:
    """A service-token operation: ``ok`` answered with ``statuses`` (201: created), or 204."""
    if ok is None:
        answers: dict[str, Any] = {"204": {"description": "Done"}}
    else:
        answers = {
            str(status): {
                "description": "Created" if status == 201 else "Done",
                "content": _json(ok),
            }
            for status in statuses
        }
    operation: dict[str, Any] = {
        "summary": summary,
        "security": SERVICE,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": ID} for name in params
        ],
        "responses": {**answers, **_errors(*ANY, *(BODY if body else ()), *errors)},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    return operation


def _export(summary: str, permission: str) -> dict[str, Any]:
    return {
        "summary": f"{summary} (needs {permission}; at most 400 days; dates 1900-2999)",
        "security": READER,
        "parameters": [
            {"name": "from", "in": "query", "required": True, "schema": DAY},
            {"name": "to", "in": "query", "required": True, "schema": DAY},
            {
                "name": "format",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "enum": list(MEDIA_TYPES)},
            },
        ],
        "responses": {
            "200": {
                "description": "The file, streamed (a failure mid-stream aborts the connection)",
                "headers": THROTTLE,
                "content": {
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "UTF-8 with a byte-order mark (read as utf-8-sig)",
                        }
                    },
                    MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                },
            },
            **_errors(*ANY, 403, 404, 429),
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
    schemas["Error"] = bodies.ERROR
    org = ("orgId",)
    member = (*org, "memberId")
    paths: dict[str, Any] = {
        "/v1/orgs/{orgId}": {
            "put": _op(
                "Create or update an organization",
                body=_ref(OrganizationIn),
                ok=bodies.ORGANIZATION,
                statuses=(200, 201),
                params=org,
            )
        },
        "/v1/orgs/{orgId}/members/{memberId}": {
            "put": _op(
                "Upsert a member",
                body=_ref(MemberIn),
                ok=bodies.MEMBER,
                statuses=(200, 201),
                params=member,
                errors=(404,),
            ),
            "delete": _op("Flag a member removed", params=member, errors=(404,)),
        },
        "/v1/orgs/{orgId}/openings/{openingId}": {
            "put": _op(
                "Upsert a job opening",
                body=_ref(OpeningIn),
                ok=bodies.OPENING,
                statuses=(200, 201),
                params=(*org, "openingId"),
                errors=(404,),
            )
        },
        "/v1/models/{modelId}": {
            "put": _op(
                "Add or update a catalog model and append prices (effectiveFrom: a date-time, "
                "or a date meaning that day's start in UTC)",
                body=_ref(ModelIn),
                ok=bodies.MODEL,
                statuses=(200, 201),
                params=("modelId",),
                errors=(409,),
            )
        },
        "/v1/orgs/{orgId}/api-keys": {
            "post": _op(
                "Create a partner API key (shown once)",
                body=_ref(ApiKeyIn),
                ok=bodies.API_KEY,
                statuses=(201,),
                params=org,
                errors=(404,),
            )
        },
        "/v1/orgs/{orgId}/api-keys/{keyId}": {
            "delete": _op("Revoke an API key", params=(*org, "keyId"), errors=(404,))
        },
        "/v1/ingest/ai-calls": {
            "post": _op(
                "Ingest a batch of AI calls (all or nothing; idempotent by eventId)",
                body=_batch(AiCallIn),
                ok=bodies.INGEST_RESULT,
                errors=(409,),
            )
        },
        "/v1/ingest/interview-events": {
            "post": _op(
                "Ingest a batch of interview events (all or nothing; idempotent by eventId)",
                body=_batch(InterviewEventIn),
                ok=bodies.INGEST_RESULT,
                errors=(409,),
            )
        },
        "/v1/orgs/{orgId}/credit-purchases": {
            "post": _op(
                "Record a credit purchase (idempotent by purchaseId)",
                body=_ref(CreditPurchaseIn),
                ok=bodies.INGEST_RESULT,
                statuses=(200, 201),
                params=org,
                errors=(404, 409),
            )
        },
        "/v1/exports/ai-usage": {"get": _export("The AI-usage export", "credits:view")},
        "/v1/exports/consumption": {"get": _export("The consumption export", "consumption:view")},
        "/v1/exports/audit-log": {"get": _export("The audit-log export", "audit:view")},
        "/v1/bulk-exports/{id}/download": bulk_exports.openapi_path(),
        **alert_paths(_op, _ref),
        **audit_paths(_errors, ANY),
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
