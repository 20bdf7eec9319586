"""Query.viewer, Query.organization, Query.node, permissions and error codes."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.node import decode_global_id, encode_global_id
from tests.support import SERVICE, bearer, graphql, member_token, put_member, put_org

PLAN = {
    "interviewCreditsPerPeriod": "120.5",
    "rollover": "CAPPED",
    "rolloverCap": "40",
    "billingAnchorDay": 15,
}


async def _setup(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="Europe/Paris", plan=PLAN)
    await put_member(client, "acme", "boss", role="ACCOUNT_ADMIN")
    await put_member(client, "acme", "ivan", role="INTERVIEWER")
    await put_org(client, "globex")
    await put_member(client, "globex", "g1", role="ACCOUNT_ADMIN")


async def test_plan_is_guarded_by_consumption_view(client: httpx.AsyncClient) -> None:
    await _setup(client)
    query = "{ organization { name plan { interviewCreditsPerPeriod rollover rolloverCap billingAnchorDay } } }"
    admin = await graphql(client, query, token=member_token("acme", "boss"))
    assert admin == {
        "data": {
            "organization": {
                "name": "Org acme",
                "plan": {
                    "interviewCreditsPerPeriod": "120.5000",
                    "rollover": "CAPPED",
                    "rolloverCap": "40.0000",
                    "billingAnchorDay": 15,
                },
            }
        }
    }
    denied = await graphql(client, query, token=member_token("acme", "ivan"))
    assert denied["data"] == {"organization": {"name": "Org acme", "plan": None}}
    assert [(e["path"], e["extensions"]["code"]) for e in denied["errors"]] == [
        (["organization", "plan"], "FORBIDDEN")
    ]


async def test_node_never_crosses_organizations(client: httpx.AsyncClient) -> None:
    await _setup(client)
    query = "query($id: ID!) { node(id: $id) { id ... on Member { name } ... on Organization { name } } }"
    boss, g1 = member_token("acme", "boss"), member_token("globex", "g1")
    own_org = encode_global_id("Organization", "acme")
    own_member = encode_global_id("Member", "acme", "ivan")
    other_org = encode_global_id("Organization", "globex")
    other_member = encode_global_id("Member", "globex", "g1")
    result = await graphql(client, query, token=boss, variables={"id": own_member})
    assert result == {"data": {"node": {"id": own_member, "name": "Member ivan"}}}
    result = await graphql(client, query, token=boss, variables={"id": own_org})
    assert result == {"data": {"node": {"id": own_org, "name": "Org acme"}}}
    for foreign in (other_org, other_member, encode_global_id("Member", "acme", "g1"), "garbage!"):
        result = await graphql(client, query, token=boss, variables={"id": foreign})
        assert result == {"data": {"node": None}}, foreign
    # The other organization sees its own objects.
    result = await graphql(client, query, token=g1, variables={"id": other_member})
    assert result["data"]["node"]["name"] == "Member g1"


async def test_members_need_credits_view_through_node(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "k", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    query = "query($id: ID!) { node(id: $id) { id } }"
    member_id = encode_global_id("Member", "acme", "m1")
    result = await graphql(client, query, token=key.json()["key"], variables={"id": member_id})
    assert result == {"data": {"node": None}}


async def test_models_resolve_through_node(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    model_id = encode_global_id("AiModel", "claude-haiku-4-5")
    result = await graphql(
        client,
        "query($id: ID!) { node(id: $id) { ... on AiModel { provider tier label } } }",
        token=member_token("acme", "m1"),
        variables={"id": model_id},
    )
    assert result == {
        "data": {"node": {"provider": "ANTHROPIC", "tier": "Haiku", "label": "Anthropic Haiku"}}
    }


def test_global_ids_round_trip() -> None:
    assert decode_global_id(encode_global_id("Member", "a:b", "c@d")) == ("Member", ["a:b", "c@d"])
    assert decode_global_id("!!!") is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ organization { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ organization { name ", "GRAPHQL_PARSE_FAILED"),
        # A wrong literal argument is the input at fault, as it would be in a variable.
        ("{ organization { usage(period: {preset: NEXT_MONTH}) { start } } }", "BAD_USER_INPUT"),
        (
            "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(16)) + " }",
            "QUERY_TOO_COMPLEX",
        ),
    ],
)
async def test_document_errors_are_coded(client: httpx.AsyncClient, query: str, code: str) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(member_token("acme", "m1"))
    )
    errors = response.json()["errors"]
    assert errors and all(e["extensions"]["code"] == code for e in errors), errors


async def test_unexpected_errors_are_masked_with_the_request_id(
    client: httpx.AsyncClient,
    app: Starlette,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1", role="ACCOUNT_ADMIN")

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("database password is hunter2")

    # A statement behind a field (the organization itself comes with the credential).
    monkeypatch.setattr("gateway.orgs.queries.plan_history", broken)
    response = await client.post(
        "/graphql",
        json={"query": "{ organization { plan { rollover } } }"},
        headers={**bearer(member_token("acme", "m1")), "X-Request-Id": "req-42"},
    )
    body = response.json()
    assert "hunter2" not in response.text
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "req-42",
    }
    assert response.headers["x-request-id"] == "req-42"
    # The server log keeps what the client does not see, under the same request id.
    logged = [r for r in caplog.records if r.name == "gateway.graphql"]
    assert len(logged) == 1
    assert "req-42" in logged[0].getMessage()
    assert logged[0].exc_info is not None
    assert "hunter2" in str(logged[0].exc_info[1])


async def test_depth_and_token_limits(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1", role="ACCOUNT_ADMIN")
    token = member_token("acme", "m1")
    # Opening.credits.opening.credits... cycles: ten levels are allowed, twelve are not.
    allowed = "{ organization { openings { edges { node { credits { opening { credits { opening { id } } } } } } } } }"
    assert "errors" not in await graphql(client, allowed, token=token)
    deep = "{ organization { openings { edges { node { credits { opening { credits { opening { credits { opening { credits { opening { id } } } } } } } } } } } } }"
    body = await graphql(client, deep, token=token)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "depth" in body["errors"][0]["message"]
    wide = "{ viewer { " + "permissions " * 2_100 + "} }"
    body = await graphql(client, wide, token=token)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "token" in body["errors"][0]["message"].lower()


async def test_a_refused_field_names_the_permission_it_needs(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "i1", role="INTERVIEWER")
    response = await client.post(
        "/graphql",
        json={"query": "{ organization { plan { rollover } } }"},
        headers=bearer(member_token("acme", "i1")),
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "this field needs the 'consumption:view' permission"
