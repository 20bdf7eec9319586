"""Every refusal of /graphql is a JSON GraphQL error with ``extensions.code``."""

from __future__ import annotations

from unittest.mock import ANY

import httpx
import pytest

from tests.support import bearer, member_token, put_member, put_org

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _auth(client: httpx.AsyncClient) -> dict[str, str]:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    return bearer(member_token("acme", "m1"))


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b'[{"query": "{ __typename }"}]', "application/json", 400, "batched"),
        (b"{}", "application/json", 400, "no GraphQL query"),
        (b'{"query": null}', "application/json", 400, "no GraphQL query"),
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b'"a string"', "application/json", 400, "JSON object"),
        (b'{"query": 42}', "application/json", 400, "must be a string"),
        (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400, "object"),
        # Deeper than the JSON parser goes, and deeper than variables may nest.
        (
            b'{"query": "{ __typename }", "variables": ' + _deep(5_000).encode() + b"}",
            "application/json",
            400,
            "not valid JSON",
        ),
        (
            b'{"query": "{ __typename }", "variables": ' + _deep(40).encode() + b"}",
            "application/json",
            400,
            "nest more than",
        ),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 415, "content type"),
    ],
)
async def test_malformed_requests_answer_json(
    client: httpx.AsyncClient, body: bytes, content_type: str, status: int, message: str
) -> None:
    auth = await _auth(client)
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await client.post(
            "/graphql",
            content=body,
            headers={**auth, "content-type": content_type, "accept": accept},
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(accept)
        payload = response.json()
        assert "data" not in payload
        assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert message in payload["errors"][0]["message"]


async def test_get_requests_are_checked_the_same_way(client: httpx.AsyncClient) -> None:
    auth = await _auth(client)
    bad = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{oops"}, headers=auth
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    empty = await client.get("/graphql", headers=auth)
    assert empty.status_code == 400
    assert "no GraphQL query" in empty.json()["errors"][0]["message"]
    ok = await client.get("/graphql", params={"query": "{ organization { name } }"}, headers=auth)
    assert ok.json()["data"] == {"organization": {"name": "Org acme"}}


async def test_refused_documents_have_no_data_in_graphql_response_json(
    client: httpx.AsyncClient,
) -> None:
    auth = await _auth(client)
    headers = {**auth, "Accept": GRAPHQL_RESPONSE}
    for query, code in [
        ("{ organization {", "GRAPHQL_PARSE_FAILED"),
        ("{ organization { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ viewer { role } }" + " " * 40_000, "QUERY_TOO_COMPLEX"),
    ]:
        response = await client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 400, query
        assert "data" not in response.json(), query
        assert response.json()["errors"][0]["extensions"]["code"] == code, query
    # A variable of the wrong type is refused before execution too, as the user's input.
    response = await client.post(
        "/graphql",
        json={
            "query": "query($n: Int) { organization { usage { byUser(first: $n) { totalCount } } } }",
            "variables": {"n": "many"},
        },
        headers=headers,
    )
    assert response.status_code == 400
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_operation_that_cannot_be_chosen_is_the_clients_error(
    client: httpx.AsyncClient,
) -> None:
    auth = await _auth(client)
    two = "query A { viewer { role } } query B { __typename }"
    for body in (
        {"query": "query A { viewer { role } }", "operationName": "Nope"},
        {"query": two},
        {"query": two, "operationName": "C"},
    ):
        for accept, status in (("application/json", 200), (GRAPHQL_RESPONSE, 400)):
            response = await client.post("/graphql", json=body, headers={**auth, "Accept": accept})
            assert response.status_code == status, (body, accept, response.text)
            answer = response.json()
            assert "errors" in answer, (body, answer)
            assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert answer.get("data") is None
            assert accept != GRAPHQL_RESPONSE or "data" not in answer
    response = await client.post(
        "/graphql", json={"query": two, "operationName": "B"}, headers=auth
    )
    assert response.json() == {"data": {"__typename": "Query"}, "extensions": ANY}


async def test_unauthenticated_requests_answer_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=b"[1, 2]")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
