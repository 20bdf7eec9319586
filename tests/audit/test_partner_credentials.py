"""API keys and embed tokens made and revoked from GraphQL are recorded with the member who did
it, what each may do and until when, and never their secrets."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.storage.db import Database
from tests.audit.support import all_events, make_org, stored_rows
from tests.orgs.keys_support import CREATE_EMBED, CREATE_KEY, REVOKE_EMBED, REVOKE_KEY, run


def _made(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    made: dict[str, Any] = body["data"][field]
    return made


async def test_keys_and_embed_tokens_from_graphql_are_recorded(
    client: httpx.AsyncClient, db: Database
) -> None:
    tokens = await make_org(client, "acme")
    boss = tokens["boss"]
    expires = "2027-01-31T00:00:00+00:00"
    key = _made(
        await run(
            client, CREATE_KEY, boss, name="bi", permissions=["credits:view"], expiresAt=expires
        ),
        "createApiKey",
    )
    embed = _made(
        await run(client, CREATE_EMBED, boss, documents=["UsagePage"], ttl=600),
        "createEmbedToken",
    )
    _made(await run(client, REVOKE_KEY, boss, id=key["apiKey"]["id"]), "revokeApiKey")
    _made(await run(client, REVOKE_EMBED, boss, id=embed["embedToken"]["id"]), "revokeEmbedToken")

    events = await all_events(client, boss)
    ours = [e for e in events if e["targetType"] in ("api_key", "embed_token")]
    assert [(e["action"], e["actor"], e["targetId"]) for e in ours] == [
        ("embed_token.revoked", {"kind": "MEMBER", "id": "boss"}, embed["embedToken"]["id"]),
        ("api_key.revoked", {"kind": "MEMBER", "id": "boss"}, key["apiKey"]["id"]),
        ("embed_token.created", {"kind": "MEMBER", "id": "boss"}, embed["embedToken"]["id"]),
        ("api_key.created", {"kind": "MEMBER", "id": "boss"}, key["apiKey"]["id"]),
    ]
    by_action = {e["action"]: e for e in ours}
    created_key = by_action["api_key.created"]["after"]
    assert (created_key["name"], created_key["permissions"]) == ("bi", ["credits:view"])
    assert created_key["expiresAt"] == expires
    created_embed = by_action["embed_token.created"]["after"]
    assert created_embed["documents"] == ["UsagePage"]
    assert created_embed["permissions"] == embed["embedToken"]["permissions"]
    assert created_embed["expiresAt"] == embed["embedToken"]["expiresAt"]
    assert by_action["embed_token.revoked"]["before"]["revokedAt"] is None
    assert by_action["embed_token.revoked"]["after"]["revokedAt"] is not None
    # The secrets are in neither the stored rows nor the answer.
    stored = " ".join(await stored_rows(db, "acme"))
    answer = str(events)
    for secret in (key["secret"], embed["secret"]):
        assert secret not in stored and secret not in answer
