"""Operational metrics, scraped from /metrics after real requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from gateway.core.requestinfo import note_statement_timeout
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.opmetrics import OperationNames, OpsMetrics
from gateway.web.ratelimit import NoLimit
from tests.support import (
    SERVICE,
    ai_call,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def _query(
    client: httpx.AsyncClient, token: str, query: str, name: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if name:
        body["operationName"] = name
    response = await client.post("/graphql", json=body, headers=bearer(token))
    result: dict[str, Any] = response.json()
    return result


async def test_operations_errors_and_ingest_are_counted(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    token = member_token("acme", "m1")
    batch = [ai_call("c1"), ai_call("c2")]
    first = await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
    assert first.json() == {"accepted": 2, "duplicates": 0}
    again = await client.post("/v1/ingest/ai-calls", json=[*batch, ai_call("c3")], headers=SERVICE)
    assert again.json() == {"accepted": 1, "duplicates": 2}
    bad = await client.post(
        "/v1/ingest/ai-calls", json=[ai_call("c4", org_id="nope")], headers=SERVICE
    )
    assert bad.status_code == 422

    await _query(client, token, "query OrgName { organization { name } }", "OrgName")
    await _query(client, token, "query OrgName { organization { name } }")
    await _query(client, token, "{ organization { name } }")
    long_name = "Q" + "x" * 90
    await _query(client, token, f"query {long_name} {{ organization {{ name }} }}")
    broken = await _query(client, token, "{ organization { nope } }")
    assert broken["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (await client.post("/graphql", json={"query": "{ viewer { role } }"})).status_code == 401

    samples = await _scrape(client)
    count = "gateway_graphql_request_seconds_count"
    assert _value(samples, count, operation="OrgName") == 2
    # The unnamed document and the one refused by validation.
    assert _value(samples, count, operation="anonymous") == 2
    assert _value(samples, count, operation="Q" + "x" * 63) == 1
    assert _value(samples, "gateway_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert _value(samples, "gateway_graphql_errors_total", code="UNAUTHENTICATED") == 1
    events = "gateway_ingest_events_total"
    assert _value(samples, events, kind="ai_call", outcome="accepted") == 3
    assert _value(samples, events, kind="ai_call", outcome="duplicate") == 2
    assert _value(samples, "gateway_ingest_rejected_batches_total", kind="ai_call") == 1
    assert _value(samples, "gateway_db_pool_in_use") == 0
    assert _value(samples, "gateway_db_statement_timeouts_total") == 0
    assert _value(samples, "gateway_rate_limited_total") == 0
    # The route histogram of gateway.metrics is still there beside them.
    assert _value(samples, "gateway_http_request_seconds_count", route="/graphql") == 6


async def test_rate_limit_refusals_and_statement_timeouts(
    db: Database, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bucket of 30 points that barely refills: a cheap query passes, a 100-row page does not.
    settings = make_settings().model_copy(
        # The cache off: the last query must run again to meet the injected timeout.
        update={
            "rate_limit_points": 30,
            "rate_limit_restore_per_second": 0.001,
            "response_cache_bytes": 0,
        }
    )
    page = "{ organization { usage { activity(first: 100) { edges { node { id } } } } } }"
    app = create_app(settings, db=db, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        token = member_token("acme", "m1")
        codes = []
        for query in ("{ organization { name } }", page, page, page):
            body = await _query(client, token, query)
            codes.append(body.get("errors", [{}])[0].get("extensions", {}).get("code"))
        refused = codes.count("RATE_LIMITED")
        assert refused >= 1 and codes[0] is None

        async def timed_out(_info: Any) -> Any:
            note_statement_timeout()
            raise TimeoutError("canceling statement due to statement timeout")

        monkeypatch.setattr("resolvers.query.resolve_organization", timed_out)
        monkeypatch.setattr(app.state.gateway, "rate_limiter", NoLimit())
        await _query(client, token, "{ organization { name } }")
        samples = await _scrape(client)
    assert _value(samples, "gateway_rate_limited_total") == refused
    assert _value(samples, "gateway_graphql_errors_total", code="RATE_LIMITED") == refused
    assert _value(samples, "gateway_db_statement_timeouts_total") == 1


async def test_pool_gauge_follows_checkouts(db: Database) -> None:
    metrics = OpsMetrics(CollectorRegistry())
    metrics.watch_pool(db)
    assert metrics.pool_in_use._value.get() == 0
    async with db.read(), db.read():
        assert metrics.pool_in_use._value.get() == 2
    assert metrics.pool_in_use._value.get() == 0


def test_operation_names_are_bounded() -> None:
    names = OperationNames(limit=3, length=8)
    assert [names.label(n) for n in ("A", "B", "A", "C", "D", None, "")] == [
        "A",
        "B",
        "A",
        "C",
        "other",
        "anonymous",
        "anonymous",
    ]
    assert names.label("not a name") == "other"
    wide = OperationNames(limit=3, length=8)
    assert wide.label("LongOperationName") == "LongOper"
