"""An API key's last use, kept coarse and off the request's path.

The credential check notes a use; at most once per key and :data:`LAST_USED_GAP` this process
starts a background write, which the request never awaits. The write itself only moves the
column when it is at least that old, so replicas together write at most once a gap per key.
A failed write is logged and forgotten: the next use after the gap tries again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from gateway.orgs import api_key_queries
from gateway.orgs.grants import LAST_USED_GAP
from gateway.storage.db import Database

log = logging.getLogger("gateway.keys")

# Keys whose last write this process still remembers (bounded: the oldest are forgotten).
MAX_REMEMBERED = 10_000


class LastUsed:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._noted: dict[tuple[str, str], datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def note(self, org_id: str, key_id: str, *, now: datetime, stored: datetime | None) -> None:
        """A use of the key at ``now``; ``stored`` is the last use read with the credential."""
        key = (org_id, key_id)
        known = max(filter(None, (stored, self._noted.get(key))), default=None)
        if known is not None and now - known < LAST_USED_GAP:
            return
        self._noted[key] = now
        if len(self._noted) > MAX_REMEMBERED:
            self._noted.pop(next(iter(self._noted)))
        task = asyncio.get_running_loop().create_task(self._write(org_id, key_id, now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, org_id: str, key_id: str, now: datetime) -> None:
        try:
            async with self._db.write() as conn:
                await api_key_queries.mark_used(
                    conn, org_id=org_id, key_id=key_id, now=now, gap=LAST_USED_GAP
                )
        except Exception:  # never the request's problem; the next use writes again
            self._noted.pop((org_id, key_id), None)
            log.warning("could not record an API key's last use", exc_info=True)

    async def drain(self) -> None:
        """Wait for the writes started so far (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
