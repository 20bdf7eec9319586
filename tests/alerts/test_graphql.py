"""The alert mutations and fields over /graphql: permissions, errors, limits, the
organization from the credential."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.alerts.inputs import MAX_ENDPOINTS, MAX_RULES
from tests.support import SERVICE, bearer, graphql, member_token, put_member, put_org

RULE = """mutation($input: AlertRuleInput!) { createAlertRule(input: $input) {
  id kind name thresholds unit withinDays enabled } }"""
UPDATE = """mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) {
  id name thresholds } }"""
DELETE = "mutation($id: ID!) { deleteAlertRule(id: $id) }"
LIST = """{ organization { alertRules { id name }
  alerts(first: 10) { totalCount edges { node { kind threshold figure active periodStart periodEnd } } } } }"""
ENDPOINT = """mutation($url: String!) { createWebhookEndpoint(url: $url,
  eventTypes: [CREDITS_REMAINING_BELOW, WEBHOOK_TEST], description: "ops") {
  secret endpoint { id url eventTypes enabled description } } }"""


async def _setup(client: httpx.AsyncClient) -> dict[str, str]:
    for org in ("acme", "globex"):
        await put_org(
            client,
            org,
            plan={"interviewCreditsPerPeriod": "4", "billingAnchorDay": 1},
            activeSince="2026-10-01",
        )
        await put_member(client, org, "boss", role="ACCOUNT_ADMIN")
        await put_member(client, org, "admin", role="ADMIN")
        await put_member(client, org, "staff", role="STAFFING")
        response = await client.put(
            f"/v1/orgs/{org}/openings/o1", json={"jobTitle": "chef"}, headers=SERVICE
        )
        assert response.status_code in (200, 201)
    return {
        "boss": member_token("acme", "boss"),
        "admin": member_token("acme", "admin"),
        "staff": member_token("acme", "staff"),
        "globex": member_token("globex", "boss"),
    }


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def _interviews(client: httpx.AsyncClient, org: str, ids: range) -> None:
    events = [
        {
            "eventId": f"e{n}",
            "orgId": org,
            "openingId": "o1",
            "interviewId": f"i{n}",
            "candidateId": f"c{n}",
            "occurredAt": "2026-11-20T11:00:00Z",
            "status": "COMPLETED",
        }
        for n in ids
    ]
    response = await client.post("/v1/ingest/interview-events", json=events, headers=SERVICE)
    assert response.status_code == 200, response.text


async def test_rules_fire_and_show_as_alerts(client: httpx.AsyncClient) -> None:
    tokens = await _setup(client)
    variables = {
        "input": {
            "kind": "CREDITS_REMAINING_BELOW",
            "name": "low",
            "thresholds": ["50", "25"],
            "unit": "PERCENT",
        }
    }
    body = await graphql(client, RULE, token=tokens["boss"], variables=variables)
    rule = body["data"]["createAlertRule"]
    assert (
        rule["thresholds"] == ["25.00", "50.00"] and rule["unit"] == "PERCENT" and rule["enabled"]
    )
    await _interviews(client, "acme", range(0, 3))  # 1 of 4 left: 25 %, below 50, not below 25
    body = await graphql(client, LIST, token=tokens["boss"])
    org = body["data"]["organization"]
    assert org["alertRules"] == [{"id": rule["id"], "name": "low"}]
    assert org["alerts"]["totalCount"] == 1
    assert org["alerts"]["edges"][0]["node"] == {
        "kind": "CREDITS_REMAINING_BELOW",
        "threshold": "50.00",
        "figure": "1.0000",
        "active": True,
        "periodStart": "2026-11-01",
        "periodEnd": "2026-11-30",
    }
    # The other organization sees none of it, and cannot touch the rule.
    other = await graphql(client, LIST, token=tokens["globex"])
    assert other["data"]["organization"]["alertRules"] == []
    assert other["data"]["organization"]["alerts"]["totalCount"] == 0
    gone = await graphql(client, DELETE, token=tokens["globex"], variables={"id": rule["id"]})
    assert _code(gone) == "NOT_FOUND"
    # An update re-arms: the active alert ends; evaluated again at once, it fires again.
    variables["input"]["name"] = "lower"
    changed = await graphql(
        client, UPDATE, token=tokens["boss"], variables={"id": rule["id"], **variables}
    )
    assert changed["data"]["updateAlertRule"]["name"] == "lower"
    org = (await graphql(client, LIST, token=tokens["boss"]))["data"]["organization"]
    # (fired at the same instant of the test's clock: their order is by id)
    assert sorted(e["node"]["active"] for e in org["alerts"]["edges"]) == [False, True]
    deleted = await graphql(client, DELETE, token=tokens["boss"], variables={"id": rule["id"]})
    assert deleted["data"]["deleteAlertRule"] == rule["id"]
    org = (await graphql(client, LIST, token=tokens["boss"]))["data"]["organization"]
    assert org["alertRules"] == []
    assert [e["node"]["active"] for e in org["alerts"]["edges"]] == [False, False]


async def test_permissions(client: httpx.AsyncClient) -> None:
    tokens = await _setup(client)
    low = {"input": {"kind": "CREDITS_REMAINING_BELOW", "name": "low", "thresholds": ["1"]}}
    ai = {
        "input": {
            "kind": "AI_CREDITS_ABOVE",
            "name": "ai",
            "thresholds": ["100"],
            "memberId": "staff",
        }
    }
    # STAFFING lacks alerts:manage.
    assert _code(await graphql(client, RULE, token=tokens["staff"], variables=ai)) == "FORBIDDEN"
    staff_list = await graphql(client, LIST, token=tokens["staff"])
    assert staff_list["data"]["organization"]["alertRules"] is None
    # ADMIN holds alerts:manage and credits:view, not consumption:view.
    assert _code(await graphql(client, RULE, token=tokens["admin"], variables=low)) == "FORBIDDEN"
    made = await graphql(client, RULE, token=tokens["admin"], variables=ai)
    assert made["data"]["createAlertRule"]["kind"] == "AI_CREDITS_ABOVE"
    # An API key may hold alerts:manage.
    created = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "alerts", "permissions": ["alerts:manage", "consumption:view"]},
        headers=SERVICE,
    )
    assert created.status_code in (200, 201), created.text
    key = created.json()["key"]
    response = await client.post(
        "/graphql", json={"query": RULE, "variables": low}, headers=bearer(key)
    )
    assert response.json()["data"]["createAlertRule"]["name"] == "low"


async def test_bad_input_and_limits(client: httpx.AsyncClient) -> None:
    tokens = await _setup(client)
    cases = [
        (
            {
                "kind": "CREDITS_REMAINING_BELOW",
                "name": "x",
                "thresholds": ["120"],
                "unit": "PERCENT",
            },
            "input.thresholds",
        ),
        ({"kind": "CREDITS_REMAINING_BELOW", "name": "x"}, "input.thresholds"),
        (
            {"kind": "RUNS_OUT_BEFORE_PERIOD_END", "name": "x", "thresholds": ["1"]},
            "input.thresholds",
        ),
        ({"kind": "OPENING_CREDITS_ABOVE", "name": "x", "thresholds": ["1"]}, "input.openingId"),
        (
            {"kind": "AI_CREDITS_ABOVE", "name": "x", "thresholds": ["1"], "memberId": "nobody"},
            "input.memberId",
        ),
    ]
    for rule, field in cases:
        body = await graphql(client, RULE, token=tokens["boss"], variables={"input": rule})
        assert (
            _code(body) == "BAD_USER_INPUT"
            if field != "input.memberId"
            else _code(body) == "NOT_FOUND"
        ), (rule, body)
        if field != "input.memberId":
            assert body["errors"][0]["extensions"]["field"] == field, body
    for n in range(MAX_RULES):
        body = await graphql(
            client,
            RULE,
            token=tokens["boss"],
            variables={"input": {"kind": "RUNS_OUT_BEFORE_PERIOD_END", "name": f"r{n}"}},
        )
        assert "errors" not in body, body
    over = await graphql(
        client,
        RULE,
        token=tokens["boss"],
        variables={"input": {"kind": "RUNS_OUT_BEFORE_PERIOD_END", "name": "one more"}},
    )
    assert _code(over) == "BAD_USER_INPUT"
    for n in range(MAX_ENDPOINTS):
        body = await graphql(
            client,
            ENDPOINT,
            token=tokens["boss"],
            variables={"url": f"https://hooks-{n}.example.com/in"},
        )
        assert "errors" not in body, body
    over = await graphql(
        client, ENDPOINT, token=tokens["boss"], variables={"url": "https://hooks.example.com/x"}
    )
    assert _code(over) == "BAD_USER_INPUT"


async def test_endpoints_secret_once_test_delivery_and_ssrf(client: httpx.AsyncClient) -> None:
    tokens = await _setup(client)
    refused = await graphql(
        client, ENDPOINT, token=tokens["boss"], variables={"url": "http://169.254.169.254/latest"}
    )
    assert (
        _code(refused) == "BAD_USER_INPUT" and refused["errors"][0]["extensions"]["field"] == "url"
    )
    made = (
        await graphql(
            client,
            ENDPOINT,
            token=tokens["boss"],
            variables={"url": "https://hooks.example.com/in"},
        )
    )["data"]["createWebhookEndpoint"]
    assert made["secret"].startswith("whsec_")
    assert made["endpoint"]["eventTypes"] == ["CREDITS_REMAINING_BELOW", "WEBHOOK_TEST"]
    endpoint_id = made["endpoint"]["id"]
    sent = await graphql(
        client,
        "mutation($id: ID!) { sendTestWebhook(id: $id) { id status attempts eventType messageId } }",
        token=tokens["boss"],
        variables={"id": endpoint_id},
    )
    delivery = sent["data"]["sendTestWebhook"]
    assert (delivery["status"], delivery["attempts"], delivery["eventType"]) == (
        "PENDING",
        0,
        "WEBHOOK_TEST",
    )
    listed = await graphql(
        client,
        "{ organization { webhookEndpoints { id url deliveries(first: 5) { totalCount edges { node { id status messageId } } pageInfo { hasNextPage } } } } }",
        token=tokens["boss"],
    )
    [endpoint] = listed["data"]["organization"]["webhookEndpoints"]
    assert made["secret"] not in str(listed)
    assert endpoint["deliveries"]["totalCount"] == 1
    assert endpoint["deliveries"]["edges"][0]["node"]["messageId"] == delivery["messageId"]
    rotated = await graphql(
        client,
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }",
        token=tokens["boss"],
        variables={"id": endpoint_id},
    )
    assert rotated["data"]["rotateWebhookSecret"]["secret"] not in (made["secret"], None)
    assert (
        rotated["data"]["rotateWebhookSecret"]["endpoint"]["previousSecretExpiresAt"]
        == "2026-11-21T12:00:00+00:00"
    )
    off = await graphql(
        client,
        "mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled disabledReason } }",
        token=tokens["boss"],
        variables={"id": endpoint_id},
    )
    assert off["data"]["disableWebhookEndpoint"] == {
        "enabled": False,
        "disabledReason": "disabled by a user",
    }
    on = await graphql(
        client,
        "mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled } }",
        token=tokens["boss"],
        variables={"id": endpoint_id},
    )
    assert on["data"]["enableWebhookEndpoint"] == {"enabled": True}
    again = await graphql(
        client,
        "mutation($id: ID!) { redeliver(deliveryId: $id) { status attempts messageId } }",
        token=tokens["boss"],
        variables={"id": delivery["id"]},
    )
    assert again["data"]["redeliver"] == {
        "status": "PENDING",
        "attempts": 0,
        "messageId": delivery["messageId"],
    }
    # Another organization's ids are not found.
    for mutation in ("sendTestWebhook(id: $id) { id }", "rotateWebhookSecret(id: $id) { secret }"):
        body = await graphql(
            client,
            f"mutation($id: ID!) {{ {mutation} }}",
            token=tokens["globex"],
            variables={"id": endpoint_id},
        )
        assert _code(body) == "NOT_FOUND"
    body = await graphql(
        client,
        "mutation($id: ID!) { redeliver(deliveryId: $id) { id } }",
        token=tokens["globex"],
        variables={"id": delivery["id"]},
    )
    assert _code(body) == "NOT_FOUND"


async def test_alerts_and_deliveries_page_with_cursors(
    client: httpx.AsyncClient, clock: Any
) -> None:
    tokens = await _setup(client)
    endpoint = await graphql(
        client, ENDPOINT, token=tokens["boss"], variables={"url": "https://hooks.example.com/in"}
    )
    endpoint_id = endpoint["data"]["createWebhookEndpoint"]["endpoint"]["id"]
    for n in range(3):  # three alerts and three deliveries, a minute apart
        clock.advance(minutes=1)
        rule = {
            "input": {
                "kind": "CREDITS_REMAINING_BELOW",
                "name": f"r{n}",
                "thresholds": [str(10 + n)],
            }
        }
        assert "errors" not in await graphql(client, RULE, token=tokens["boss"], variables=rule)
    query = """query($after: String) { organization {
      alerts(first: 2, after: $after) { totalCount edges { node { threshold } } pageInfo { hasNextPage endCursor } }
      webhookEndpoints { deliveries(first: 2, after: $after) { totalCount edges { node { eventType } } } } } }"""
    first = (await graphql(client, query, token=tokens["boss"], variables={"after": None}))["data"][
        "organization"
    ]
    assert [e["node"]["threshold"] for e in first["alerts"]["edges"]] == ["12.00", "11.00"]
    assert first["alerts"]["totalCount"] == 3 and first["alerts"]["pageInfo"]["hasNextPage"]
    assert first["webhookEndpoints"][0]["deliveries"]["totalCount"] == 3
    cursor = first["alerts"]["pageInfo"]["endCursor"]
    alerts_only = """query($after: String) { organization { alerts(first: 2, after: $after) {
      edges { node { threshold } } pageInfo { hasNextPage } } } }"""
    second = (
        await graphql(client, alerts_only, token=tokens["boss"], variables={"after": cursor})
    )["data"]["organization"]
    assert [e["node"]["threshold"] for e in second["alerts"]["edges"]] == ["10.00"]
    assert not second["alerts"]["pageInfo"]["hasNextPage"]
    # A cursor of one list is refused by another organization's.
    other = await graphql(client, alerts_only, token=tokens["globex"], variables={"after": cursor})
    assert _code(other) == "BAD_USER_INPUT"
    assert endpoint_id
