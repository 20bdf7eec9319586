"""Malformed requests over HTTP: each gets its documented status and code, and the app stays
healthy (a good query still answers afterwards)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway.bad_input_cases import GRAPHQL_CASES, Case
from tests.gateway.bad_input_v1_cases import V1_CASES
from tests.support import SERVICE, bearer, graphql, member_token, put_org

CASES = GRAPHQL_CASES + V1_CASES


def _code(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body: Any = response.json()
    except ValueError:
        return None, response.text
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code"), str(body["error"])
    if isinstance(body, dict) and body.get("errors"):
        return (body["errors"][0].get("extensions") or {}).get("code"), str(body["errors"])
    return None, str(body)


async def _seed(client: httpx.AsyncClient) -> str:
    await put_org(client, "acme")
    response = await client.put(
        "/v1/orgs/acme/members/m1",
        json={"name": "Ann", "email": "ann@acme.test", "role": "ACCOUNT_ADMIN"},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201)
    await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE)
    return member_token("acme", "m1")


def test_the_table_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_a_malformed_request_is_answered_as_documented(
    client: httpx.AsyncClient, case: Case
) -> None:
    token = await _seed(client)
    headers = dict(case.headers)
    if case.auth == "member":
        headers.update(bearer(token))
    elif case.auth == "service":
        headers.update(SERVICE)
    response = await client.request(case.method, case.path, headers=headers, **case.kwargs)
    code, message = _code(response)
    assert (response.status_code, code) == (case.status, case.code), message[:500]
    if case.mentions is not None:
        assert case.mentions in message, message[:500]
    # Whatever came before, a good query still answers.
    body = await graphql(client, "{ organization { name } viewer { role } }", token=token)
    assert body["data"] == {
        "organization": {"name": "Org acme"},
        "viewer": {"role": "ACCOUNT_ADMIN"},
    }
