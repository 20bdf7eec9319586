"""Relay page info and the bounds of ``first``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from gateway.core.cursors import CursorCodec, CursorError
from resolvers.errors import BadUserInput

T = TypeVar("T")


@strawberry.type(description="Where a page sits in its connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow.")
    has_previous_page: bool = strawberry.field(description="True when items come before.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


def check_first(first: int | None, *, argument: str, default: int, maximum: int) -> int:
    value = default if first is None else first
    if not 1 <= value <= maximum:
        raise BadUserInput(f"{argument} must be between 1 and {maximum}", field=argument)
    return value


def page_info(cursors: list[str], *, has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def decode_after(
    codec: CursorCodec, after: str | None, scope: list[Any], parse: Callable[[list[Any]], T]
) -> T | None:
    """The position an ``after`` cursor holds, through ``parse``; a cursor that is not for this
    list (or does not parse) is BAD_USER_INPUT naming ``after``."""
    if after is None:
        return None
    try:
        return parse(codec.decode(after, scope=scope))
    except (CursorError, ValueError, TypeError) as exc:
        raise BadUserInput(str(exc) or "the cursor is not valid", field="after") from None
