"""Enum members from stored values, fast: rows build thousands of them per page."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)


def member_of(enum: type[E], value: Any) -> E:
    """``enum(value)`` without the cost of ``Enum.__call__`` (rows build thousands of these)."""
    found = enum._value2member_map_.get(value)
    return found if found is not None else enum(value)  # type: ignore[return-value]
