"""The default AI model catalog shipped with the gateway (prices in USD per million tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from gateway.orgs.enums import PROVIDER_NAMES, AiProvider

CATALOG_PRICES_FROM = datetime(2024, 1, 1, tzinfo=UTC)


def default_label(provider: AiProvider, tier: str) -> str:
    """'Anthropic Sonnet': what a model is called unless the catalog names it otherwise."""
    return f"{PROVIDER_NAMES[provider]} {tier}"


@dataclass(frozen=True)
class CatalogModel:
    id: str
    provider: AiProvider
    tier: str
    input_usd_per_million: Decimal
    output_usd_per_million: Decimal

    @property
    def label(self) -> str:
        return default_label(self.provider, self.tier)


_A, _O = AiProvider.ANTHROPIC, AiProvider.OPENAI
DEFAULT_CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel("claude-opus-4-1", _A, "Opus", Decimal("15"), Decimal("75")),
    CatalogModel("claude-sonnet-4-5", _A, "Sonnet", Decimal("3"), Decimal("15")),
    CatalogModel("claude-sonnet-4", _A, "Sonnet", Decimal("3"), Decimal("15")),
    CatalogModel("claude-haiku-4-5", _A, "Haiku", Decimal("1"), Decimal("5")),
    CatalogModel("gpt-4.1", _O, "GPT-4.1", Decimal("2"), Decimal("8")),
    CatalogModel("gpt-4.1-mini", _O, "GPT-4.1 mini", Decimal("0.4"), Decimal("1.6")),
    CatalogModel("gpt-4o", _O, "GPT-4o", Decimal("2.5"), Decimal("10")),
    CatalogModel("gpt-4o-mini", _O, "GPT-4o mini", Decimal("0.15"), Decimal("0.6")),
)
