"""The cost of a GraphQL document, as Shopify counts it.

Scalars and enums are free; an object costs 1 plus its selection; a list or a connection costs
2 plus its size times its selection. The size is the ``first`` argument (from the literal, the
variables or their declared defaults, else the field's default), the field's fixed bound
(byReason 3, byStatus 5, byModel 20), the number of buckets of its period (timeSeries,
usageTrend), or the number of ids it refetches (``nodes(ids:)``, each entry an object like
``node(id:)``: 1 plus its selection).

The *requested* cost prices the document before it runs, with every list at its largest; the
*actual* cost prices it again with each list at the number of rows it returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
from resolvers.node import MAX_NODES

MAX_COST = 5_000
OBJECT_COST = 1
LIST_COST = 2

# List fields: the default and the largest allowed value of their `first` argument (a larger
# one is refused by the field itself, as BAD_USER_INPUT).
FIRST_DEFAULTS = {
    "activity": 50,
    "activityPage": 50,
    "byOpening": 50,
    "openings": 50,
    "byUser": 5,
}
FIRST_MAXIMUMS = {
    "activity": 100,
    "activityPage": 100,
    "byOpening": 100,
    "openings": 100,
    "byUser": 500,
}
FIXED_BOUNDS = {"byReason": 3, "byStatus": 5, "byModel": 20}
# Alerts and webhooks (mutations are priced like queries: by what they select).
FIRST_DEFAULTS.update(alerts=20, deliveries=20, auditLog=50)
FIRST_MAXIMUMS.update(alerts=100, deliveries=100, auditLog=100)
FIXED_BOUNDS.update(alertRules=100, webhookEndpoints=10, eventTypes=6, thresholds=10)
# API keys and embed tokens, newest first.
FIXED_BOUNDS.update(apiKeys=100, embedTokens=100)
# Bulk exports: the list's bound, and starting one priced once, whatever rows the file gets.
FIRST_DEFAULTS.update(bulkExports=10)
FIRST_MAXIMUMS.update(bulkExports=50)
# What starting a bulk export costs from the credential's bucket, once, however many rows the
# file gets (Shopify prices bulkOperationRunQuery the same way); the download is free.
FIELD_SURCHARGES = {"startBulkExport": 10}
BUCKETED = {"timeSeries", "usageTrend"}
PERIOD_FIELDS = {"usage", "consumption", "credits"}
# Presets span at most a month: the most buckets they can have.
PRESET_BUCKETS: dict[str, int] = {Granularity.DAY: 31, Granularity.WEEK: 6, Granularity.MONTH: 2}
# Where a connection keeps its rows.
ROW_LISTS = ("edges", "nodes")

Path = tuple[str, ...]


def _arguments(field: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {
        arg.name.value: value_from_ast_untyped(arg.value, dict(variables))
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


def list_size(name: str, args: dict[str, Any], period: Any) -> int | None:
    """The most items a list field may return; None for a field that is not a list."""
    if name in FIRST_DEFAULTS:
        first = args.get("first", FIRST_DEFAULTS[name])
        if first is None:
            first = FIRST_DEFAULTS[name]
        valid = isinstance(first, int) and not isinstance(first, bool) and first > 0
        return min(first, FIRST_MAXIMUMS[name]) if valid else FIRST_DEFAULTS[name]
    if name in FIXED_BOUNDS:
        return FIXED_BOUNDS[name]
    if name in BUCKETED:
        return _buckets(period, str(args.get("granularity", Granularity.DAY)))
    if _refetches(name, args):
        return _id_count(args["ids"])
    return None


def _refetches(name: str, args: dict[str, Any]) -> bool:
    """Query.nodes, not a connection's nodes (those take no arguments)."""
    return name == "nodes" and "ids" in args


def _id_count(ids: Any) -> int:
    if isinstance(ids, list):
        return min(len(ids), MAX_NODES)
    if isinstance(ids, str):
        return 1  # a single id is coerced to a list of one
    return MAX_NODES  # a variable not given: the field refuses it, priced at its largest


class _Coster:
    def __init__(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any],
        rows: dict[Path, int] | None,
    ) -> None:
        self.variables = variables
        self.rows = rows  # None: the requested cost; else rows returned under each path
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selection_set(
        self, node: SelectionSetNode | None, period: Any, seen: frozenset[str], path: Path
    ) -> int:
        if node is None:
            return 0
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, period, seen, path)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set, period, seen, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.selection_set(fragment.selection_set, period, seen | {name}, path)
        return total

    def field(self, node: FieldNode, period: Any, seen: frozenset[str], path: Path) -> int:
        if node.selection_set is None:
            return 0  # a scalar or an enum
        name = node.name.value
        path = (*path, node.alias.value if node.alias else name)
        args = _arguments(node, self.variables)
        if name in PERIOD_FIELDS:
            period = args.get("period")
        child = self.selection_set(node.selection_set, period, seen, path)
        bound = list_size(name, args, period)
        if bound is None:
            return OBJECT_COST + child + FIELD_SURCHARGES.get(name, 0)
        if _refetches(name, args):
            child += OBJECT_COST  # each entry is an object, as node(id:) answers it
        size = bound if self.rows is None else min(bound, self.rows.get(path, 0))
        return LIST_COST + size * child


def with_defaults(
    document: DocumentNode, variables: Mapping[str, Any] | None, operation_name: str | None
) -> dict[str, Any]:
    """The variables the operation runs with: those given, else their declared defaults."""
    merged: dict[str, Any] = {}
    operation = _operation(document, operation_name)
    for definition in (operation.variable_definitions if operation else None) or ():
        if definition.default_value is not None:
            merged[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value
            )
    merged.update({k: v for k, v in (variables or {}).items() if v is not None})
    return merged


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name and definition.name.value == name)
        ):
            return definition
    return None


def _price(
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    rows: dict[Path, int] | None,
) -> int:
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    coster = _Coster(document, with_defaults(document, variables, operation_name), rows)
    return coster.selection_set(operation.selection_set, None, frozenset(), ())


def document_cost(
    document: DocumentNode, variables: Mapping[str, Any] | None, operation_name: str | None = None
) -> int:
    """The requested cost of the operation that will run (the named one, or the first)."""
    return _price(document, variables, operation_name, None)


def returned_rows(data: Any) -> dict[Path, int]:
    """The most rows any list (or connection's edges or nodes) returned under each path."""
    rows: dict[Path, int] = {}

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, list):
            rows[path] = max(rows.get(path, 0), len(value))
            for item in value:
                walk(item, path)
        elif isinstance(value, dict):
            counts = [len(value[k]) for k in ROW_LISTS if isinstance(value.get(k), list)]
            if counts:
                rows[path] = max(rows.get(path, 0), *counts)
            for key, item in value.items():
                walk(item, (*path, key))

    walk(data, ())
    return rows


def actual_cost(
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    data: Any,
) -> int:
    """The cost of what ran: each list at the rows it returned (never above the requested)."""
    return _price(document, variables, operation_name, returned_rows(data))


def cost_of_rows(
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    rows: dict[Path, int],
) -> int:
    """The actual cost from rows already counted (``returned_rows`` of the answer's lists)."""
    return _price(document, variables, operation_name, rows)
