"""The GraphQL schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from resolvers.catalog import AiModel
from resolvers.consumption_types import Opening
from resolvers.extensions import ErrorCodes
from resolvers.members import Member
from resolvers.organization import Organization
from resolvers.permissions import RequiresPermissionDirective
from resolvers.query import Query
from resolvers.scalars import SCALAR_MAP
from resolvers.usage_types import UsageCall

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Organization, Member, AiModel, UsageCall, Opening],
        schema_directives=[RequiresPermissionDirective],
        extensions=[
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            ErrorCodes,
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )


schema = build_schema()
