"""``/v1`` ingest routes: AI calls, interview events and credit purchases.

Each answer carries ``X-Data-Version`` on PostgreSQL (gateway/web/data_version.py).
"""

from __future__ import annotations

import asyncio

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn
from gateway.usage import service as usage_service
from gateway.usage.inputs import AiCallIn
from gateway.web.body import MIB
from gateway.web.data_version import data_version_headers
from gateway.web.responses import JSONResponse
from gateway.web.v1.batches import BatchReader, read_raw
from gateway.web.v1.common import parse, parse_batch, path_id, require_service_token

INGEST_LIMIT = 10 * MIB
_AI_CALLS = BatchReader(AiCallIn)
_INTERVIEW_EVENTS = TypeAdapter(list[InterviewEventIn])


async def post_ai_calls(request: Request) -> Response:
    state = require_service_token(request)
    raw = await read_raw(request, limit=INGEST_LIMIT)
    # Checking a batch is CPU-bound: a second batch checked meanwhile would keep the first
    # one's transaction, and the rollup rows it holds, open until the event loop comes back
    # to it, and every other writer of those rows would wait. One batch at a time per process.
    async with _turn(request):
        events = _AI_CALLS.parse(raw)
        result = await usage_service.ingest(state.db, events, now=state.clock())
    return JSONResponse(result.as_json(), headers=await data_version_headers(state.db))


def _turn(request: Request) -> asyncio.Lock:
    """This app's one AI-call batch at a time (made on first use, in the serving loop)."""
    holder = request.app.state
    turn: asyncio.Lock | None = getattr(holder, "ai_ingest_turn", None)
    if turn is None:
        turn = holder.ai_ingest_turn = asyncio.Lock()
    return turn


async def post_interview_events(request: Request) -> Response:
    state = require_service_token(request)
    events = await parse_batch(request, _INTERVIEW_EVENTS, limit=INGEST_LIMIT)
    result = await consumption_service.ingest_interviews(state.db, events, now=state.clock())
    return JSONResponse(result.as_json(), headers=await data_version_headers(state.db))


async def post_credit_purchase(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, CreditPurchaseIn)
    [created] = await consumption_service.record_purchases(
        state.db, [(org_id, body)], now=state.clock()
    )
    return JSONResponse(
        {"accepted": int(created), "duplicates": int(not created)},
        status_code=201 if created else 200,
        headers=await data_version_headers(state.db),
    )
