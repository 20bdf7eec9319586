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

from gateway.resolvers.context import Context

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
    return Step(key, handler, definition, node, leaf, children, nullable, is_list, item_nullable)


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
    return Plan(
        document=document,
        name=operation.name.value if operation.name else None,
        variables=tuple(operation.variable_definitions or ()),
        root=_compile_selection(operation.selection_set, query, handlers),
    )


# --- the walk --------------------------------------------------------------------------------


def _complete(step: Step, value: Any, request: Request) -> Any:
    if value is None:
        if not step.nullable:
            raise Fallback(f"{step.key} is null")
        return None
    if step.is_list:
        return [_item(step, item, request) for item in value]
    if step.leaf is not None:
        return _leaf(step.leaf, value)
    assert step.children is not None
    return write(step.children, value, request)


def _item(step: Step, item: Any, request: Request) -> Any:
    if item is None:
        if not step.item_nullable:
            raise Fallback(f"an item of {step.key} is null")
        return None
    if step.leaf is not None:
        return _leaf(step.leaf, item)
    assert step.children is not None
    return write(step.children, item, request)


def _leaf(serialize: Callable[[Any], Any], value: Any) -> Any:
    out = serialize(value)
    if out is None:
        raise Fallback("a leaf serialized to null")
    return out


def write(selection: Selection, source: Any, request: Request) -> dict[str, Any]:
    """A selection that reads nothing more from the database, written straight off ``source``."""
    return {
        step.key: _complete(step, step.handler.read(source, step.args(request), request), request)
        for step in selection.steps
    }


async def write_async(selection: Selection, source: Any, request: Request) -> dict[str, Any]:
    """Plain fields at once; the fields that read the database gathered in one wave."""
    out: dict[str, Any] = {}
    waiting: list[Step] = []
    for step in selection.steps:
        if step.fetches:
            out[step.key] = None  # keeps the key's place: answers follow the document's order
            waiting.append(step)
        else:
            value = step.handler.read(source, step.args(request), request)
            out[step.key] = _complete(step, value, request)
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
    value = step.handler.read(source, step.args(request), request)
    if step.handler.fetches:
        value = await value
    children = step.children
    if children is None or not children.fetches or value is None:
        return _complete(step, value, request)
    if step.is_list:
        items: list[Awaitable[Any]] = [write_async(children, item, request) for item in value]
        return list(await asyncio.gather(*items))
    return await write_async(children, value, request)
