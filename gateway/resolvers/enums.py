"""The domain's enums, exposed to GraphQL: each is defined once, in its domain, and wrapped here.

Resolvers return the domain's members as they are and receive them as arguments.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from gateway.consumption.enums import InterviewStatus
from gateway.core.buckets import Granularity
from gateway.core.periods import PeriodPreset
from gateway.orgs.enums import AiBillingMode, AiProvider, Role, RolloverRule
from gateway.usage.enums import TrendBasis, TrendDirection, UsageReason

E = TypeVar("E", bound=type[Enum])


def graphql_enum(cls: E, description: str, values: dict[Enum, str] | None = None) -> E:
    """Wrap ``cls`` for GraphQL, with a description per value where given."""
    wrapped = strawberry.enum(cls, description=description)
    definition: StrawberryEnumDefinition = wrapped.__strawberry_definition__  # type: ignore[attr-defined]
    described = {member.name: text for member, text in (values or {}).items()}
    for value in definition.values:
        value.description = described.get(value.name, value.description)
    return wrapped


graphql_enum(AiProvider, "Who provides an AI model.")
graphql_enum(AiBillingMode, "How the organization pays for AI calls.")
graphql_enum(Role, "A member's role in the organization.")
graphql_enum(RolloverRule, "What happens to unused credits at the end of a billing period.")
graphql_enum(UsageReason, "The feature that triggered an AI call.")
graphql_enum(
    TrendBasis,
    "What the trend compares this month with.",
    {
        TrendBasis.PREVIOUS_MONTH: "This month so far against the whole of last month (the page's pill).",
        TrendBasis.SAME_POINT_LAST_MONTH: "This month so far against the same span of last month (day 1 to the same day and time).",
    },
)
graphql_enum(TrendDirection, "Which way the spend moved.")
graphql_enum(InterviewStatus, "Where an interview stands.")
graphql_enum(PeriodPreset, "Named periods, resolved in the organization's time zone.")
graphql_enum(Granularity, "Bucket size of a time series.")

__all__ = [
    "AiBillingMode",
    "AiProvider",
    "Granularity",
    "InterviewStatus",
    "PeriodPreset",
    "Role",
    "RolloverRule",
    "TrendBasis",
    "TrendDirection",
    "UsageReason",
]
