"""Rows leave the query modules as typed dataclasses, never as ``Row[Any]``."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class _HasMapping(Protocol):
    @property
    def _mapping(self) -> Any: ...


@cache
def _names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def record(cls: type[T], row: _HasMapping) -> T:
    """The dataclass ``cls`` built from the row's columns of the same names."""
    mapping = row._mapping
    names: tuple[str, ...] = _names(cls)  # type: ignore[arg-type]
    return cls(**{name: mapping[name] for name in names})
