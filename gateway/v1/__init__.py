"""The ``/v1`` HTTP routes (service token)."""

from __future__ import annotations

from starlette.routing import Route

from gateway.v1 import exports, ingest, reference


def routes() -> list[Route]:
    return [
        Route("/v1/orgs/{orgId}", reference.put_organization, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/members/{memberId}", reference.put_member, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/members/{memberId}", reference.delete_member, methods=["DELETE"]),
        Route("/v1/orgs/{orgId}/openings/{openingId}", reference.put_opening, methods=["PUT"]),
        Route("/v1/models/{modelId}", reference.put_model, methods=["PUT"]),
        Route("/v1/orgs/{orgId}/api-keys", reference.create_api_key, methods=["POST"]),
        Route("/v1/orgs/{orgId}/api-keys/{keyId}", reference.revoke_api_key, methods=["DELETE"]),
        Route("/v1/ingest/ai-calls", ingest.post_ai_calls, methods=["POST"]),
        Route("/v1/ingest/interview-events", ingest.post_interview_events, methods=["POST"]),
        Route("/v1/orgs/{orgId}/credit-purchases", ingest.post_credit_purchase, methods=["POST"]),
        Route("/v1/exports/ai-usage", exports.ai_usage_export.handle, methods=["GET"]),
        Route("/v1/exports/consumption", exports.consumption_export.handle, methods=["GET"]),
    ]
