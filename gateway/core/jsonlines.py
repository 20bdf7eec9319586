"""Export pages as JSON Lines: one JSON object per row, the keys named after the columns.

A bulk export in JSONL holds the same rows as the CSV of the same range, in the same order, with
its cells typed for a program rather than a spreadsheet: text as strings (never escaped, no
spreadsheet reads it), whole numbers as numbers, exact decimals as decimal strings (``"12.50"``,
as the GraphQL API prints amounts), days as ``YYYY-MM-DD`` and instants as ISO 8601 with the
organization's offset; an empty cell is ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import orjson

from gateway.core.exports import Cell, CellKind, Column, Page

_WORDS = re.compile(r"[A-Za-z0-9]+")


def json_key(title: str) -> str:
    """A column's title as a camelCase key: ``"Estimated cost USD"`` -> ``"estimatedCostUsd"``."""
    words = [word.lower() for word in _WORDS.findall(title)]
    return words[0] + "".join(word.capitalize() for word in words[1:]) if words else "column"


def json_keys(columns: Sequence[Column]) -> list[str]:
    return [json_key(column.title) for column in columns]


def _json_cells(kind: CellKind, cells: Sequence[Cell]) -> Sequence[Cell]:
    if kind is CellKind.DATE or kind is CellKind.DATE_TIME:
        return [cell.isoformat() if isinstance(cell, date) else cell for cell in cells]
    return cells


def jsonl_page(columns: Sequence[Column], page: Page, keys: Sequence[str] | None = None) -> bytes:
    """One page as JSON lines, each ending in a newline."""
    names = keys if keys is not None else json_keys(columns)
    cells = [_json_cells(column.kind, cells) for column, cells in zip(columns, page, strict=True)]
    dumps = orjson.dumps
    return b"".join(
        dumps(dict(zip(names, row, strict=True))) + b"\n" for row in zip(*cells, strict=True)
    )
