"""The ``/v1`` HTTP routes: parse, call a service, serialize."""

from __future__ import annotations

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.core.errors import ErrorCode
from gateway.web.errors import ApiError
from gateway.web.v1 import alerts, audit, bulk_exports, catalog, exports, ingest, openapi, orgs


def _served() -> list[Route]:
    return [
        Route("/v1/openapi.json", openapi.openapi_json, methods=["GET"]),
        Route("/v1/orgs/{orgId}", orgs.put_organization, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/members/{memberId}", orgs.put_member, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/members/{memberId}", orgs.delete_member, methods=["DELETE"]),
        Route("/v1/orgs/{orgId}/openings/{openingId}", orgs.put_opening, methods=["PUT"]),
        Route("/v1/models/{modelId}", catalog.put_model, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/api-keys", orgs.create_api_key, methods=["POST"]),
        Route("/v1/orgs/{orgId}/api-keys/{keyId}", orgs.revoke_api_key, methods=["DELETE"]),
        Route("/v1/ingest/ai-calls", ingest.post_ai_calls, methods=["POST"]),
        Route("/v1/ingest/interview-events", ingest.post_interview_events, methods=["POST"]),
        Route("/v1/orgs/{orgId}/credit-purchases", ingest.post_credit_purchase, methods=["POST"]),
        Route("/v1/orgs/{orgId}/alert-rules", alerts.list_rules, methods=["GET"]),
        Route("/v1/orgs/{orgId}/alert-rules", alerts.create_rule, methods=["POST"]),
        Route("/v1/orgs/{orgId}/alert-rules/{ruleId}", alerts.put_rule, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/alert-rules/{ruleId}", alerts.delete_rule, methods=["DELETE"]),
        Route("/v1/orgs/{orgId}/alerts", alerts.list_alerts, methods=["GET"]),
        Route("/v1/orgs/{orgId}/webhook-endpoints", alerts.list_endpoints, methods=["GET"]),
        Route("/v1/orgs/{orgId}/webhook-endpoints", alerts.create_endpoint, methods=["POST"]),
        Route("/v1/exports/ai-usage", exports.ai_usage_export.handle, methods=["GET"]),
        Route("/v1/exports/consumption", exports.consumption_export_route.handle, methods=["GET"]),
        Route("/v1/audit-log", audit.list_audit_log, methods=["GET"]),
        Route("/v1/exports/audit-log", exports.audit_log_export.handle, methods=["GET"]),
        Route("/v1/bulk-exports/{id}/download", bulk_exports.download, methods=["GET"]),
    ]


class _Refusal:
    """An ASGI endpoint answering the /v1 error body (Starlette's own 404 and 405 are plain
    text). Being an ASGI app, its route takes every method: it comes after the served routes,
    which match first."""

    def __init__(self, status: int, code: ErrorCode, allow: set[str] | None = None) -> None:
        self.status = status
        self.code = code
        self.allow = ", ".join(sorted(allow)) if allow else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if self.allow is None:
            error = ApiError(self.status, self.code, f"no /v1 route at {path}")
        else:
            message = f"{scope['method']} is not served at {path}; use {self.allow}"
            error = ApiError(self.status, self.code, message, headers={"Allow": self.allow})
        await error.response()(scope, receive, send)


def routes() -> list[Route]:
    served = _served()
    allowed: dict[str, set[str]] = {}
    for route in served:
        allowed.setdefault(route.path, set()).update(route.methods or ())
    refusals = [
        Route(path, _Refusal(405, ErrorCode.BAD_USER_INPUT, methods))
        for path, methods in allowed.items()
    ]
    return [*served, *refusals, Route("/v1/{rest:path}", _Refusal(404, ErrorCode.NOT_FOUND))]
