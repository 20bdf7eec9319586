"""The /v1 alert routes for the service token."""

from __future__ import annotations

import httpx

from tests.support import SERVICE, bearer, member_token, put_member, put_org


async def test_rules_endpoints_and_alerts_over_v1(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", plan={"interviewCreditsPerPeriod": "1"}, activeSince="2026-10-01")
    base = "/v1/orgs/acme"
    rule = {"kind": "CREDITS_REMAINING_BELOW", "name": "low", "thresholds": ["0.5"]}
    created = await client.post(f"{base}/alert-rules", json=rule, headers=SERVICE)
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["kind"], made["thresholds"], made["unit"]) == (
        "CREDITS_REMAINING_BELOW",
        ["0.5"],
        "AMOUNT",
    )
    endpoint = await client.post(
        f"{base}/webhook-endpoints",
        json={"url": "https://hooks.example.com/in", "eventTypes": ["credits.remaining_below"]},
        headers=SERVICE,
    )
    assert endpoint.status_code == 201, endpoint.text
    assert endpoint.json()["secret"].startswith("whsec_")
    listed = await client.get(f"{base}/webhook-endpoints", headers=SERVICE)
    assert [e["id"] for e in listed.json()["endpoints"]] == [endpoint.json()["id"]]
    assert "secret" not in listed.json()["endpoints"][0]
    await client.put(f"{base}/openings/o1", json={"jobTitle": "chef"}, headers=SERVICE)
    event = {
        "eventId": "e1",
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "i1",
        "candidateId": "c1",
        "occurredAt": "2026-11-20T10:00:00Z",
        "status": "COMPLETED",
    }
    assert (
        await client.post("/v1/ingest/interview-events", json=[event], headers=SERVICE)
    ).status_code == 200
    alerts = (await client.get(f"{base}/alerts", headers=SERVICE)).json()["alerts"]
    assert [(a["ruleId"], a["figure"], a["active"]) for a in alerts] == [
        (made["id"], "0.0000", True)
    ]
    changed = await client.put(
        f"{base}/alert-rules/{made['id']}", json={**rule, "name": "lower"}, headers=SERVICE
    )
    assert changed.status_code == 200 and changed.json()["name"] == "lower"
    assert (
        await client.delete(f"{base}/alert-rules/{made['id']}", headers=SERVICE)
    ).status_code == 204
    assert (await client.get(f"{base}/alert-rules", headers=SERVICE)).json() == {"rules": []}
    assert (
        await client.delete(f"{base}/alert-rules/{made['id']}", headers=SERVICE)
    ).status_code == 404


async def test_v1_refusals(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "boss", role="ACCOUNT_ADMIN")
    rule = {"kind": "AI_CREDITS_ABOVE", "name": "ai", "thresholds": ["1"]}
    member = bearer(member_token("acme", "boss"))
    assert (
        await client.post("/v1/orgs/acme/alert-rules", json=rule, headers=member)
    ).status_code == 401
    assert (
        await client.post("/v1/orgs/nobody/alert-rules", json=rule, headers=SERVICE)
    ).status_code == 404
    bad = await client.post(
        "/v1/orgs/acme/alert-rules", json={**rule, "unit": "PERCENT"}, headers=SERVICE
    )
    assert bad.status_code == 422 and bad.json()["error"]["errors"][0]["field"] == "unit"
    ssrf = await client.post(
        "/v1/orgs/acme/webhook-endpoints",
        json={"url": "http://10.0.0.7/in", "eventTypes": ["webhook.test"]},
        headers=SERVICE,
    )
    assert ssrf.status_code == 422 and ssrf.json()["error"]["errors"][0]["field"] == "url"
    assert (
        await client.put("/v1/orgs/acme/alert-rules/not-an-id", json=rule, headers=SERVICE)
    ).status_code == 400
