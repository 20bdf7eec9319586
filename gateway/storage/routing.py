"""One request's database: its page reads on a replica that has every write the organization
had acknowledged when the request began, everything else on the primary.

The credential's statement runs on the primary and reads the organization's data version V
and the catalog's C beside the credential (``gateway/storage/versions.py``); every write
transaction touching the organization moves V, every catalog write moves C. On the first read
of the request one small statement on a replica in rotation reads that replica's copy of both
(:func:`wal_queries.replica_copy`). Equal, the replica has replayed every write of this
organization committed before the request began, and since replay only moves forward every
later statement on it sees at least that state: all the request's reads go there. Not equal
(or short of the WAL position an ``X-Data-Version`` header demands), the next replica is tried,
then the primary. So an answer never shows data older than what the organization's writes
had already acknowledged.

Reads stay one connection per query function or loader batch; only the engine is chosen per
request. A write pins the rest of the request to the primary (a mutation reads its own
writes), and so does a replica that fails mid-request: the read that failed is run again on
the primary once, never an error to the client.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage import wal_queries
from gateway.storage.db import Database
from gateway.storage.replicas import Replica, ReplicaSet, replica_fault
from gateway.storage.versions import DataVersions

log = logging.getLogger("gateway.replicas")
T = TypeVar("T")
PRIMARY = "primary"
# Served by: "primary" or a replica's host:port (metrics).
ReadListener = Callable[[str], None]


_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def parse_lsn(value: str) -> int | None:
    """A WAL position in PostgreSQL's text (``16/B374D848``) as a number; None when it is not
    one. The ``X-Data-Version`` header carries that text."""
    found = _LSN.match(value.strip())
    if found is None:
        return None
    return (int(found.group(1), 16) << 32) | int(found.group(2), 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def _ignore(_: str) -> None:
    return None


class RequestDatabase(Database):
    """A :class:`Database` for one request; its reads go where the versions allow."""

    def __init__(
        self,
        replicas: ReplicaSet,
        *,
        org_id: str,
        versions: DataVersions | None,
        min_lsn: int | None = None,
        on_read: ReadListener = _ignore,
        by_position: bool = False,
    ) -> None:
        super().__init__(replicas.primary.engine)
        self._primary = replicas.primary
        self._replicas = replicas
        self._org_id = org_id
        self._versions = versions
        self._min_lsn = min_lsn
        # Fresh enough once it has replayed ``min_lsn``, whatever the versions (a job's reads).
        self._by_position = by_position and min_lsn is not None
        self._on_read = on_read
        self._lock = asyncio.Lock()
        self._chosen = False
        self._replica: Replica | None = None
        self.wrote = False

    @property
    def primary(self) -> Database:
        return self._primary

    @property
    def replica(self) -> Replica | None:
        """The replica chosen for the request's reads (None: the primary, or not chosen yet)."""
        return self._replica

    async def _target(self) -> Replica | None:
        if self._chosen:
            return self._replica
        async with self._lock:
            if not self._chosen:
                self._replica = await self._choose()
                self._chosen = True
        return self._replica

    async def _choose(self) -> Replica | None:
        versions = self._versions
        if versions is None and not self._by_position:  # it may not read on a replica
            return None
        for replica in self._replicas.candidates():
            try:
                copy = await replica.db.run(wal_queries.replica_copy, org_id=self._org_id)
            except Exception as exc:
                if replica_fault(exc):
                    self._replicas.failed(replica, exc)
                else:
                    log.warning("replica %s skipped: %s", replica.name, type(exc).__name__)
                continue
            fresh = versions is None or (
                copy.org_version == versions.org and copy.catalog_version == versions.catalog
            )
            far_enough = self._min_lsn is None or (
                copy.replayed is not None and copy.replayed >= self._min_lsn
            )
            if fresh and far_enough:
                return replica
        return None

    def _fall_back(self, replica: Replica, exc: BaseException) -> None:
        self._replicas.failed(replica, exc)
        self._replica = None
        self._chosen = True

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        replica = await self._target()
        async with AsyncExitStack() as stack:
            conn: AsyncConnection | None = None
            if replica is not None:
                try:
                    conn = await stack.enter_async_context(replica.db.read())
                except Exception as exc:
                    if not replica_fault(exc):
                        raise
                    self._fall_back(replica, exc)
                else:
                    self._on_read(replica.name)
            if conn is None:
                conn = await stack.enter_async_context(self._primary.read())
                self._on_read(PRIMARY)
            yield conn

    async def run(self, query: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        replica = await self._target()
        if replica is not None:
            try:
                found = await replica.db.run(query, **kwargs)
            except Exception as exc:
                if not replica_fault(exc):
                    raise
                self._fall_back(replica, exc)
            else:
                self._on_read(replica.name)
                return found
        found = await self._primary.run(query, **kwargs)
        self._on_read(PRIMARY)
        return found

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """On the primary; the request's later reads stay there (it reads its own writes)."""
        self.wrote = True
        self._replica, self._chosen = None, True
        async with self._primary.write() as conn:
            yield conn

    async def dispose(self) -> None:
        """The engines belong to the app, not to the request."""


def request_database(
    primary: Database,
    replicas: ReplicaSet | None,
    *,
    org_id: str,
    versions: DataVersions | None,
    min_lsn: int | None = None,
    on_read: ReadListener = _ignore,
) -> Database:
    """The database a request reads through: the primary itself when there are no replicas."""
    if replicas is None or not replicas.replicas:
        return primary
    return RequestDatabase(
        replicas, org_id=org_id, versions=versions, min_lsn=min_lsn, on_read=on_read
    )


def snapshot_database(
    primary: Database,
    replicas: ReplicaSet | None,
    *,
    org_id: str,
    as_of: int | None,
    on_read: ReadListener = _ignore,
) -> Database:
    """The database a background job reads through: a replica that has replayed the primary's
    WAL up to ``as_of`` (read when the job began: it then holds every write committed before),
    else the primary. Its writes (a lease, the job's end) go to the primary."""
    if replicas is None or not replicas.replicas or as_of is None:
        return primary
    return RequestDatabase(
        replicas, org_id=org_id, versions=None, min_lsn=as_of, on_read=on_read, by_position=True
    )


async def current_lsn(db: Database) -> int | None:
    """The primary's WAL position once a write has committed (None on SQLite): the token of an
    ``X-Data-Version`` header."""
    if db.dialect != "postgresql":
        return None
    return await db.primary.run(wal_queries.current_lsn)
