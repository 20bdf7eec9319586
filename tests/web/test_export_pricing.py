"""Exports are priced like queries, by their rows, from the same bucket as GraphQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.support import (
    SERVICE,
    ai_call,
    bearer,
    count_statements,
    make_settings,
    member_token,
    put_member,
    put_org,
)

PARAMS = {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}


async def test_an_export_costs_the_fee_and_a_point_per_100_rows(db: Database, clock: Any) -> None:
    # 40 points that barely refill.
    settings = make_settings().model_copy(
        update={"rate_limit_points": 40, "rate_limit_restore_per_second": 0.001}
    )
    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        calls = [
            ai_call(f"c{n}", occurred_at=f"2026-11-{1 + n % 20:02d}T10:{n % 60:02d}:00Z")
            for n in range(250)
        ]
        assert (await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)).is_success
        auth = bearer(member_token("acme", "m1"))

        remaining = []
        for _ in range(3):
            response = await client.get("/v1/exports/ai-usage", params=PARAMS, headers=auth)
            assert response.status_code == 200, response.text
            assert len(response.text.splitlines()) == 251  # the header and 250 calls
            # 10 for the request, 3 for 250 rows.
            assert response.headers["X-Export-Cost"] == "13"
            remaining.append(response.headers["RateLimit"])
        assert [r.split(";")[1] for r in remaining] == ["r=27", "r=14", "r=1"]

        refused = await client.get("/v1/exports/ai-usage", params=PARAMS, headers=auth)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["Retry-After"]) >= 1
        # The same bucket as GraphQL: a query is refused too now.
        query = await client.post(
            "/graphql", json={"query": "{ organization { name } }"}, headers=auth
        )
        assert query.status_code == 429


async def test_an_empty_export_costs_the_fee(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1", role="ACCOUNT_ADMIN")
    response = await client.get(
        "/v1/exports/consumption", params=PARAMS, headers=bearer(member_token("acme", "m1"))
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Export-Cost"] == "10"


@pytest.mark.parametrize("route", ["ai-usage", "consumption"])
async def test_an_export_with_an_empty_bucket_reads_nothing_for_the_export(
    db: Database, clock: Any, route: str
) -> None:
    # 12 points that barely refill: one empty export (10) leaves 2, less than the fee.
    settings = make_settings().model_copy(
        update={"rate_limit_points": 12, "rate_limit_restore_per_second": 0.001}
    )
    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1", role="ACCOUNT_ADMIN")
        auth = bearer(member_token("acme", "m1"))
        first = await client.get(f"/v1/exports/{route}", params=PARAMS, headers=auth)
        assert first.status_code == 200, first.text
        assert first.headers["RateLimit"].split(";")[1] == "r=2"
        # What a request refused for its fee reads: the credential, nothing else.
        with count_statements(db) as baseline:
            query = await client.post(
                "/graphql", json={"query": "{ organization { name } }"}, headers=auth
            )
        assert query.status_code == 429
        with count_statements(db) as statements:
            refused = await client.get(f"/v1/exports/{route}", params=PARAMS, headers=auth)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(statements) == len(baseline), statements
    assert "X-Export-Cost" not in refused.headers  # not counted


async def test_an_export_over_the_budget_keeps_its_fee(db: Database, clock: Any) -> None:
    # 25 points: the fee fits, 250 rows (13 points in all) fit once; the second export's rows
    # are counted (its fee spent), then refused.
    settings = make_settings().model_copy(
        update={"rate_limit_points": 25, "rate_limit_restore_per_second": 0.001}
    )
    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        calls = [
            ai_call(f"c{n}", occurred_at=f"2026-11-02T10:{n % 60:02d}:00Z") for n in range(250)
        ]
        assert (await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)).is_success
        auth = bearer(member_token("acme", "m1"))
        first = await client.get("/v1/exports/ai-usage", params=PARAMS, headers=auth)
        second = await client.get("/v1/exports/ai-usage", params=PARAMS, headers=auth)
    assert first.status_code == 200, first.text
    assert first.headers["RateLimit"].split(";")[1] == "r=12"
    assert second.status_code == 429, second.text
    assert second.headers["X-Export-Cost"] == "13"
    assert second.headers["RateLimit"].split(";")[1] == "r=2"
