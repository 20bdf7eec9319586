"""Query cost: requested before execution (the ceiling, then the caller's bucket), actual after
it (the difference goes back to the bucket), reported in ``extensions.cost``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.core.requestinfo import note_graphql
from resolvers.charge import Charge
from resolvers.cost import MAX_COST, actual_cost, document_cost
from resolvers.errors import QueryTooComplex, RateLimited


class CostLimit(SchemaExtension):
    def _charge(self) -> Charge:
        charge: Charge = self.execution_context.context.charge
        return charge

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        # Runs after the (cached) validation: only valid documents are priced.
        if not context.pre_execution_errors and context.graphql_document is not None:
            charge = self._charge()
            charge.requested = document_cost(
                context.graphql_document, context.variables, context.operation_name
            )
            extra = charge.requested - charge.charged
            if charge.requested > MAX_COST:
                context.pre_execution_errors = [
                    QueryTooComplex(
                        f"the query costs {charge.requested} points; "
                        f"at most {MAX_COST} are allowed",
                        cost=charge.requested,
                    )
                ]
            elif extra > 0 and not await charge.take(extra):
                context.pre_execution_errors = [rate_limited(charge.retry_after)]
        note_graphql(context.operation_name, self._charge().requested)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        charge = self._charge()
        charge.executed = True
        yield
        context = self.execution_context
        if charge.requested is not None and context.graphql_document is not None:
            data = context.result.data if context.result is not None else None
            charge.actual = actual_cost(
                context.graphql_document, context.variables, context.operation_name, data
            )
            await charge.settle(charge.actual)

    def get_results(self) -> dict[str, Any]:
        charge = self._charge()
        return {"cost": charge.report()} if charge.requested is not None else {}


def rate_limited(retry_after: int) -> RateLimited:
    return RateLimited(
        f"this credential has spent its query budget; retry in {retry_after} s",
        retryAfterSeconds=retry_after,
    )
