"""The AI model catalog."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from resolvers.node import Node, encode_global_id


@strawberry.enum(description="Who provides an AI model.")
class AiProvider(Enum):
    ANTHROPIC = "ANTHROPIC"
    OPENAI = "OPENAI"


@strawberry.type(description="An AI model of the catalog.")
class AiModel(Node):
    provider: AiProvider = strawberry.field(description="The model's provider.")
    tier: str = strawberry.field(description="e.g. Haiku, Sonnet, Opus, GPT-4o mini.")
    label: str = strawberry.field(description="Provider name and tier, e.g. 'Anthropic Sonnet'.")

    @classmethod
    def from_row(cls, row: Any) -> AiModel:
        return cls(
            id=encode_global_id("AiModel", row.id),
            provider=AiProvider(row.provider),
            tier=row.tier,
            label=row.label,
        )
