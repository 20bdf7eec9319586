"""The house rules that import-linter cannot see: small modules, each enum defined once, no
enum value spelled as a string outside its enum."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import tokenize
from enum import Enum
from pathlib import Path

import gateway
import loaders
import resolvers

# The three packages at the top of the house: the domains and shells, the GraphQL layer, the
# request-scoped loaders.
PACKAGES = (gateway, resolvers, loaders)
ROOT = Path(gateway.__file__).parent.parent
MAX_LINES = 400
# Generated or vendored: the migration history and the browser assets.
EXEMPT = ("gateway/storage/migrations/",)


def _modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted(Path(package.__file__ or "").parent.rglob("*.py"))
        if not any(part in path.relative_to(ROOT).as_posix() for part in EXEMPT)
    ]


def test_the_top_level_is_the_design_cards() -> None:
    assert {Path(package.__file__ or "").parent.parent for package in PACKAGES} == {ROOT}
    assert len(_modules()) > 100


def test_no_module_is_over_400_lines() -> None:
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _domain_enums() -> list[type[Enum]]:
    found: dict[str, type[Enum]] = {}
    for package in PACKAGES:
        prefix = f"{package.__name__}."
        for info in pkgutil.walk_packages(package.__path__, prefix):
            if ".migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, Enum) and value.__module__.startswith(
                    tuple(f"{root.__name__}." for root in PACKAGES)
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_each_enum_is_defined_once() -> None:
    enums = _domain_enums()
    assert len(enums) >= 10
    by_members: dict[frozenset[str], list[str]] = {}
    for enum in enums:
        members = frozenset(str(member.value) for member in enum)
        by_members.setdefault(members, []).append(f"{enum.__module__}.{enum.__qualname__}")
    assert [names for names in by_members.values() if len(names) > 1] == []
    # Domain enums live in their domain (or, for the shared ones, in core): never in the
    # GraphQL or web layers, which only wrap them.
    assert [
        enum.__module__
        for enum in enums
        if enum.__module__.startswith(("resolvers.", "loaders.", "gateway.web."))
    ] == []


def _string_literals(path: Path) -> set[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {tok.string.strip("\"'") for tok in tokens if tok.type == tokenize.STRING}


def test_enum_values_are_not_spelled_as_strings_elsewhere() -> None:
    # Error codes and permissions are part of the wire format and appear in messages; the
    # storage layer keeps column defaults as the text it stores.
    # A value may belong to enums of several domains (COMPLETED: an interview's status and a
    # bulk export's); each of their modules may spell it.
    values: dict[str, list[type[Enum]]] = {}
    for enum in _domain_enums():
        if enum.__name__ in ("ErrorCode", "Permission", "CredentialKind"):
            continue
        for member in enum:
            if len(str(member.value)) > 3:
                values.setdefault(str(member.value), []).append(enum)
    assert {"BYOK", "COMPLETED", "SUMMARIZE_CV", "CAPPED"} <= set(values)
    offenders = []
    for path in _modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("gateway/storage/"):
            continue
        module = relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for literal in _string_literals(path) & set(values):
            owners = values[literal]
            if module not in {enum.__module__ for enum in owners}:
                names = ", ".join(enum.__qualname__ for enum in owners)
                offenders.append(f"{relative}: {literal!r} ({names})")
    assert sorted(offenders) == []
