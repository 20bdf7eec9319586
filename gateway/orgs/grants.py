"""What a new credential may hold: never more than whoever creates it; embed tokens read only,
for at most a day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from gateway.orgs.enums import Permission

# The permissions that only show numbers: all an embed token may ever hold.
READ_PERMISSIONS = frozenset({Permission.CREDITS_VIEW.value, Permission.CONSUMPTION_VIEW.value})
MAX_EMBED_TTL = timedelta(hours=24)
MIN_EMBED_TTL = timedelta(seconds=60)
MAX_EMBED_DOCUMENTS = 10
# An API key's last use is written at most this often (per key, across replicas).
LAST_USED_GAP = timedelta(minutes=1)


def beyond(holder: frozenset[str] | None, requested: Iterable[str]) -> list[str]:
    """The requested permissions ``holder`` lacks (None holds every permission: the service)."""
    if holder is None:
        return []
    return sorted(set(requested) - holder)


def embed_permissions(holder: frozenset[str] | None) -> list[str]:
    """An embed token's permissions: the read permissions its creator holds."""
    held = READ_PERMISSIONS if holder is None else READ_PERMISSIONS & holder
    return sorted(held)


def embed_ttl_problem(ttl_seconds: int) -> str | None:
    low, high = int(MIN_EMBED_TTL.total_seconds()), int(MAX_EMBED_TTL.total_seconds())
    if not low <= ttl_seconds <= high:
        return f"must be between {low} and {high} seconds (24 hours)"
    return None
