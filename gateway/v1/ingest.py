"""``/v1`` ingest routes: AI calls, interview events and credit purchases."""

from __future__ import annotations

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ApiError, ErrorCode, not_found
from gateway.ingest import ingest_ai_calls, ingest_interview_events
from gateway.jsonresponse import JSONResponse
from gateway.money import credits_to_int
from gateway.queries import ingest as ingest_queries
from gateway.queries import orgs as org_queries
from gateway.schemas import AiCallIn, CreditPurchaseIn, InterviewEventIn
from gateway.v1.common import MIB, parse, parse_batch, path_id, require_service_token

INGEST_LIMIT = 10 * MIB
_AI_CALLS = TypeAdapter(list[AiCallIn])
_INTERVIEW_EVENTS = TypeAdapter(list[InterviewEventIn])


async def post_ai_calls(request: Request) -> Response:
    state = require_service_token(request)
    events = await parse_batch(request, _AI_CALLS, limit=INGEST_LIMIT)
    async with state.db.write() as conn:
        result = await ingest_ai_calls(conn, events=events, now=state.clock())
    return JSONResponse(result.as_json())


async def post_interview_events(request: Request) -> Response:
    state = require_service_token(request)
    events = await parse_batch(request, _INTERVIEW_EVENTS, limit=INGEST_LIMIT)
    async with state.db.write() as conn:
        result = await ingest_interview_events(conn, events=events, now=state.clock())
    return JSONResponse(result.as_json())


async def post_credit_purchase(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, CreditPurchaseIn)
    credits = credits_to_int(body.credits)
    async with state.db.write() as conn:
        if await org_queries.get_org(conn, org_id=org_id) is None:
            raise not_found("organization", org_id, "orgId")
        created = await ingest_queries.insert_purchase(
            conn,
            row={
                "org_id": org_id,
                "purchase_id": body.purchase_id,
                "credits_e4": credits,
                "occurred_at": body.occurred_at,
                "created_at": state.clock(),
            },
        )
        if not created:
            stored = await ingest_queries.get_purchase(
                conn, org_id=org_id, purchase_id=body.purchase_id
            )
            assert stored is not None
            if (stored.credits_e4, stored.occurred_at) != (credits, body.occurred_at):
                raise ApiError(
                    409,
                    ErrorCode.CONFLICT,
                    "this purchaseId is already recorded with other figures",
                    errors=[{"field": "purchaseId", "message": "already used"}],
                )
    return JSONResponse(
        {"accepted": int(created), "duplicates": int(not created)},
        status_code=201 if created else 200,
    )
