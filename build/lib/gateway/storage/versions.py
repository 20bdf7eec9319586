"""Data versions: a token per organization that every write transaction touching its numbers
moves, in that transaction; the catalog, shared by every organization, has one of its own.

Answers computed under a pair of tokens stay right for as long as both tokens stand (and the
clock input of the document does not move), which is what the response cache keys on. Tokens
are random rather than counted, so a restored or another database never repeats one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from gateway.storage.db import insert_for
from gateway.storage.tables import data_versions

# The catalog's row: no organization id starts with "*".
CATALOG = "*catalog"


@dataclass(frozen=True)
class DataVersions:
    """Read beside the credential: the tokens, and what else an answer's key needs."""

    org: int | None
    catalog: int | None
    # Until this instant a write dated in the future can still change answers by itself.
    settles_at: datetime | None


def version_columns(org_id: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """Scalar subqueries that read the versions in the credential's own statement."""
    of_org = data_versions.c.org_id == org_id
    return [
        select(data_versions.c.version).where(of_org).scalar_subquery().label("data_version"),
        select(data_versions.c.version)
        .where(data_versions.c.org_id == CATALOG)
        .scalar_subquery()
        .label("catalog_version"),
        select(data_versions.c.settles_at).where(of_org).scalar_subquery().label("settles_at"),
    ]


def versions_of(row: Any) -> DataVersions:
    return DataVersions(row.data_version, row.catalog_version, row.settles_at)


async def move_versions(
    conn: AsyncConnection,
    org_ids: Iterable[str] = (),
    *,
    dated: Iterable[tuple[str, datetime]] = (),
    now: datetime | None = None,
) -> None:
    """Give each organization of ``org_ids`` and of ``dated`` (``(org_id, occurred_at)`` of the
    events written) a new token, in the caller's transaction. Called last in a transaction, so
    its row lock is the last one taken and never part of a lock cycle."""
    settles: dict[str, datetime | None] = {org_id: None for org_id in org_ids}
    for org_id, at in dated:
        latest = settles.get(org_id)
        if now is not None and at > now and (latest is None or at > latest):
            settles[org_id] = at
        else:
            settles.setdefault(org_id, None)
    if not settles:
        return
    rows = [
        {"org_id": org_id, "version": secrets.randbits(62), "settles_at": settles[org_id]}
        for org_id in sorted(settles)
    ]
    stmt = insert_for(conn, data_versions)
    new, old = stmt.excluded.settles_at, data_versions.c.settles_at
    stmt = stmt.on_conflict_do_update(
        index_elements=["org_id"],
        set_={
            "version": stmt.excluded.version,
            "settles_at": case(
                (new.is_(None), old),
                ((old.is_(None)) | (old < new), new),
                else_=old,
            ),
        },
    )
    await conn.execute(stmt, rows)


async def move_catalog_version(conn: AsyncConnection) -> None:
    """The catalog (models, prices) changed: every organization's answers may have."""
    await move_versions(conn, [CATALOG])
