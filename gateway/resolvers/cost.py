"""The cost of a GraphQL document, computed before it runs.

Each field costs 1 point; a list multiplies its subtree by how many items it may return: its
``first`` argument (connections, byUser), its fixed bound (byReason 3, byStatus 5, byModel 20),
or the number of buckets of its period (timeSeries, usageTrend).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

from gateway.core.buckets import Granularity

MAX_COST = 5_000

# List fields: the default and the largest allowed value of their `first` argument (a larger
# one is refused by the field itself, as BAD_USER_INPUT).
FIRST_DEFAULTS = {"activity": 50, "byOpening": 50, "openings": 50, "byUser": 5}
FIRST_MAXIMUMS = {"activity": 100, "byOpening": 100, "openings": 100, "byUser": 500}
FIXED_BOUNDS = {"byReason": 3, "byStatus": 5, "byModel": 20}
BUCKETED = {"timeSeries", "usageTrend"}
PERIOD_FIELDS = {"usage", "consumption", "credits"}
# Presets span at most a month: the most buckets they can have.
PRESET_BUCKETS: dict[str, int] = {Granularity.DAY: 31, Granularity.WEEK: 6, Granularity.MONTH: 2}


def _arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    return {
        arg.name.value: value_from_ast_untyped(arg.value, variables)
        for arg in field.arguments or ()
    }


def _buckets(period: Any, granularity: str) -> int:
    if not isinstance(period, dict) or not period.get("from") or not period.get("to"):
        return PRESET_BUCKETS.get(granularity, 31)
    try:
        first, last = date.fromisoformat(str(period["from"])), date.fromisoformat(str(period["to"]))
    except ValueError:
        return PRESET_BUCKETS.get(granularity, 31)
    days = max(1, (last - first).days + 1)
    if granularity == Granularity.WEEK:
        return math.ceil(days / 7) + 1
    if granularity == Granularity.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return days


class _Coster:
    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selection_set(
        self, node: SelectionSetNode | None, period: Any, seen: frozenset[str]
    ) -> int:
        if node is None:
            return 0
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, period, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set, period, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.selection_set(fragment.selection_set, period, seen | {name})
        return total

    def field(self, node: FieldNode, period: Any, seen: frozenset[str]) -> int:
        name = node.name.value
        args = _arguments(node, self.variables)
        if name in PERIOD_FIELDS:
            period = args.get("period")
        multiplier = 1
        if name in FIRST_DEFAULTS:
            first = args.get("first", FIRST_DEFAULTS[name])
            valid = isinstance(first, int) and first > 0
            multiplier = min(first, FIRST_MAXIMUMS[name]) if valid else FIRST_DEFAULTS[name]
        elif name in FIXED_BOUNDS:
            multiplier = FIXED_BOUNDS[name]
        elif name in BUCKETED:
            multiplier = _buckets(period, str(args.get("granularity", Granularity.DAY)))
        return 1 + multiplier * self.selection_set(node.selection_set, period, seen)


def document_cost(
    document: DocumentNode, variables: dict[str, Any] | None, operation_name: str | None = None
) -> int:
    """Points of the operation that will run (the named one, or the only one)."""
    coster = _Coster(document, variables or {})
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if operation_name is None or (operation.name and operation.name.value == operation_name):
            return coster.selection_set(operation.selection_set, None, frozenset())
    return 0
