"""The statements of read replicas: WAL positions and a replica's copy of the data versions.

WAL positions (LSNs) travel as whole numbers (bytes since ``0/0``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.versions import CATALOG

# A standby's replayed position; a server that is not in recovery is as far as it has written.
_REPLAYED = (
    "pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END, '0/0')::bigint"
)


@dataclass(frozen=True)
class ReplicaCopy:
    """What a replica holds of one organization right now: its copy of the data versions and
    how far it has replayed the primary's WAL."""

    org_version: int | None
    catalog_version: int | None
    replayed: int | None


@dataclass(frozen=True)
class ReplicaHealth:
    standby: bool
    replayed: int | None


async def current_lsn(conn: AsyncConnection) -> int:
    """The primary's WAL write position (everything committed so far lies before it)."""
    found = await conn.execute(text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"))
    return int(found.scalar_one())


async def replica_copy(conn: AsyncConnection, *, org_id: str) -> ReplicaCopy:
    """One small statement on a replica: the organization's and the catalog's data versions as
    it has replayed them, and its replayed WAL position."""
    found = await conn.execute(
        text(
            "SELECT (SELECT version FROM data_versions WHERE org_id = :org_id) AS org_version, "
            "(SELECT version FROM data_versions WHERE org_id = :catalog) AS catalog_version, "
            f"{_REPLAYED} AS replayed"
        ),
        {"org_id": org_id, "catalog": CATALOG},
    )
    row = found.one()
    return ReplicaCopy(row.org_version, row.catalog_version, row.replayed)


async def replica_health(conn: AsyncConnection) -> ReplicaHealth:
    found = await conn.execute(
        text(f"SELECT pg_is_in_recovery() AS standby, {_REPLAYED} AS replayed")
    )
    row = found.one()
    return ReplicaHealth(bool(row.standby), row.replayed)
