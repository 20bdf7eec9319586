"""The ``/v1`` HTTP routes: parse, call a service, serialize."""

from __future__ import annotations

from starlette.routing import Route

from gateway.web.v1 import catalog, exports, ingest, openapi, orgs


def routes() -> list[Route]:
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
        Route("/v1/exports/ai-usage", exports.ai_usage_export.handle, methods=["GET"]),
        Route("/v1/exports/consumption", exports.consumption_export_route.handle, methods=["GET"]),
    ]
