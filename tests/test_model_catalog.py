"""A model's new provider or tier moves its calls to another bar of By model, in every
organization, in the same transaction: the cards, the stored rollups and a recount agree after
each change. Hand-made calls; the expected bars are written out here."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from gateway.maintenance.verify import verify_org
from gateway.storage.db import Database
from gateway.storage.tables import ai_daily_by_model, ai_monthly_by_model
from tests.support import SERVICE, ai_call, graphql, member_token, put_member, put_org

BY_MODEL = """query { organization { usage(period: {from: "2026-11-01", to: "2026-11-20"}) {
  summary { modelTierCount } byModel { provider tier label creditsCharged calls } } } }"""
# Kolkata is 5:30 ahead: c2 falls on 5 November there, the others on the 3rd.
CALLS = [
    ai_call("c1", org_id="acme", model="claude-sonnet-4-5", credits="1.25"),
    ai_call(
        "c2",
        org_id="acme",
        model="claude-sonnet-4-5",
        credits="2.5",
        occurred_at="2026-11-04T18:45:00Z",
    ),
    ai_call("c3", org_id="acme", model="claude-sonnet-4", credits="0.75"),
    ai_call("c4", org_id="other", model="claude-sonnet-4-5", credits="2"),
]


def _bar(provider: str, tier: str, label: str, credits: str, calls: int) -> dict[str, Any]:
    return {
        "provider": provider,
        "tier": tier,
        "label": label,
        "creditsCharged": credits,
        "calls": calls,
    }


async def _put(client: httpx.AsyncClient, model_id: str, provider: str, tier: str) -> None:
    body = {"provider": provider, "tier": tier}
    response = await client.put(f"/v1/models/{model_id}", json=body, headers=SERVICE)
    assert response.status_code == 200, response.text
    assert response.json()["tier"] == tier


async def _cards(client: httpx.AsyncClient, org_id: str) -> Any:
    body = await graphql(client, BY_MODEL, token=member_token(org_id, "m1"))
    assert "errors" not in body, body
    return body["data"]["organization"]["usage"]


async def _stored_tiers(db: Database) -> set[tuple[str, str, str]]:
    async with db.read() as conn:
        out: set[tuple[str, str, str]] = set()
        for table in (ai_daily_by_model, ai_monthly_by_model):
            for org_id in ("acme", "other"):
                stmt = select(table.c.provider, table.c.tier).where(table.c.org_id == org_id)
                out.update((org_id, provider, tier) for provider, tier in await conn.execute(stmt))
        return out


async def test_a_new_tier_moves_the_calls_of_that_model_only(
    client: httpx.AsyncClient, db: Database
) -> None:
    await put_org(client, "acme", time_zone="Asia/Kolkata")
    await put_org(client, "other", time_zone="America/Los_Angeles")
    for org_id in ("acme", "other"):
        await put_member(client, org_id, "m1")
    response = await client.post("/v1/ingest/ai-calls", json=CALLS, headers=SERVICE)
    assert response.status_code == 200, response.text
    # Both Sonnets share one bar to begin with.
    assert (await _cards(client, "acme"))["byModel"] == [
        _bar("ANTHROPIC", "Sonnet", "Anthropic Sonnet", "4.5000", 3)
    ]

    await _put(client, "claude-sonnet-4-5", "ANTHROPIC", "Sonnet 4.5")
    assert await _cards(client, "acme") == {
        "summary": {"modelTierCount": 2},
        "byModel": [
            _bar("ANTHROPIC", "Sonnet 4.5", "Anthropic Sonnet 4.5", "3.7500", 2),
            _bar("ANTHROPIC", "Sonnet", "Anthropic Sonnet", "0.7500", 1),
        ],
    }
    assert (await _cards(client, "other"))["byModel"] == [
        _bar("ANTHROPIC", "Sonnet 4.5", "Anthropic Sonnet 4.5", "2.0000", 1)
    ]

    # The last model of a tier leaves it: no empty bar, no row left counting nothing.
    await _put(client, "claude-sonnet-4", "ANTHROPIC", "Sonnet 4.5")
    assert await _cards(client, "acme") == {
        "summary": {"modelTierCount": 1},
        "byModel": [_bar("ANTHROPIC", "Sonnet 4.5", "Anthropic Sonnet 4.5", "4.5000", 3)],
    }
    assert ("acme", "ANTHROPIC", "Sonnet") not in await _stored_tiers(db)

    # Another provider too.
    await _put(client, "claude-sonnet-4-5", "OPENAI", "Borrowed")
    assert (await _cards(client, "acme"))["byModel"] == [
        _bar("OPENAI", "Borrowed", "OpenAI Borrowed", "3.7500", 2),
        _bar("ANTHROPIC", "Sonnet 4.5", "Anthropic Sonnet 4.5", "0.7500", 1),
    ]
    assert await _stored_tiers(db) == {
        ("acme", "OPENAI", "Borrowed"),
        ("acme", "ANTHROPIC", "Sonnet 4.5"),
        ("other", "OPENAI", "Borrowed"),
    }
    for org_id in ("acme", "other"):
        assert await verify_org(db, org_id) == []


async def test_a_new_label_or_price_moves_nothing(client: httpx.AsyncClient, db: Database) -> None:
    await put_org(client, "acme", time_zone="Asia/Kolkata")
    await put_member(client, "acme", "m1")
    response = await client.post("/v1/ingest/ai-calls", json=CALLS[:3], headers=SERVICE)
    assert response.status_code == 200, response.text
    body = {"provider": "ANTHROPIC", "tier": "Sonnet", "label": "Claude Sonnet 4.5"}
    response = await client.put("/v1/models/claude-sonnet-4-5", json=body, headers=SERVICE)
    assert response.status_code == 200, response.text
    assert (await _cards(client, "acme"))["byModel"] == [
        _bar("ANTHROPIC", "Sonnet", "Anthropic Sonnet", "4.5000", 3)
    ]
    assert await verify_org(db, "acme") == []
