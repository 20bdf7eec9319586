"""The trusted documents, planned once at start-up, and the answer of a request that runs one.

``answer`` returns the same JSON object the general executor would (``data`` and
``extensions.cost``, in that order), or None: then the request goes to graphql-core, which
writes whatever errors or nulls it meets. A request is planned only when it needs nothing the
plan leaves out: valid variables, an operation name that matches (or none), a budget that
covers its cost, and no error anywhere in its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLSchema, parse, specified_rules
from graphql.execution.values import get_variable_values

from gateway.core.requestinfo import note_graphql
from resolvers.context import Context
from resolvers.cost import MAX_COST, cost_of_rows, document_cost
from resolvers.planned.consumption import CONSUMPTION_HANDLERS
from resolvers.planned.plan import (
    Handlers,
    NotPlannable,
    Plan,
    Request,
    compile_document,
    returned_rows,
    write_async,
)
from resolvers.planned.usage import USAGE_HANDLERS
from resolvers.schema import SHAPE_RULES

log = logging.getLogger("gateway.planned")


def all_handlers() -> Handlers:
    merged: dict[str, dict[str, Any]] = {}
    for handlers in (USAGE_HANDLERS, CONSUMPTION_HANDLERS):
        for type_name, fields in handlers.items():
            merged.setdefault(type_name, {}).update(fields)
    return merged


@dataclass
class Counts:
    planned: int = 0
    fell_back: int = 0


class Planner:
    def __init__(self, schema: GraphQLSchema, documents: Iterable[str]) -> None:
        self.schema = schema
        self.counts = Counts()
        self._plans: dict[str, Plan] = {}
        handlers = all_handlers()
        rules = [*specified_rules, *SHAPE_RULES]
        for text in documents:
            try:
                self._plans[text] = compile_document(schema, parse(text), handlers, rules)
            except NotPlannable as exc:
                log.info("a trusted document keeps the general executor: %s", exc)

    def __len__(self) -> int:
        return len(self._plans)

    def documents(self) -> dict[str, DocumentNode]:
        """The planned documents' texts and their syntax trees, validated at start-up."""
        return {text: plan.document for text, plan in self._plans.items()}

    def planned(self, query: str) -> bool:
        return query in self._plans

    async def answer(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        context: Context,
    ) -> dict[str, Any] | None:
        plan = self._plans.get(query)
        if plan is None or (operation_name is not None and operation_name != plan.name):
            return None
        coerced = get_variable_values(self.schema, plan.variables, dict(variables or {}))
        if isinstance(coerced, list):
            return None  # invalid variables: graphql-core words the errors
        charge = context.charge
        requested = document_cost(plan.document, variables, plan.name)
        if requested > MAX_COST:
            return None
        # As the general path's CostLimit: the requested cost is charged before anything runs.
        charge.requested = requested
        note_graphql(plan.name, requested)
        extra = requested - charge.charged
        if extra > 0 and not await charge.take(extra):
            return None
        charge.executed = True
        try:
            data = await write_async(plan.root, None, Request(context, coerced))
        except Exception as exc:  # any error or null: graphql-core answers it
            self.counts.fell_back += 1
            log.debug("planned %s fell back: %s", plan.name, type(exc).__name__)
            return None
        rows = returned_rows(data, plan.object_paths)
        charge.actual = cost_of_rows(plan.document, variables, plan.name, rows)
        await charge.settle(charge.actual)
        self.counts.planned += 1
        return {"data": data, "extensions": {"cost": charge.report()}}
