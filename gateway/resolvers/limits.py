"""Query cost, computed before execution, and the per-credential rate limit it feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.core.requestinfo import note_graphql
from gateway.resolvers.cost import MAX_COST, document_cost
from gateway.resolvers.errors import QueryTooComplex, RateLimited


class CostLimit(SchemaExtension):
    """Refuses documents over the cost ceiling or over the caller's budget; reports the cost."""

    cost: int | None = None

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        # Runs after the (cached) validation: only valid documents are priced.
        if not context.pre_execution_errors and context.graphql_document is not None:
            self.cost = document_cost(
                context.graphql_document, context.variables, context.operation_name
            )
            if self.cost > MAX_COST:
                context.pre_execution_errors = [
                    QueryTooComplex(
                        f"the query costs {self.cost} points; at most {MAX_COST} are allowed",
                        cost=self.cost,
                    )
                ]
            else:
                gateway = context.context
                if not await gateway.rate_limiter.take(gateway.caller.credential_id, self.cost):
                    context.pre_execution_errors = [
                        RateLimited(
                            "this credential has spent its query budget for this minute",
                            retryAfterSeconds=60,
                        )
                    ]
        note_graphql(context.operation_name, self.cost)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost is not None else {}
