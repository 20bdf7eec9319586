"""``PUT /v1/models/{modelId}``: a catalog model and its append-only prices."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.catalog.inputs import ModelIn
from gateway.core.money import format_decimal, usd_from_int
from gateway.model_catalog import put_model as put_catalog_model
from gateway.web.responses import JSONResponse
from gateway.web.v1.common import parse, path_id, require_service_token


async def put_model(request: Request) -> Response:
    state = require_service_token(request)
    model_id = path_id(request, "modelId")
    body = await parse(request, ModelIn)
    saved = await put_catalog_model(state.db, model_id, body)
    model = saved.model
    payload = {
        "id": model.id,
        "provider": model.provider.value,
        "tier": model.tier,
        "label": model.label,
        "prices": [
            {
                "effectiveFrom": price.effective_from.isoformat(),
                "inputUsdPerMillion": format_decimal(usd_from_int(price.input_micros_per_million)),
                "outputUsdPerMillion": format_decimal(
                    usd_from_int(price.output_micros_per_million)
                ),
            }
            for price in saved.prices
        ],
    }
    return JSONResponse(payload, status_code=201 if saved.created else 200)
