"""``/v1`` routes for reference data: organizations, members, openings, models, API keys."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from gateway.auth import hash_api_key, new_api_key
from gateway.calendar import add_months, billing_period_start, local_day
from gateway.catalog import PROVIDER_NAMES
from gateway.errors import ApiError, ErrorCode, not_found
from gateway.jsonresponse import JSONResponse
from gateway.money import (
    credits_from_int,
    credits_to_int,
    format_decimal,
    usd_from_int,
    usd_to_int,
)
from gateway.queries import api_keys as api_key_queries
from gateway.queries import catalog as catalog_queries
from gateway.queries import members as member_queries
from gateway.queries import openings as opening_queries
from gateway.queries import orgs as org_queries
from gateway.rollups import rebuild_ai_rollups, rebuild_interview_rollups
from gateway.schemas import ApiKeyIn, MemberIn, ModelIn, OpeningIn, OrganizationIn, PlanIn
from gateway.v1.common import parse, path_id, require_service_token

# Plans recorded before an organization's first period apply from its first period.
_EPOCH = date(1970, 1, 1)


def _plan_json(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    cap = row.rollover_cap_e4
    return {
        "interviewCreditsPerPeriod": format_decimal(credits_from_int(row.credits_per_period_e4)),
        "rollover": row.rollover,
        "rolloverCap": None if cap is None else format_decimal(credits_from_int(cap)),
        "billingAnchorDay": row.billing_anchor_day,
        "effectiveFrom": row.effective_from.isoformat(),
    }


def _same_plan(row: Any, plan: PlanIn) -> bool:
    cap = None if plan.rollover_cap is None else credits_to_int(plan.rollover_cap)
    return bool(
        row.credits_per_period_e4 == credits_to_int(plan.interview_credits_per_period)
        and row.rollover == plan.rollover.value
        and row.rollover_cap_e4 == cap
        and row.billing_anchor_day == plan.billing_anchor_day
    )


def _plan_effective_from(history: list[Any], plan: PlanIn, today: date, active: date) -> date:
    """A change applies from the next billing period; a first plan from the first period."""
    in_force = [row for row in history if row.effective_from <= today]
    if not in_force:
        return billing_period_start(active, plan.billing_anchor_day) if active > today else _EPOCH
    anchor = in_force[-1].billing_anchor_day
    return add_months(billing_period_start(today, anchor), 1)


async def put_organization(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, OrganizationIn)
    now = state.clock()
    zone = ZoneInfo(body.time_zone)
    today = local_day(now, zone)
    async with state.db.write() as conn:
        existing = await org_queries.get_org(conn, org_id=org_id)
        active = body.active_since or (existing.active_since if existing else today)
        await org_queries.upsert_org(
            conn,
            org_id=org_id,
            name=body.name,
            time_zone=body.time_zone,
            ai_mode=body.ai_billing.mode.value,
            ai_provider=body.ai_billing.provider.value if body.ai_billing.provider else None,
            active_since=active,
            now=now,
            created_at=existing.created_at if existing else now,
        )
        history = list(await org_queries.plan_history(conn, org_id=org_id))
        if body.plan is not None and not (history and _same_plan(history[-1], body.plan)):
            effective = _plan_effective_from(history, body.plan, today, active)
            await org_queries.delete_plans_from(conn, org_id=org_id, effective_from=effective)
            await org_queries.put_plan_version(
                conn,
                org_id=org_id,
                effective_from=effective,
                credits_per_period_e4=credits_to_int(body.plan.interview_credits_per_period),
                rollover=body.plan.rollover.value,
                rollover_cap_e4=(
                    None
                    if body.plan.rollover_cap is None
                    else credits_to_int(body.plan.rollover_cap)
                ),
                billing_anchor_day=body.plan.billing_anchor_day,
            )
        if existing is not None and existing.time_zone != body.time_zone:
            models = {m.id: (m.provider, m.tier) for m in await catalog_queries.all_models(conn)}
            await rebuild_ai_rollups(conn, org_id=org_id, zone=zone, models=models)
            await rebuild_interview_rollups(conn, org_id=org_id, zone=zone)
        history = list(await org_queries.plan_history(conn, org_id=org_id))
    payload = {
        "id": org_id,
        "name": body.name,
        "timeZone": body.time_zone,
        "aiBilling": {
            "mode": body.ai_billing.mode.value,
            "provider": body.ai_billing.provider.value if body.ai_billing.provider else None,
        },
        "activeSince": active.isoformat(),
        "plans": [_plan_json(row) for row in history],
    }
    return JSONResponse(payload, status_code=200 if existing else 201)


async def _require_org(conn: Any, org_id: str) -> Any:
    org = await org_queries.get_org(conn, org_id=org_id)
    if org is None:
        raise not_found("organization", org_id, "orgId")
    return org


async def put_member(request: Request) -> Response:
    state = require_service_token(request)
    org_id, member_id = path_id(request, "orgId"), path_id(request, "memberId")
    body = await parse(request, MemberIn)
    async with state.db.write() as conn:
        await _require_org(conn, org_id)
        known = await member_queries.existing_member_ids(conn, org_id=org_id, ids=[member_id])
        await member_queries.upsert_member(
            conn,
            org_id=org_id,
            member_id=member_id,
            name=body.name,
            email=body.email,
            role=body.role.value,
            now=state.clock(),
        )
    payload = {"id": member_id, "name": body.name, "email": body.email, "role": body.role.value}
    return JSONResponse({**payload, "removed": False}, status_code=200 if known else 201)


async def delete_member(request: Request) -> Response:
    state = require_service_token(request)
    org_id, member_id = path_id(request, "orgId"), path_id(request, "memberId")
    async with state.db.write() as conn:
        await _require_org(conn, org_id)
        removed = await member_queries.remove_member(
            conn, org_id=org_id, member_id=member_id, now=state.clock()
        )
    if not removed:
        raise not_found("member", member_id, "memberId")
    return Response(status_code=204)


async def put_opening(request: Request) -> Response:
    state = require_service_token(request)
    org_id, opening_id = path_id(request, "orgId"), path_id(request, "openingId")
    body = await parse(request, OpeningIn)
    async with state.db.write() as conn:
        await _require_org(conn, org_id)
        known = await opening_queries.existing_opening_ids(conn, org_id=org_id, ids=[opening_id])
        await opening_queries.upsert_opening(
            conn, org_id=org_id, opening_id=opening_id, job_title=body.job_title, now=state.clock()
        )
    return JSONResponse(
        {"id": opening_id, "jobTitle": body.job_title}, status_code=200 if known else 201
    )


async def put_model(request: Request) -> Response:
    state = require_service_token(request)
    model_id = path_id(request, "modelId")
    body = await parse(request, ModelIn)
    label = body.label or f"{PROVIDER_NAMES[body.provider.value]} {body.tier}"
    async with state.db.write() as conn:
        known = bool(await catalog_queries.models_by_ids(conn, ids=[model_id]))
        await catalog_queries.upsert_model(
            conn, model_id=model_id, provider=body.provider.value, tier=body.tier, label=label
        )
        existing = {
            row.effective_from: row
            for row in await catalog_queries.prices_for_model(conn, model_id=model_id)
        }
        last_call = await catalog_queries.latest_call_at(conn, model_id=model_id)
        for index, price in enumerate(body.prices):
            at = price.effective_from.astimezone(UTC)
            new_in = usd_to_int(price.input_usd_per_million)
            new_out = usd_to_int(price.output_usd_per_million)
            old = existing.get(at)
            if old is not None:
                if (old.input_micros_per_million, old.output_micros_per_million) != (
                    new_in,
                    new_out,
                ):
                    raise _price_conflict(index, "a different price is recorded at that instant")
                continue
            if last_call is not None and at <= last_call:
                raise _price_conflict(
                    index, f"a call at {last_call.isoformat()} is already priced for this model"
                )
            await catalog_queries.insert_price(
                conn,
                model_id=model_id,
                effective_from=at,
                input_micros_per_million=new_in,
                output_micros_per_million=new_out,
            )
        prices = await catalog_queries.prices_for_model(conn, model_id=model_id)
    payload = {
        "id": model_id,
        "provider": body.provider.value,
        "tier": body.tier,
        "label": label,
        "prices": [
            {
                "effectiveFrom": row.effective_from.isoformat(),
                "inputUsdPerMillion": format_decimal(usd_from_int(row.input_micros_per_million)),
                "outputUsdPerMillion": format_decimal(usd_from_int(row.output_micros_per_million)),
            }
            for row in prices
        ],
    }
    return JSONResponse(payload, status_code=200 if known else 201)


def _price_conflict(index: int, message: str) -> ApiError:
    return ApiError(
        409,
        ErrorCode.CONFLICT,
        "prices are append-only",
        errors=[{"field": f"prices.{index}.effectiveFrom", "message": message}],
    )


async def create_api_key(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, ApiKeyIn)
    key_id, secret = new_api_key()
    now = state.clock()
    async with state.db.write() as conn:
        await _require_org(conn, org_id)
        await api_key_queries.insert_api_key(
            conn,
            org_id=org_id,
            key_id=key_id,
            name=body.name,
            key_hash=hash_api_key(secret),
            permissions=body.permissions,
            now=now,
        )
    payload = {
        "id": key_id,
        "name": body.name,
        "permissions": sorted(set(body.permissions)),
        "key": secret,
        "createdAt": now.isoformat(),
    }
    return JSONResponse(payload, status_code=201)


async def revoke_api_key(request: Request) -> Response:
    state = require_service_token(request)
    org_id, key_id = path_id(request, "orgId"), path_id(request, "keyId")
    async with state.db.write() as conn:
        await _require_org(conn, org_id)
        revoked = await api_key_queries.revoke_api_key(
            conn, org_id=org_id, key_id=key_id, now=state.clock()
        )
    if not revoked:
        raise not_found("active API key", key_id, "keyId")
    return Response(status_code=204)
