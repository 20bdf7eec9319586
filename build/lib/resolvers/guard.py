"""Bounded parsing and validation: a cheap shape check before the costly validation rules, and
one cache of parsed and validated documents keyed by their hash and bounded in bytes.

graphql-core's OverlappingFieldsCanBeMergedRule compares every pair of fields with the same
response key: a few hundred repeats of one field cost it about a second. The shape check counts
a document's selections (fragments expanded, each counted once) and the repeats of each response
key in a selection set (inline fragments and spreads merged in), and its operations and
fragments, and refuses the document (QUERY_TOO_COMPLEX) before any rule runs.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValuesOfCorrectTypeRule,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from gateway.core.errors import ErrorCode
from resolvers.errors import QueryTooComplex

MAX_SELECTIONS = 500
MAX_REPEATS = 5
# Operations and fragments: each costs the validation rules a walk of its own.
MAX_DEFINITIONS = 30
# Messages of the validation rules that limit a document's shape (depth, aliases).
_LIMIT_MARKERS = ("exceeds maximum operation depth", "aliases found")


class _TooMany(Exception):
    pass


class _Shape:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.sizes: dict[str, int] = {}
        self.keys: dict[str, Counter[str]] = {}

    def size(self, node: SelectionSetNode, visiting: frozenset[str]) -> int:
        """Selections under ``node``, fragments expanded (each fragment's count worked out once)."""
        total = 0
        for selection in node.selections:
            total += 1
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visiting:
                    continue
                if name not in self.sizes:
                    self.sizes[name] = self.size(fragment.selection_set, visiting | {name})
                total += self.sizes[name]
            elif selection.selection_set is not None:  # type: ignore[attr-defined]
                total += self.size(selection.selection_set, visiting)  # type: ignore[attr-defined]
            if total > MAX_SELECTIONS:
                raise _TooMany
        return total

    def response_keys(self, node: SelectionSetNode, visiting: frozenset[str]) -> Counter[str]:
        """Response keys of one selection set, with its fragments merged in."""
        keys: Counter[str] = Counter()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                keys[selection.alias.value if selection.alias else selection.name.value] += 1
            elif isinstance(selection, InlineFragmentNode):
                keys.update(self.response_keys(selection.selection_set, visiting))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visiting:
                    continue
                if name not in self.keys:
                    self.keys[name] = self.response_keys(fragment.selection_set, visiting | {name})
                keys.update(self.keys[name])
        return keys

    def repeated(self, node: SelectionSetNode) -> str | None:
        key, count = max(
            self.response_keys(node, frozenset()).items(), key=lambda kv: kv[1], default=("", 0)
        )
        if count > MAX_REPEATS:
            return key
        for selection in node.selections:
            inner = getattr(selection, "selection_set", None)
            if inner is not None and (found := self.repeated(inner)) is not None:
                return found
        return None


def shape_problem(document: DocumentNode) -> str | None:
    """Why the document is too large to validate, or None."""
    if len(document.definitions) > MAX_DEFINITIONS:
        return f"the document has more than {MAX_DEFINITIONS} operations and fragments"
    shape = _Shape(document)
    roots = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    try:
        for root in roots:
            shape.size(root, frozenset())
    except _TooMany:
        return f"the document has more than {MAX_SELECTIONS} selections"
    for root in roots:
        if (key := shape.repeated(root)) is not None:
            return f"the field {key!r} is selected more than {MAX_REPEATS} times in one place"
    return None


@dataclass
class _Entry:
    document: DocumentNode
    weight: int
    errors: list[GraphQLError] | None = field(default=None)


class DocumentStore:
    """Parsed documents and their validation, by hash of the text, bounded in bytes.

    A document's weight is an estimate of what it pins (its text, and its syntax tree at a few
    times that); documents over ``max_entry_bytes`` are never kept.
    """

    def __init__(self, max_bytes: int = 8 << 20, max_entry_bytes: int = 64 << 10) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    @staticmethod
    def key(query: str) -> str:
        return hashlib.sha256(query.encode()).hexdigest()

    def get(self, query: str) -> _Entry | None:
        key = self.key(query)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, query: str, document: DocumentNode) -> _Entry:
        entry = _Entry(document, weight=8 * len(query) + 1024)
        if entry.weight > self.max_entry_bytes:
            return entry
        key = self.key(query)
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.weight
        self._entries[key] = entry
        self.bytes += entry.weight
        while self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.weight
        return entry

    def __len__(self) -> int:
        return len(self._entries)


class _InputValues(ValuesOfCorrectTypeRule):
    """A literal argument of the wrong value is the user's input at fault, as it is when the
    same value comes in a variable: BAD_USER_INPUT, not a validation failure."""

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": ErrorCode.BAD_USER_INPUT.value}
        super().report_error(error)


def _rules(rules: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(_InputValues if rule is ValuesOfCorrectTypeRule else rule for rule in rules)


def _coded(error: GraphQLError) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error
    limit = any(marker in error.message for marker in _LIMIT_MARKERS)
    code = ErrorCode.QUERY_TOO_COMPLEX if limit else ErrorCode.GRAPHQL_VALIDATION_FAILED
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions={**(error.extensions or {}), "code": code.value},
    )


class BoundedDocuments(SchemaExtension):
    """Parses through the store, refuses oversized shapes, validates once per document."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query and context.graphql_document is None:
            entry = self.store.get(query)
            if entry is None:
                try:
                    document = parse(query, **context.parse_options)
                except GraphQLError:
                    document = None  # parsed again below, which reports the error
                if document is not None:
                    entry = self.store.put(query, document)
            if entry is not None:
                context.graphql_document = entry.document
                self._entry = entry
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self._entry
        if context.pre_execution_errors is None and entry is not None:
            if entry.errors is None:
                problem = shape_problem(entry.document)
                if problem is not None:
                    entry.errors = [QueryTooComplex(problem)]
                else:
                    found = validate_document(
                        context.schema._schema, entry.document, _rules(context.validation_rules)
                    )
                    entry.errors = [_coded(error) for error in found]
            context.pre_execution_errors = list(entry.errors)
            if not entry.errors and context._provided_operation_name is None:
                context.pre_execution_errors = _unnamed_choice(entry.document)
        yield


def _unnamed_choice(document: DocumentNode) -> list[GraphQLError]:
    """Several operations and no ``operationName``: the spec's GetOperation refuses to pick."""
    operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    if operations < 2:
        return []
    message = "Must provide operation name if query contains multiple operations."
    return [GraphQLError(message, extensions={"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value})]
