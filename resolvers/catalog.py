"""The AI model catalog."""

from __future__ import annotations

import strawberry

from gateway.catalog.records import ModelRecord
from resolvers.enums import AiProvider
from resolvers.node import Node, encode_global_id


@strawberry.type(description="An AI model of the catalog.")
class AiModel(Node):
    provider: AiProvider = strawberry.field(description="The model's provider.")
    tier: str = strawberry.field(
        description="The model family within its provider, e.g. Haiku, Sonnet, Opus, GPT-4o mini."
    )
    label: str = strawberry.field(description="Provider name and tier, e.g. 'Anthropic Sonnet'.")

    @classmethod
    def from_record(cls, model: ModelRecord) -> AiModel:
        return cls(
            id=encode_global_id("AiModel", model.id),
            provider=model.provider,
            tier=model.tier,
            label=model.label,
        )
