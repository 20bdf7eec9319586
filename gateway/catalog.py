"""The default AI model catalog shipped with the gateway (prices in USD per million tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from gateway.db import Database
from gateway.money import usd_to_int
from gateway.queries import catalog as catalog_queries

CATALOG_PRICES_FROM = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CatalogModel:
    id: str
    provider: str
    tier: str
    input_usd_per_million: Decimal
    output_usd_per_million: Decimal

    @property
    def label(self) -> str:
        return f"{PROVIDER_NAMES[self.provider]} {self.tier}"


PROVIDER_NAMES = {"ANTHROPIC": "Anthropic", "OPENAI": "OpenAI"}

DEFAULT_CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel("claude-opus-4-1", "ANTHROPIC", "Opus", Decimal("15"), Decimal("75")),
    CatalogModel("claude-sonnet-4-5", "ANTHROPIC", "Sonnet", Decimal("3"), Decimal("15")),
    CatalogModel("claude-sonnet-4", "ANTHROPIC", "Sonnet", Decimal("3"), Decimal("15")),
    CatalogModel("claude-haiku-4-5", "ANTHROPIC", "Haiku", Decimal("1"), Decimal("5")),
    CatalogModel("gpt-4.1", "OPENAI", "GPT-4.1", Decimal("2"), Decimal("8")),
    CatalogModel("gpt-4.1-mini", "OPENAI", "GPT-4.1 mini", Decimal("0.4"), Decimal("1.6")),
    CatalogModel("gpt-4o", "OPENAI", "GPT-4o", Decimal("2.5"), Decimal("10")),
    CatalogModel("gpt-4o-mini", "OPENAI", "GPT-4o mini", Decimal("0.15"), Decimal("0.6")),
)


async def ensure_default_catalog(db: Database) -> None:
    """Add the shipped models that the catalog lacks; never overwrite one that exists."""
    async with db.write() as conn:
        for model in DEFAULT_CATALOG:
            created = await catalog_queries.insert_model_if_missing(
                conn,
                model_id=model.id,
                provider=model.provider,
                tier=model.tier,
                label=model.label,
            )
            if created:
                await catalog_queries.insert_price(
                    conn,
                    model_id=model.id,
                    effective_from=CATALOG_PRICES_FROM,
                    input_micros_per_million=usd_to_int(model.input_usd_per_million),
                    output_micros_per_million=usd_to_int(model.output_usd_per_million),
                )
