"""``/v1`` routes for organizations, members, openings and API keys: parse, call, serialize."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway import organizations
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import OpeningIn
from gateway.core.money import credits_from_int, format_decimal
from gateway.orgs import service as org_service
from gateway.orgs.inputs import ApiKeyIn, MemberIn, OrganizationIn
from gateway.orgs.records import PlanRecord
from gateway.web.responses import JSONResponse
from gateway.web.v1.common import parse, path_id, require_service_token


def _credits(value: int | None) -> str | None:
    return None if value is None else format_decimal(credits_from_int(value))


def _plan_json(plan: PlanRecord) -> dict[str, Any]:
    return {
        "interviewCreditsPerPeriod": _credits(plan.credits_per_period_e4),
        "rollover": plan.rollover.value,
        "rolloverCap": _credits(plan.rollover_cap_e4),
        "billingAnchorDay": plan.billing_anchor_day,
        "effectiveFrom": plan.effective_from.isoformat(),
    }


async def put_organization(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, OrganizationIn)
    saved = await organizations.put_organization(state.db, org_id, body, now=state.clock())
    org = saved.org
    payload = {
        "id": org.id,
        "name": org.name,
        "timeZone": org.time_zone,
        "aiBilling": {
            "mode": org.ai_mode.value,
            "provider": org.ai_provider.value if org.ai_provider else None,
        },
        "activeSince": org.active_since.isoformat(),
        "plans": [_plan_json(plan) for plan in saved.plans],
    }
    return JSONResponse(payload, status_code=201 if saved.created else 200)


async def put_member(request: Request) -> Response:
    state = require_service_token(request)
    org_id, member_id = path_id(request, "orgId"), path_id(request, "memberId")
    body = await parse(request, MemberIn)
    created = await org_service.put_member(state.db, org_id, member_id, body, now=state.clock())
    payload = {"id": member_id, "name": body.name, "email": body.email, "role": body.role.value}
    return JSONResponse({**payload, "removed": False}, status_code=201 if created else 200)


async def delete_member(request: Request) -> Response:
    state = require_service_token(request)
    org_id, member_id = path_id(request, "orgId"), path_id(request, "memberId")
    await org_service.remove_member(state.db, org_id, member_id, now=state.clock())
    return Response(status_code=204)


async def put_opening(request: Request) -> Response:
    state = require_service_token(request)
    org_id, opening_id = path_id(request, "orgId"), path_id(request, "openingId")
    body = await parse(request, OpeningIn)
    created = await consumption_service.put_opening(
        state.db, org_id, opening_id, body, now=state.clock()
    )
    return JSONResponse(
        {"id": opening_id, "jobTitle": body.job_title}, status_code=201 if created else 200
    )


async def create_api_key(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, ApiKeyIn)
    key = await org_service.create_api_key(state.db, org_id, body, now=state.clock())
    payload = {
        "id": key.id,
        "name": key.name,
        "permissions": key.permissions,
        "key": key.secret,
        "createdAt": key.created_at.isoformat(),
        "expiresAt": key.expires_at.isoformat() if key.expires_at else None,
    }
    return JSONResponse(payload, status_code=201)


async def revoke_api_key(request: Request) -> Response:
    state = require_service_token(request)
    org_id, key_id = path_id(request, "orgId"), path_id(request, "keyId")
    await org_service.revoke_api_key(state.db, org_id, key_id, now=state.clock())
    return Response(status_code=204)
