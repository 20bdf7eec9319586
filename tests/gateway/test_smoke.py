from __future__ import annotations

import httpx

from tests.support import SERVICE, ai_call, graphql, member_token, put_member, put_org


async def test_org_member_ingest_and_viewer(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="Europe/Paris")
    await put_member(client, "acme", "m1", role="ACCOUNT_ADMIN")
    response = await client.post(
        "/v1/ingest/ai-calls", json={"events": [ai_call("c1"), ai_call("c2")]}, headers=SERVICE
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "duplicates": 0}
    body = await graphql(
        client,
        "{ viewer { permissions role member { name } } organization { name timeZone } }",
        token=member_token("acme", "m1"),
    )
    assert body == {
        "data": {
            "viewer": {
                "permissions": [
                    "alerts:manage",
                    "audit:view",
                    "consumption:view",
                    "credits:view",
                    "keys:manage",
                ],
                "role": "ACCOUNT_ADMIN",
                "member": {"name": "Member m1"},
            },
            "organization": {"name": "Org acme", "timeZone": "Europe/Paris"},
        }
    }
