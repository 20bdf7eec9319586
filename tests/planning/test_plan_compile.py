"""What the planner compiles, and what it leaves to graphql-core."""

from __future__ import annotations

import pytest
from graphql import parse

from resolvers.cost import returned_rows as general_returned_rows
from resolvers.documents import trusted_documents
from resolvers.planned.plan import NotPlannable, compile_document, returned_rows
from resolvers.planned.planner import Planner, all_handlers
from resolvers.schema import schema

SCHEMA = schema._schema


def test_every_form_of_every_trusted_document_is_planned() -> None:
    documents = trusted_documents()
    planner = Planner(SCHEMA, documents.values())
    assert len(planner) == len(documents) == 10  # five documents, as written and printed
    assert all(planner.planned(text) for text in documents.values())
    assert not planner.planned("{ organization { name } }")


@pytest.mark.parametrize(
    "document",
    [
        "query($on: Boolean!) { organization { name @include(if: $on) } }",
        "{ organization { ...F } } fragment F on Organization { name }",
        "{ organization { ... on Organization { name } } }",
        "{ viewer { role } }",  # no handler
        "{ organization { openings { totalCount } } }",  # no handler
        "{ organization { name name: timeZone } }",  # does not validate
        "query A { organization { name } } query B { organization { name } }",
    ],
)
def test_what_is_not_planned(document: str) -> None:
    with pytest.raises(NotPlannable):
        compile_document(SCHEMA, parse(document), all_handlers())


def test_aliases_and_typename_are_planned() -> None:
    plan = compile_document(
        SCHEMA,
        parse("{ org: organization { __typename n: name u: usage { __typename } } }"),
        all_handlers(),
    )
    (org,) = plan.root.steps
    assert org.key == "org" and org.children is not None
    assert [step.key for step in org.children.steps] == ["__typename", "n", "u"]
    # No list and no row list under them: nothing to count there.
    assert plan.object_paths == ()


def test_rows_are_counted_only_where_lists_are() -> None:
    query = """{ organization { usage(period: {preset: THIS_MONTH}) {
        byReason { label } summary { calls }
        byUser(first: 2) { totalCount nodes { displayName member { name } } }
        activity(first: 3) { edges { node { reasonLabel member { name } } } } } } }"""
    plan = compile_document(SCHEMA, parse(query), all_handlers())
    usage = ("organization", "usage")
    assert plan.object_paths == (
        (*usage, "byReason"),
        (*usage, "byUser"),
        (*usage, "byUser", "nodes"),
        (*usage, "activity"),
        (*usage, "activity", "edges"),
    )
    node = {"reasonLabel": "Chat", "member": {"name": "Ann"}}
    data = {
        "organization": {
            "usage": {
                "byReason": [{"label": "a"}, {"label": "b"}],
                "summary": {"calls": 3},
                "byUser": {"totalCount": 4, "nodes": [{"displayName": "Ann", "member": None}]},
                "activity": {"edges": [{"node": node}] * 3},
            }
        }
    }
    # The same counts as the general path's walk over the whole answer.
    assert returned_rows(data, plan.object_paths) == general_returned_rows(data)
