"""``GET /v1/openapi.json`` describes every /v1 route, its bodies from the validating models."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Route


async def test_the_document_covers_every_v1_route(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    response = await client.get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    routes = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/v1/") and route.methods
        for method in route.methods
        if method not in ("HEAD",) and route.path != "/v1/openapi.json"
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented
    schemas = document["components"]["schemas"]
    call = schemas["AiCallIn"]
    assert {"eventId", "occurredAt", "creditsCharged"} <= set(call["properties"])
    assert "eventId" in call["required"]
    refs = str(document["paths"])
    for name in schemas:
        if (
            name != "Error"
            and name.endswith("In")
            and name not in ("AiBillingIn", "PlanIn", "PriceIn")
        ):
            assert f"#/components/schemas/{name}" in refs, name
