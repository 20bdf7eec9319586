"""The GraphQL schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition

from resolvers.catalog import AiModel
from resolvers.consumption.types import Opening
from resolvers.guard import BoundedDocuments, DocumentStore
from resolvers.limits import CostLimit
from resolvers.members import Member
from resolvers.mutation import Mutation
from resolvers.orgs import Organization
from resolvers.permissions import RequiresPermissionDirective
from resolvers.query import Query
from resolvers.scalars import SCALAR_MAP
from resolvers.usage.types import UsageCall

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000


# Parsed and validated documents, shared by every request of the process.
DOCUMENTS = DocumentStore()

# The limiters' rule classes, made once.
SHAPE_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Clients' mistakes (syntax, validation, permissions) are answers, not server faults;
        # unexpected errors are logged with the request id where they are masked.
        return None


def build_schema() -> strawberry.Schema:
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Organization, Member, AiModel, UsageCall, Opening],
        schema_directives=[RequiresPermissionDirective],
        extensions=[
            # Pages send the same few documents: parse and validate each once, within bounds.
            # Before CostLimit, which prices the validated document.
            lambda: BoundedDocuments(DOCUMENTS),
            lambda: AddValidationRules(SHAPE_RULES),
            CostLimit,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )


def _attribute_resolver(python_name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, python_name)

    return resolve


def resolve_plain_fields_directly(built: strawberry.Schema) -> int:
    """Let plain data fields (no resolver, arguments or extensions) be read straight off
    their object, skipping the per-field argument parsing and extension chain: a page
    resolves several hundred such fields. Returns how many fields were set."""
    count = 0
    for name, graphql_type in built._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or name.startswith("__"):
            continue
        definition = built.get_type_by_name(name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            if field.base_resolver or field.extensions or field.arguments:
                continue
            graphql_name = built.config.name_converter.get_graphql_name(field)
            graphql_field = graphql_type.fields.get(graphql_name)
            if graphql_field is not None:
                graphql_field.resolve = _attribute_resolver(field.python_name)
                count += 1
    return count


schema = build_schema()
resolve_plain_fields_directly(schema)
