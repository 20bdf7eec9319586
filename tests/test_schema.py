"""schema.graphql is current, and it keeps every promise of the public contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

from resolvers.schema import schema

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT.parent / "shared" / "design" / "contract.graphql"

# Parts of the contract not built yet. This list only shrinks.
NOT_YET_BUILT: set[str] = set()


def contract_promises(contract: GraphQLSchema) -> dict[str, str]:
    """Every type, field, argument and enum value of the contract, with its type string."""
    promises: dict[str, str] = {}
    for name, type_ in contract.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        promises[name] = type(type_).__name__
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                promises[f"{name}.{field_name}"] = str(field.type)
                for arg_name, arg in field.args.items():
                    promises[f"{name}.{field_name}({arg_name})"] = str(arg.type)
            for interface in getattr(type_, "interfaces", []):
                promises[f"{name} implements {interface.name}"] = "interface"
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                promises[f"{name}.{field_name}"] = str(field.type)
        elif isinstance(type_, GraphQLEnumType):
            for value in type_.values:
                promises[f"{name}.{value}"] = "enum value"
    for directive in contract.directives:
        if directive.name == "requiresPermission":
            promises["@requiresPermission"] = ",".join(
                f"{a}:{arg.type}" for a, arg in directive.args.items()
            )
    return promises


def _waived(key: str) -> bool:
    head = key.split(" ")[0].split("(")[0]
    return head in NOT_YET_BUILT or head.split(".")[0] in NOT_YET_BUILT


def test_schema_file_is_current() -> None:
    exported = (ROOT / "schema.graphql").read_text()
    assert exported == schema.as_str() + "\n", "run `make schema` and commit schema.graphql"


def test_every_exported_type_and_field_has_a_description() -> None:
    ours = build_schema(schema.as_str())
    missing = []
    for name, type_ in ours.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not type_.description:
            missing.append(name)
        for field_name, field in getattr(type_, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []


@pytest.mark.skipif(not CONTRACT.exists(), reason=f"contract not found at {CONTRACT}")
def test_schema_keeps_the_contract() -> None:
    contract = contract_promises(build_schema(CONTRACT.read_text()))
    ours = contract_promises(build_schema(schema.as_str()))
    broken = {
        key: (expected, ours.get(key))
        for key, expected in contract.items()
        if ours.get(key) != expected and not _waived(key)
    }
    assert broken == {}
    stale = sorted(
        name
        for name in NOT_YET_BUILT
        if any(k == name or k.startswith(f"{name}.") for k in ours if contract.get(k) == ours[k])
    )
    assert stale == [], "built now: remove from NOT_YET_BUILT"
