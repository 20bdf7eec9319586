"""The /v1 reference-data routes: happy paths and every 4xx."""

from __future__ import annotations

import httpx
import pytest

from tests.support import SERVICE, ai_call, put_member, put_org


async def test_put_organization_creates_then_updates(client: httpx.AsyncClient) -> None:
    body = {
        "name": "Acme",
        "timeZone": "Europe/Paris",
        "aiBilling": {"mode": "BYOK", "provider": "ANTHROPIC"},
        "plan": {
            "interviewCreditsPerPeriod": "100",
            "rollover": "CAPPED",
            "rolloverCap": "50.5",
            "billingAnchorDay": 15,
        },
        "activeSince": "2025-01-10",
    }
    created = await client.put("/v1/orgs/acme", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    assert created.json()["aiBilling"] == {"mode": "BYOK", "provider": "ANTHROPIC"}
    assert created.json()["plans"] == [
        {
            "interviewCreditsPerPeriod": "100.0000",
            "rollover": "CAPPED",
            "rolloverCap": "50.5000",
            "billingAnchorDay": 15,
            "effectiveFrom": "1970-01-01",
        }
    ]
    updated = await client.put("/v1/orgs/acme", json={**body, "name": "Acme Inc"}, headers=SERVICE)
    assert updated.status_code == 200
    assert updated.json()["name"] == "Acme Inc"
    # The same plan again records no new version.
    assert len(updated.json()["plans"]) == 1


async def test_plan_change_applies_from_next_billing_period(client: httpx.AsyncClient) -> None:
    # The test clock says 2026-11-20; with anchor 15 the current period began 2026-11-15.
    plan = {"interviewCreditsPerPeriod": "100", "billingAnchorDay": 15}
    await put_org(client, "acme", plan=plan)
    response = await put_org(client, "acme", plan={**plan, "interviewCreditsPerPeriod": "150"})
    plans = response.json()["plans"]
    assert [(p["effectiveFrom"], p["interviewCreditsPerPeriod"]) for p in plans] == [
        ("1970-01-01", "100.0000"),
        ("2026-12-15", "150.0000"),
    ]
    # A second change before then replaces the pending one.
    response = await put_org(client, "acme", plan={**plan, "interviewCreditsPerPeriod": "175"})
    assert [p["interviewCreditsPerPeriod"] for p in response.json()["plans"]] == [
        "100.0000",
        "175.0000",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timeZone": "UTC"}, "name"),
        ({"name": "A", "timeZone": "Mars/Olympus"}, "timeZone"),
        ({"name": "A", "timeZone": "UTC", "aiBilling": {"mode": "BYOK"}}, "aiBilling.provider"),
        ({"name": "A", "timeZone": "UTC", "aiBilling": {"mode": "CASH"}}, "aiBilling.mode"),
        (
            {"name": "A", "timeZone": "UTC", "plan": {"interviewCreditsPerPeriod": "-1"}},
            "plan.interviewCreditsPerPeriod",
        ),
        (
            {
                "name": "A",
                "timeZone": "UTC",
                "plan": {"interviewCreditsPerPeriod": "1", "billingAnchorDay": 29},
            },
            "plan.billingAnchorDay",
        ),
        (
            {
                "name": "A",
                "timeZone": "UTC",
                "plan": {"interviewCreditsPerPeriod": "1", "rollover": "CAPPED"},
            },
            "plan.rolloverCap",
        ),
        ({"name": "A", "timeZone": "UTC", "colour": "red"}, "colour"),
    ],
)
async def test_put_organization_rejects_bad_bodies(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.put("/v1/orgs/acme", json=body, headers=SERVICE)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "BAD_USER_INPUT"
    assert field in [item["field"] for item in error["errors"]]
    # Nothing was stored.
    missing = await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "X"}, headers=SERVICE)
    assert missing.status_code == 404


async def test_bad_json_and_bad_path_ids(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/v1/orgs/acme",
        content=b"{not json",
        headers={**SERVICE, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_USER_INPUT"
    response = await client.put(
        "/v1/orgs/a%20b", json={"name": "A", "timeZone": "UTC"}, headers=SERVICE
    )
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "orgId"


async def test_write_routes_need_the_service_token(client: httpx.AsyncClient) -> None:
    body = {"name": "A", "timeZone": "UTC"}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await client.put("/v1/orgs/acme", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_members_upsert_remove_and_unknowns(client: httpx.AsyncClient) -> None:
    member = {"name": "Ann", "email": "ann@example.com", "role": "ADMIN"}
    response = await client.put("/v1/orgs/nope/members/m1", json=member, headers=SERVICE)
    assert response.status_code == 404
    assert response.json()["error"]["errors"][0]["field"] == "orgId"

    await put_org(client, "acme")
    response = await client.put("/v1/orgs/acme/members/m1", json=member, headers=SERVICE)
    assert response.status_code == 201
    response = await client.put("/v1/orgs/acme/members/m1", json=member, headers=SERVICE)
    assert response.status_code == 200
    bad = await client.put(
        "/v1/orgs/acme/members/m2", json={**member, "email": "not-an-email"}, headers=SERVICE
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["field"] == "email"
    bad = await client.put(
        "/v1/orgs/acme/members/m2", json={**member, "role": "OWNER"}, headers=SERVICE
    )
    assert bad.status_code == 422

    assert (await client.delete("/v1/orgs/acme/members/m1", headers=SERVICE)).status_code == 204
    assert (await client.delete("/v1/orgs/acme/members/zz", headers=SERVICE)).status_code == 404


async def test_openings(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    ok = await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE)
    assert ok.status_code == 201
    again = await client.put(
        "/v1/orgs/acme/openings/o1", json={"jobTitle": "Head chef"}, headers=SERVICE
    )
    assert again.status_code == 200
    assert again.json() == {"id": "o1", "jobTitle": "Head chef"}
    bad = await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": ""}, headers=SERVICE)
    assert bad.status_code == 422


async def test_models_and_append_only_prices(client: httpx.AsyncClient) -> None:
    body = {
        "provider": "ANTHROPIC",
        "tier": "Sonnet",
        "prices": [
            {
                "effectiveFrom": "2026-01-01T00:00:00Z",
                "inputUsdPerMillion": "3",
                "outputUsdPerMillion": "15",
            }
        ],
    }
    created = await client.put("/v1/models/claude-next", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    assert created.json()["label"] == "Anthropic Sonnet"
    # Replaying the same price is fine; changing a recorded one is not.
    assert (
        await client.put("/v1/models/claude-next", json=body, headers=SERVICE)
    ).status_code == 200
    changed = {**body, "prices": [{**body["prices"][0], "inputUsdPerMillion": "4"}]}  # type: ignore[dict-item]
    conflict = await client.put("/v1/models/claude-next", json=changed, headers=SERVICE)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "CONFLICT"

    # A price may not start before a call already priced with the model.
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    ingest = await client.post(
        "/v1/ingest/ai-calls",
        json=[ai_call("c1", model="claude-next", occurred_at="2026-06-01T00:00:00Z")],
        headers=SERVICE,
    )
    assert ingest.status_code == 200, ingest.text
    early = {
        **body,
        "prices": [
            {
                "effectiveFrom": "2026-05-01T00:00:00Z",
                "inputUsdPerMillion": "1",
                "outputUsdPerMillion": "1",
            }
        ],
    }
    response = await client.put("/v1/models/claude-next", json=early, headers=SERVICE)
    assert response.status_code == 409
    assert response.json()["error"]["errors"][0]["field"] == "prices.0.effectiveFrom"
    late = {**early, "prices": [{**early["prices"][0], "effectiveFrom": "2026-07-01T00:00:00Z"}]}  # type: ignore[dict-item]
    response = await client.put("/v1/models/claude-next", json=late, headers=SERVICE)
    assert response.status_code == 200
    assert len(response.json()["prices"]) == 2

    bad = await client.put(
        "/v1/models/x",
        json={
            "provider": "ANTHROPIC",
            "tier": "T",
            "prices": [{**body["prices"][0], "inputUsdPerMillion": "0.0000001"}],
        },  # type: ignore[dict-item]
        headers=SERVICE,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["field"] == "prices.0.inputUsdPerMillion"


async def test_api_keys_create_and_revoke(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    bad = await client.post(
        "/v1/orgs/acme/api-keys", json={"name": "k", "permissions": ["root"]}, headers=SERVICE
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["field"] == "permissions"
    response = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "BI", "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    assert response.status_code == 201
    key = response.json()
    assert key["key"].startswith("ugk_")
    assert key["permissions"] == ["credits:view"]
    url = f"/v1/orgs/acme/api-keys/{key['id']}"
    assert (await client.delete(url, headers=SERVICE)).status_code == 204
    assert (await client.delete(url, headers=SERVICE)).status_code == 404
    missing = await client.post(
        "/v1/orgs/nope/api-keys",
        json={"name": "x", "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    assert missing.status_code == 404


async def test_credit_purchases_are_idempotent(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    body = {"purchaseId": "p1", "credits": "50", "occurredAt": "2026-11-02T10:00:00Z"}
    first = await client.post("/v1/orgs/acme/credit-purchases", json=body, headers=SERVICE)
    assert (first.status_code, first.json()) == (201, {"accepted": 1, "duplicates": 0})
    again = await client.post("/v1/orgs/acme/credit-purchases", json=body, headers=SERVICE)
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 1})
    other = await client.post(
        "/v1/orgs/acme/credit-purchases", json={**body, "credits": "60"}, headers=SERVICE
    )
    assert other.status_code == 409
    for bad in (
        {**body, "credits": "0"},
        {**body, "credits": "1.00001"},
        {**body, "occurredAt": "2026-11-02"},
    ):
        response = await client.post("/v1/orgs/acme/credit-purchases", json=bad, headers=SERVICE)
        assert response.status_code == 422, bad
    missing = await client.post("/v1/orgs/nope/credit-purchases", json=body, headers=SERVICE)
    assert missing.status_code == 404


async def test_body_size_limit(client: httpx.AsyncClient) -> None:
    big = b"[" + b" " * (11 * 1024 * 1024) + b"]"
    response = await client.post(
        "/v1/ingest/ai-calls", content=big, headers={**SERVICE, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
