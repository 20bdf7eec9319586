"""A trusted document compiled once into a selection tree, and the walk that writes its answer.

Each selected field becomes a :class:`Step`: its response key, the handler that reads its value
off the parent's domain object (a plain getter, or a coroutine for the few fields that read the
database), and how to complete that value (the schema's own leaf serializer, a list, or the
child selection). Fields that read the database at one level are gathered together, so the
cards of a page run in one concurrent wave. Anything the walk does not handle raises, and the
request goes to the general executor instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values

from resolvers.context import Context
from resolvers.cost import ROW_LISTS

Args = Mapping[str, Any]
NO_ARGS: Args = {}


class NotPlannable(Exception):
    """The document uses something the planner does not compile: it keeps the general path."""


class Fallback(Exception):
    """This request needs the general executor (an error, a null, a shape not planned)."""


@dataclass(frozen=True)
class Request:
    context: Context
    variables: VariableValues


@dataclass(frozen=True)
class Handler:
    """Reads one field off its parent's object: ``read(source, args, request)``; a coroutine
    function when ``fetches`` (it reads the database)."""

    read: Callable[[Any, Args, Request], Any]
    fetches: bool = False


# {GraphQL type name: {field name: handler}}
Handlers = Mapping[str, Mapping[str, Handler]]


@dataclass(frozen=True)
class Selection:
    steps: tuple[Step, ...]
    fetches: bool  # some field in it or below reads the database


@dataclass(frozen=True)
class Step:
    key: str
    handler: Handler
    definition: GraphQLField | None
    node: FieldNode
    leaf: Callable[[Any], Any] | None
    children: Selection | None
    nullable: bool
    is_list: bool
    item_nullable: bool
    complete: Callable[[Any, Request], Any]
    read: Callable[[Any, Args, Request], Any]
    has_args: bool

    @property
    def fetches(self) -> bool:
        return self.handler.fetches or (self.children is not None and self.children.fetches)

    def args(self, request: Request) -> Args:
        if self.definition is None or not self.node.arguments:
            return NO_ARGS
        return get_argument_values(self.definition, self.node, request.variables)


@dataclass(frozen=True)
class Plan:
    document: DocumentNode
    name: str | None
    variables: tuple[VariableDefinitionNode, ...]
    root: Selection
    # Response paths of the object fields where the actual cost counts returned rows.
    object_paths: tuple[tuple[str, ...], ...]


def _object_paths(selection: Selection, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The object fields where :func:`returned_rows` can count something: a list of objects,
    or an object that selects a row list (``edges``, ``nodes``) under that response key. Every
    other object path adds nothing to the count, so the walk skips it (the activity log's 50
    nodes, their members and models)."""
    paths = []
    for step in selection.steps:
        if step.children is not None:
            counts = step.is_list or any(child.key in ROW_LISTS for child in step.children.steps)
            if counts:
                paths.append((*path, step.key))
            paths += _object_paths(step.children, (*path, step.key))
    return paths


def returned_rows(data: Any, paths: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], int]:
    """``cost.returned_rows`` of an answer, looking only where the plan has objects."""
    rows: dict[tuple[str, ...], int] = {}
    for path in paths:
        values = [data]
        for key in path:
            values = [
                item[key]
                for value in values
                for item in (value if isinstance(value, list) else (value,))
                if isinstance(item, dict) and key in item
            ]
        for value in values:
            items = value if isinstance(value, list) else (value,)
            if isinstance(value, list):
                rows[path] = max(rows.get(path, 0), len(value))
            for item in items:
                if isinstance(item, dict):
                    counts = [len(item[k]) for k in ROW_LISTS if isinstance(item.get(k), list)]
                    if counts:
                        rows[path] = max(rows.get(path, 0), *counts)
    return rows


def _typename(type_name: str) -> Handler:
    return Handler(lambda _source, _args, _request: type_name)


def _compile_selection(
    node: SelectionSetNode, parent: GraphQLObjectType, handlers: Handlers
) -> Selection:
    steps: list[Step] = []
    keys: set[str] = set()
    for selection in node.selections:
        if not isinstance(selection, FieldNode):
            raise NotPlannable("fragments are not planned")
        if selection.directives:
            raise NotPlannable("directives (@include, @skip) are not planned")
        key = selection.alias.value if selection.alias else selection.name.value
        if key in keys:
            raise NotPlannable("a response key selected twice is not planned")
        keys.add(key)
        steps.append(_compile_field(selection, key, parent, handlers))
    return Selection(tuple(steps), any(step.fetches for step in steps))


def _compile_field(
    node: FieldNode, key: str, parent: GraphQLObjectType, handlers: Handlers
) -> Step:
    name = node.name.value
    definition: GraphQLField | None
    output: GraphQLOutputType
    if name == "__typename":
        handler, definition, output = _typename(parent.name), None, GraphQLNonNull(GraphQLString)
    else:
        found = handlers.get(parent.name, {}).get(name)
        definition = parent.fields.get(name)
        if found is None or definition is None:
            raise NotPlannable(f"{parent.name}.{name} has no planned handler")
        handler, output = found, definition.type
    nullable, output = _unwrap(output)
    is_list, item_nullable = False, True
    if isinstance(output, GraphQLList):
        is_list = True
        item_nullable, output = _unwrap(output.of_type)
    leaf: Callable[[Any], Any] | None = None
    children = None
    if isinstance(output, GraphQLObjectType):
        if node.selection_set is None:
            raise NotPlannable(f"{parent.name}.{name} needs a selection")
        children = _compile_selection(node.selection_set, output, handlers)
    elif isinstance(output, GraphQLScalarType | GraphQLEnumType):
        # The schema's own serializer: the same bytes as graphql-core writes.
        leaf = output.coerce_output_value
    else:
        raise NotPlannable(f"{parent.name}.{name}: abstract or nested list types are not planned")
    return Step(
        key,
        handler,
        definition,
        node,
        leaf,
        children,
        nullable,
        is_list,
        item_nullable,
        complete=_completer(leaf, children, nullable, is_list, item_nullable),
        read=handler.read,
        has_args=definition is not None and bool(node.arguments),
    )


def _unwrap(output: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(output, GraphQLNonNull):
        return False, output.of_type
    return True, output


def compile_document(
    schema: GraphQLSchema, document: DocumentNode, handlers: Handlers, rules: Any = None
) -> Plan:
    """Validate once and compile the document's single query operation."""
    if validate(schema, document, rules):
        raise NotPlannable("the document does not validate")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or len(document.definitions) != 1:
        raise NotPlannable("only documents of one operation and no fragments are planned")
    operation = operations[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise NotPlannable("only queries are planned")
    query = schema.query_type
    assert query is not None
    root = _compile_selection(operation.selection_set, query, handlers)
    return Plan(
        document=document,
        name=operation.name.value if operation.name else None,
        variables=tuple(operation.variable_definitions or ()),
        root=root,
        object_paths=tuple(_object_paths(root, ())),
    )


# --- the walk --------------------------------------------------------------------------------

Complete = Callable[[Any, Request], Any]


def _completer(
    leaf: Callable[[Any], Any] | None,
    children: Selection | None,
    nullable: bool,
    is_list: bool,
    item_nullable: bool,
) -> Complete:
    """How one field's value becomes its answer, chosen once at compile time."""

    def one(value: Any, request: Request) -> Any:
        if value is None:
            if nullable:
                return None
            raise Fallback("a non-null field is null")
        if leaf is not None:
            out = leaf(value)
            if out is None:
                raise Fallback("a leaf serialized to null")
            return out
        assert children is not None
        return write(children, value, request)

    def many(value: Any, request: Request) -> Any:
        if value is None:
            if nullable:
                return None
            raise Fallback("a non-null list is null")
        if leaf is None and not item_nullable:
            assert children is not None
            return [write(children, item, request) for item in value]
        return [item_of(item, request) for item in value]

    def item_of(item: Any, request: Request) -> Any:
        if item is None:
            if item_nullable:
                return None
            raise Fallback("a non-null item is null")
        if leaf is not None:
            out = leaf(item)
            if out is None:
                raise Fallback("a leaf serialized to null")
            return out
        assert children is not None
        return write(children, item, request)

    return many if is_list else one


def write(selection: Selection, source: Any, request: Request) -> dict[str, Any]:
    """A selection that reads nothing more from the database, written straight off ``source``."""
    out: dict[str, Any] = {}
    for step in selection.steps:
        args = step.args(request) if step.has_args else NO_ARGS
        out[step.key] = step.complete(step.read(source, args, request), request)
    return out


async def write_async(selection: Selection, source: Any, request: Request) -> dict[str, Any]:
    """Plain fields at once; the fields that read the database gathered in one wave."""
    out: dict[str, Any] = {}
    waiting: list[Step] = []
    for step in selection.steps:
        if step.fetches:
            out[step.key] = None  # keeps the key's place: answers follow the document's order
            waiting.append(step)
        else:
            args = step.args(request) if step.has_args else NO_ARGS
            out[step.key] = step.complete(step.read(source, args, request), request)
    if waiting:
        values = await asyncio.gather(
            *(_step_async(step, source, request) for step in waiting), return_exceptions=True
        )
        for step, value in zip(waiting, values, strict=True):
            if isinstance(value, BaseException):
                raise value
            out[step.key] = value
    return out


async def _step_async(step: Step, source: Any, request: Request) -> Any:
    value = step.read(source, step.args(request), request)
    if step.handler.fetches:
        value = await value
    children = step.children
    if children is None or not children.fetches or value is None:
        return step.complete(value, request)
    if step.is_list:
        items: list[Awaitable[Any]] = [write_async(children, item, request) for item in value]
        return list(await asyncio.gather(*items))
    return await write_async(children, value, request)
