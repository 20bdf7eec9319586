"""What a batch refers to, looked up once per batch inside its transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs import queries as org_queries
from gateway.storage.locks import hold_orgs

ExistingIds = Callable[..., Awaitable[set[str]]]


async def zones_of_orgs(conn: AsyncConnection, org_ids: Iterable[str]) -> dict[str, ZoneInfo]:
    """The time zone of each organization that exists among ``org_ids``.

    Their rows stay shared-locked until the batch commits: a settings change that would bucket
    the batch otherwise waits for it (gateway/storage/locks.py).
    """
    ids = sorted(set(org_ids))
    await hold_orgs(conn, ids, exclusive=False)
    rows = await org_queries.orgs_by_ids(conn, ids=ids)
    return {row.id: ZoneInfo(row.time_zone) for row in rows}


async def known_per_org(
    conn: AsyncConnection,
    refs: Sequence[tuple[str, str]],
    orgs: Iterable[str],
    existing: ExistingIds,
) -> dict[str, set[str]]:
    """Which of the ``(org_id, id)`` references exist, per known organization: one query each."""
    known_orgs = set(orgs)
    wanted: dict[str, set[str]] = defaultdict(set)
    for org_id, ident in refs:
        wanted[org_id].add(ident)
    return {
        org: await existing(conn, org_id=org, ids=ids)
        for org, ids in wanted.items()
        if org in known_orgs
    }
