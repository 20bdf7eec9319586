"""Every kind of change records who made it, what it was, and the values before and after, in
the change's own transaction; secrets never reach the log."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from gateway import organizations
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn
from gateway.audit.snapshots import SECRET_MARKER
from gateway.orgs.inputs import OrganizationIn
from gateway.storage.db import Database
from tests.audit.support import all_events, create_key, make_org, stored_rows
from tests.support import SERVICE, MovableClock, bearer, graphql, put_member, put_org

RULE = """mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }"""
UPDATE = """mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) {
  id } }"""
DELETE = "mutation($id: ID!) { deleteAlertRule(id: $id) }"
ENDPOINT = """mutation { createWebhookEndpoint(url: "https://hooks.example.com/in",
  eventTypes: [WEBHOOK_TEST]) { secret endpoint { id } } }"""
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }"
DISABLE = "mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled } }"
LOW = {"kind": "CREDITS_REMAINING_BELOW", "name": "low", "thresholds": ["5"]}


def _summary(event: dict[str, Any]) -> tuple[str, str, str | None, str]:
    return (event["action"], event["actor"]["kind"], event["actor"]["id"], event["targetId"])


async def _mutate(
    client: httpx.AsyncClient, query: str, token: str, **variables: Any
) -> dict[str, Any]:
    body = await graphql(client, query, token=token, variables=variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_each_kind_of_change_is_recorded(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    tokens = await make_org(client, "acme")
    expected = [
        ("organization.created", "SERVICE", None, "acme"),
        ("plan.scheduled", "SERVICE", None, "acme"),
        ("member.created", "SERVICE", None, "boss"),
        ("member.created", "SERVICE", None, "admin"),
        ("member.created", "SERVICE", None, "staff"),
    ]
    clock.advance(seconds=1)
    await put_member(client, "acme", "staff", role="ADMIN")
    await put_member(client, "acme", "staff", role="ADMIN")  # no change: nothing recorded
    response = await client.delete("/v1/orgs/acme/members/staff", headers=SERVICE)
    assert response.status_code == 204
    await put_member(client, "acme", "staff", role="ADMIN")
    expected += [
        ("member.role_changed", "SERVICE", None, "staff"),
        ("member.removed", "SERVICE", None, "staff"),
        ("member.restored", "SERVICE", None, "staff"),
    ]
    await put_org(
        client,
        "acme",
        time_zone="Europe/Paris",
        plan={"interviewCreditsPerPeriod": "20", "billingAnchorDay": 1},
        activeSince="2026-10-01",
    )
    expected += [
        ("organization.updated", "SERVICE", None, "acme"),
        ("plan.scheduled", "SERVICE", None, "acme"),
    ]
    key = await create_key(client, "acme", "credits:view")
    response = await client.delete(f"/v1/orgs/acme/api-keys/{key['id']}", headers=SERVICE)
    assert response.status_code == 204
    expected += [
        ("api_key.created", "SERVICE", None, key["id"]),
        ("api_key.revoked", "SERVICE", None, key["id"]),
    ]
    purchase = {"purchaseId": "p1", "credits": "12.5", "occurredAt": "2026-11-20T10:00:00Z"}
    for _ in range(2):  # the replay is no change
        response = await client.post(
            "/v1/orgs/acme/credit-purchases", json=purchase, headers=SERVICE
        )
        assert response.status_code in (200, 201), response.text
    expected.append(("purchase.recorded", "SERVICE", None, "p1"))
    boss = tokens["boss"]
    rule = (await _mutate(client, RULE, boss, input=LOW))["createAlertRule"]["id"]
    await _mutate(client, UPDATE, boss, id=rule, input={**LOW, "name": "lower"})
    await _mutate(client, DELETE, boss, id=rule)
    made = (await _mutate(client, ENDPOINT, boss))["createWebhookEndpoint"]
    endpoint = made["endpoint"]["id"]
    await _mutate(client, ROTATE, boss, id=endpoint)
    await _mutate(client, DISABLE, boss, id=endpoint)
    expected += [
        ("alert_rule.created", "MEMBER", "boss", rule),
        ("alert_rule.updated", "MEMBER", "boss", rule),
        ("alert_rule.deleted", "MEMBER", "boss", rule),
        ("webhook_endpoint.created", "MEMBER", "boss", endpoint),
        ("webhook_endpoint.secret_rotated", "MEMBER", "boss", endpoint),
        ("webhook_endpoint.updated", "MEMBER", "boss", endpoint),
    ]

    events = await all_events(client, boss)
    assert [_summary(e) for e in events] == expected[::-1]
    by_action = {e["action"]: e for e in reversed(events)}  # the newest of each action
    first_event = events[-1]
    assert first_event["occurredAt"] == "2026-11-20T12:00:00+00:00"
    assert first_event["before"] is None
    assert first_event["after"]["timeZone"] == "UTC"
    updated = by_action["organization.updated"]
    assert (updated["before"]["timeZone"], updated["after"]["timeZone"]) == (
        "UTC",
        "Europe/Paris",
    )
    assert updated["occurredAt"] == "2026-11-20T12:00:01+00:00"
    plans = by_action["plan.scheduled"]
    assert [p["creditsPerPeriod"] for p in plans["before"]["plans"]] == ["10.0000"]
    assert [(p["creditsPerPeriod"], p["effectiveFrom"]) for p in plans["after"]["plans"]] == [
        ("10.0000", "1970-01-01"),
        ("20.0000", "2026-12-01"),
    ]
    role = by_action["member.role_changed"]
    assert (role["before"]["role"], role["after"]["role"]) == ("STAFFING", "ADMIN")
    removed = by_action["member.removed"]
    assert (removed["before"]["removed"], removed["after"]["removed"]) == (False, True)
    created_key = by_action["api_key.created"]
    assert created_key["after"] == {
        "id": key["id"],
        "name": "partner",
        "permissions": ["credits:view"],
        "expiresAt": None,
    }
    revoked = by_action["api_key.revoked"]
    assert revoked["before"]["revokedAt"] is None
    assert revoked["after"]["revokedAt"] == "2026-11-20T12:00:01+00:00"
    bought = by_action["purchase.recorded"]
    assert bought["before"] is None
    assert (bought["after"]["credits"], bought["after"]["purchaseId"]) == ("12.5000", "p1")
    changed = by_action["alert_rule.updated"]
    assert (changed["before"]["name"], changed["after"]["name"]) == ("low", "lower")
    deleted = by_action["alert_rule.deleted"]
    assert (deleted["before"]["name"], deleted["after"]) == ("lower", None)
    disabled = by_action["webhook_endpoint.updated"]
    assert (disabled["before"]["enabled"], disabled["after"]["enabled"]) == (True, False)


async def test_an_api_key_is_named_as_the_actor(client: httpx.AsyncClient) -> None:
    await make_org(client, "acme")
    key = await create_key(client, "acme", "alerts:manage", "consumption:view", "audit:view")
    body = await graphql(client, RULE, token=key["key"], variables={"input": LOW})
    rule = body["data"]["createAlertRule"]["id"]
    events = await all_events(client, key["key"])
    assert _summary(events[0]) == ("alert_rule.created", "API_KEY", key["id"], rule)


async def test_a_failed_change_records_nothing(db: Database, clock: MovableClock) -> None:
    body = OrganizationIn.model_validate({"name": "Acme", "timeZone": "UTC"})
    await organizations.put_organization(db, "acme", body, now=clock())
    before = await stored_rows(db, "acme")

    async def failing_evaluation(*_: Any) -> list[str]:
        raise RuntimeError("the evaluation failed after the rule and its event were written")

    rule = AlertRuleIn.model_validate(LOW)
    with pytest.raises(RuntimeError):
        await alerts_service.create_rule(
            db, "acme", rule, now=clock(), evaluator=failing_evaluation
        )
    assert await stored_rows(db, "acme") == before
    assert await alerts_service.rules(db, "acme") == []
    # The same change, succeeding, is recorded.
    await alerts_service.create_rule(db, "acme", rule, now=clock())
    after = await stored_rows(db, "acme")
    assert len(after) == len(before) + 1
    assert any("alert_rule.created" in row for row in after)


async def test_secrets_never_reach_the_log(
    client: httpx.AsyncClient, db: Database, clock: MovableClock
) -> None:
    tokens = await make_org(client, "acme")
    boss = tokens["boss"]
    key = await create_key(client, "acme", "credits:view")
    made = (await _mutate(client, ENDPOINT, boss))["createWebhookEndpoint"]
    endpoint = made["endpoint"]["id"]
    rotated = (await _mutate(client, ROTATE, boss, id=endpoint))["rotateWebhookSecret"]
    secrets = [
        key["key"],
        key["key"].removeprefix("ugk_"),
        hashlib.sha256(key["key"].encode()).hexdigest(),
        made["secret"],
        made["secret"].removeprefix("whsec_"),
        rotated["secret"],
        rotated["secret"].removeprefix("whsec_"),
    ]
    stored = await stored_rows(db, "acme")
    assert any("webhook_endpoint.secret_rotated" in row for row in stored)
    graphql_answer = (
        await client.post(
            "/graphql",
            json={
                "query": "{ organization { auditLog(first: 100) { edges { node { before after } } } } }"
            },
            headers=bearer(boss),
        )
    ).text
    rest_answer = (await client.get("/v1/audit-log?first=100", headers=bearer(boss))).text
    export = await client.get(
        "/v1/exports/audit-log?from=2026-11-01&to=2026-11-30&format=csv", headers=bearer(boss)
    )
    assert export.status_code == 200, export.text
    for text in [*stored, graphql_answer, rest_answer, export.text]:
        for secret in secrets:
            assert secret not in text
    events = await all_events(client, boss)
    rotation = next(e for e in events if e["action"] == "webhook_endpoint.secret_rotated")
    assert rotation["before"]["secret"] == SECRET_MARKER
    assert rotation["before"]["previousSecret"] is None
    assert rotation["after"]["secret"] == rotation["after"]["previousSecret"] == SECRET_MARKER
    assert SECRET_MARKER in rest_answer and SECRET_MARKER in export.text
