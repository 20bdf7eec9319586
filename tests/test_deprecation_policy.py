"""The deprecation policy, enforced.

Policy: the GraphQL schema only grows. Types, fields, arguments, enum values and input fields
of the published contract (``shared/design/contract.graphql``) and of the committed
``schema.graphql`` are never removed, renamed or narrowed, and no new required argument or input
field appears. A field that should go is marked ``@deprecated(reason: "...")`` naming its
replacement, stays served for at least 6 months after the deprecation is announced in the
changelog, and is removed only in a new major version of the contract. Dangerous changes (e.g. a
new enum value, a changed default) are allowed but announced.

This test fails on any breaking change (graphql-core's ``find_breaking_changes``) from the
contract to ``schema.graphql``, and from ``schema.graphql`` as committed at ``HEAD`` when git is
available.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT.parent / "shared" / "design" / "contract.graphql"
SCHEMA = ROOT / "schema.graphql"


def _breaking(old_sdl: str, new_sdl: str) -> list[str]:
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    return [
        f"{change.type.name}: {change.description}" for change in find_breaking_changes(old, new)
    ]


def test_no_breaking_change_against_the_published_contract() -> None:
    if not CONTRACT.exists():
        pytest.skip(f"the contract is not beside the repository ({CONTRACT} is missing)")
    assert _breaking(CONTRACT.read_text(), SCHEMA.read_text()) == []


def test_no_breaking_change_against_the_committed_schema() -> None:
    try:
        committed = subprocess.run(
            ["git", "show", "HEAD:schema.graphql"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history to compare with")
    assert _breaking(committed, SCHEMA.read_text()) == []


def test_the_check_catches_a_removed_field_and_a_new_required_argument() -> None:
    old = "type Query { a: Int, b(x: Int): Int }"
    assert _breaking(old, "type Query { a: Int }")
    assert _breaking(old, "type Query { a: Int, b(x: Int, y: Int!): Int }")
    assert _breaking(old, "type Query { a: Int, b(x: Int): Int, c: Int }") == []
