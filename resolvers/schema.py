"""The GraphQL schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from resolvers.catalog import AiModel
from resolvers.consumption_types import Opening
from resolvers.limits import CostLimit
from resolvers.members import Member
from resolvers.organization import Organization
from resolvers.permissions import RequiresPermissionDirective
from resolvers.query import Query
from resolvers.scalars import SCALAR_MAP
from resolvers.usage_types import UsageCall

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000


# The limiters' rule classes, made once: the validation cache is keyed by the rules, so
# rules built anew for every request would never hit it.
SHAPE_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Organization, Member, AiModel, UsageCall, Opening],
        schema_directives=[RequiresPermissionDirective],
        extensions=[
            # Pages send the same few documents: parse and validate each once.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: AddValidationRules(SHAPE_RULES),
            CostLimit,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )


schema = build_schema()
