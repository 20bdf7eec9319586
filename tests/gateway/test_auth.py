"""Every credential case on /graphql."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import jwt
import orjson
import pytest

from tests.support import (
    JWT_SECRET,
    NOW,
    SERVICE,
    MovableClock,
    bearer,
    member_token,
    put_member,
    put_org,
)

QUERY = {"query": "{ viewer { permissions apiKeyName member { name } } organization { name } }"}


async def _setup(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1", role="INTERVIEWER")
    await put_org(client, "globex")


async def _refused(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/graphql", json=QUERY, headers=headers)
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body
    message: str = body["errors"][0]["message"]
    return message


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_member_token_is_accepted(client: httpx.AsyncClient) -> None:
    await _setup(client)
    response = await client.post("/graphql", json=QUERY, headers=bearer(member_token("acme", "m1")))
    assert response.json()["data"] == {
        "viewer": {
            "permissions": ["credits:view"],
            "apiKeyName": None,
            "member": {"name": "Member m1"},
        },
        "organization": {"name": "Org acme"},
    }


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"Authorization": "Token abc"}, "malformed"),
        ({"Authorization": "Bearer "}, "malformed"),
        ({"Authorization": "Bearer not.a.jwt"}, "malformed"),
    ],
)
async def test_missing_or_malformed(
    client: httpx.AsyncClient, headers: dict[str, str], reason: str
) -> None:
    await _setup(client)
    assert reason in (await _refused(client, headers)).lower()


async def test_expired_token(client: httpx.AsyncClient, clock: MovableClock) -> None:
    await _setup(client)
    token = member_token("acme", "m1", ttl=timedelta(minutes=5))
    # Accepted first (its signature checked once), refused when it has expired.
    assert (await client.post("/graphql", json=QUERY, headers=bearer(token))).status_code == 200
    clock.advance(minutes=6)
    assert "expired" in await _refused(client, bearer(token))


async def test_wrong_signature_and_alg_none(client: httpx.AsyncClient) -> None:
    await _setup(client)
    claims = {"sub": "m1", "org": "acme", "exp": int((NOW + timedelta(hours=1)).timestamp())}
    forged = jwt.encode(claims, "another-secret-0123456789abcdef0123456789", algorithm="HS256")
    assert "signature" in (await _refused(client, bearer(forged))).lower()
    assert "none" in (await _refused(client, bearer(_unsigned(claims)))).lower()
    hs512 = jwt.encode(claims, JWT_SECRET, algorithm="HS512")
    await _refused(client, bearer(hs512))
    no_exp = jwt.encode({"sub": "m1", "org": "acme"}, JWT_SECRET, algorithm="HS256")
    assert "exp" in await _refused(client, bearer(no_exp))


@pytest.mark.parametrize("exp", [float("nan"), float("inf"), float("-inf"), True])
async def test_an_exp_that_is_not_a_finite_number_is_refused(
    client: httpx.AsyncClient, exp: float
) -> None:
    await _setup(client)
    # NaN would never compare as expired: such a token would be valid forever.
    token = jwt.encode({"sub": "m1", "org": "acme", "exp": exp}, JWT_SECRET, algorithm="HS256")
    assert "exp" in await _refused(client, bearer(token))


async def test_token_for_unknown_or_foreign_member(client: httpx.AsyncClient) -> None:
    await _setup(client)
    # m1 is a member of acme, not of globex: the org claim cannot borrow them.
    assert "unknown member" in await _refused(client, bearer(member_token("globex", "m1")))
    assert "unknown member" in await _refused(client, bearer(member_token("nope", "m1")))


async def test_removed_member_is_refused(client: httpx.AsyncClient) -> None:
    await _setup(client)
    token = member_token("acme", "m1")
    assert (await client.post("/graphql", json=QUERY, headers=bearer(token))).status_code == 200
    await client.delete("/v1/orgs/acme/members/m1", headers=SERVICE)
    assert "removed" in await _refused(client, bearer(token))


async def test_api_keys_work_until_revoked(client: httpx.AsyncClient) -> None:
    await _setup(client)
    created = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "BI export", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    key = created.json()
    response = await client.post("/graphql", json=QUERY, headers=bearer(key["key"]))
    assert response.json()["data"]["viewer"] == {
        "permissions": ["consumption:view"],
        "apiKeyName": "BI export",
        "member": None,
    }
    assert response.json()["data"]["organization"] == {"name": "Org acme"}
    await client.delete(f"/v1/orgs/acme/api-keys/{key['id']}", headers=SERVICE)
    assert "revoked" in await _refused(client, bearer(key["key"]))
    assert "unknown" in await _refused(client, bearer(key["key"] + "x"))


async def test_service_token_is_not_for_graphql(client: httpx.AsyncClient) -> None:
    await _setup(client)
    assert "write routes only" in await _refused(client, SERVICE)


async def test_graphiql_is_served_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "/graphql/assets/graphiql.min.js" in response.text
    asset = await client.get("/graphql/assets/graphiql.min.js")
    assert asset.status_code == 200
    # A GET with a query is GraphQL over HTTP and needs a credential like any other.
    response = await client.get("/graphql", params={"query": "{ viewer { permissions } }"})
    assert response.status_code == 401
