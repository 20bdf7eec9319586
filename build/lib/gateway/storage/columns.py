"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both engines.

    PostgreSQL stores ``timestamptz``; SQLite stores naive UTC text, which sorts correctly
    because every value is written in the same format.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CodePointOrder(ColumnElement[str]):
    """A text expression that sorts by code point on both engines, as Python sorts ``str``
    (PostgreSQL's database collation would otherwise order by language rules)."""

    inherit_cache = True
    _traverse_internals = [("text", InternalTraversal.dp_clauseelement)]  # noqa: RUF012
    type = String()

    def __init__(self, text: ColumnElement[str]) -> None:
        self.text = text


@compiles(CodePointOrder)
def _code_points(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's default BINARY collation compares UTF-8 bytes: code point order already.
    return compiler.process(element.text, **kw)


@compiles(CodePointOrder, "postgresql")
def _code_points_postgresql(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.text, **kw)} COLLATE "C"'
