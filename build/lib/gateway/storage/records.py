"""Rows leave the query modules as typed dataclasses, never as ``Row[Any]``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class _Row(Protocol):
    @property
    def _fields(self) -> tuple[str, ...]: ...

    def __getitem__(self, index: int) -> Any: ...


# (dataclass, the result's column names) -> the positions of the dataclass's fields: every row
# of a result shares its column tuple, so a page of rows looks the positions up once.
_POSITIONS: dict[tuple[type[Any], tuple[str, ...]], tuple[int, ...]] = {}


def _positions(cls: type[Any], columns: tuple[str, ...]) -> tuple[int, ...]:
    positions = _POSITIONS.get((cls, columns))
    if positions is None:
        index = {name: n for n, name in enumerate(columns)}
        names = [f.name for f in fields(cls)]
        positions = _POSITIONS[(cls, columns)] = tuple(index[name] for name in names)
    return positions


def record(cls: type[T], row: _Row) -> T:
    """The dataclass ``cls`` built from the row's columns of the same names."""
    return cls(*[row[n] for n in _positions(cls, tuple(row._fields))])


def recorder(cls: type[T], columns: Iterable[str]) -> Callable[[Any], T]:
    """Rows of a result with these ``columns`` to ``cls``, the positions looked up once."""
    positions = _positions(cls, tuple(columns))
    return lambda row: cls(*[row[n] for n in positions])


def records(cls: type[T], result: Iterable[Any], columns: Iterable[str]) -> list[T]:
    """Every row of a result as ``cls``; ``columns`` are the result's keys."""
    return list(map(recorder(cls, columns), result))
