"""Global object ids and the ``Node`` interface."""

from __future__ import annotations

import base64
import binascii

import strawberry

# The most ids nodes(ids:) takes at once (and the size its cost is counted with).
MAX_NODES = 100


@strawberry.interface(description="An object with a globally unique id, refetchable by node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's global id (opaque).")


def encode_global_id(type_name: str, *parts: str) -> strawberry.ID:
    # Ids never contain "|" (see gateway.schemas), so it can join the parts.
    raw = f"{type_name}:{'|'.join(parts)}"
    return strawberry.ID(base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="))


def decode_global_id(value: str) -> tuple[str, list[str]] | None:
    """``(type_name, parts)``, or None for a value that is not one of our ids."""
    try:
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, rest = raw.partition(":")
    if not type_name or not rest:
        return None
    return type_name, rest.split("|")
