"""PostgreSQL streaming replicas: which ones may take page reads right now.

A background task polls every replica each ``replica_poll_seconds``: its replayed WAL position
against the primary's. A replica's lag is how long ago the primary had already written
something the replica has still not replayed (0 once it has replayed everything the primary had
at the last poll), measured with this process's monotonic clock, so neither clocks nor an idle
primary fool it. A replica that fails, or lags past ``replica_max_lag_seconds``, is out of
rotation until a poll finds it caught up again.

Being in rotation only makes a replica a candidate: each request still checks on the replica
that it holds the organization's current data versions (``gateway/storage/routing.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import asyncpg
from sqlalchemy.engine import make_url

from gateway.config import Settings
from gateway.storage import wal_queries
from gateway.storage.db import Database
from gateway.storage.faults import STATEMENT_TIMEOUT, unavailable
from gateway.storage.limits import DbLimits

log = logging.getLogger("gateway.replicas")


class ReplicaState(StrEnum):
    STARTING = "starting"  # not polled yet
    IN_ROTATION = "in_rotation"
    LAGGING = "lagging"
    DOWN = "down"


def server_name(url: str) -> str:
    """``host:port`` of a database URL: what logs, /readyz and metrics name (never a secret)."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


@dataclass
class Replica:
    name: str
    db: Database
    state: ReplicaState = ReplicaState.STARTING
    lag_s: float | None = None
    behind_bytes: int | None = None
    replayed: int | None = None
    reason: str | None = None

    @property
    def in_rotation(self) -> bool:
        return self.state is ReplicaState.IN_ROTATION

    def report(self) -> dict[str, object]:
        """For /readyz: the server (host:port only), its state and lag."""
        return {
            "server": self.name,
            "state": self.state.value,
            "lagSeconds": None if self.lag_s is None else round(self.lag_s, 3),
            "behindBytes": self.behind_bytes,
            "reason": self.reason,
        }


def replica_fault(exc: BaseException) -> bool:
    """The replica failed in a way the primary may not (away, reset, or a query cancelled by
    a conflict with recovery): read-only work is retried there. A statement timeout is not."""
    reason = unavailable(exc)
    if reason is not None:
        return reason != STATEMENT_TIMEOUT
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, asyncpg.exceptions.SerializationError):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


# Called after each poll with the replicas (metrics).
PollListener = Callable[[Sequence[Replica]], None]


class ReplicaSet:
    """The replicas of one primary, their health, and the turn of the next read."""

    def __init__(
        self,
        primary: Database,
        replicas: Sequence[Replica],
        *,
        max_lag_s: float = 5.0,
        poll_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.max_lag_s = max_lag_s
        self.poll_s = poll_s
        self._monotonic = monotonic
        self._turn = 0
        # (when, the primary's WAL position then), oldest first.
        self._primary_positions: deque[tuple[float, int]] = deque(
            maxlen=int(max_lag_s / poll_s) * 2 + 10
        )
        self._task: asyncio.Task[None] | None = None
        self.listeners: list[PollListener] = []

    @classmethod
    def from_urls(
        cls,
        primary: Database,
        urls: Sequence[str],
        *,
        limits: DbLimits | None = None,
        max_lag_s: float = 5.0,
        poll_s: float = 1.0,
    ) -> ReplicaSet:
        replicas = [
            Replica(server_name(url), Database.from_url(url, limits=limits)) for url in urls
        ]
        return cls(primary, replicas, max_lag_s=max_lag_s, poll_s=poll_s)

    @classmethod
    def from_settings(cls, settings: Settings, primary: Database) -> ReplicaSet | None:
        """The replicas ``GATEWAY_DATABASE_REPLICA_URLS`` names (None: there are none)."""
        if not settings.replica_urls:
            return None
        return cls.from_urls(
            primary,
            settings.replica_urls,
            limits=DbLimits.from_settings(settings),
            max_lag_s=settings.replica_max_lag_seconds,
            poll_s=settings.replica_poll_seconds,
        )

    def candidates(self) -> list[Replica]:
        """The replicas in rotation, starting with the next one's turn (round robin)."""
        ready = [replica for replica in self.replicas if replica.in_rotation]
        if not ready:
            return []
        self._turn = (self._turn + 1) % len(ready)
        return ready[self._turn :] + ready[: self._turn]

    def failed(self, replica: Replica, exc: BaseException) -> None:
        """The replica failed (a request or a poll): out of rotation until a poll finds it
        back."""
        reason = unavailable(exc) or type(exc).__name__
        if replica.state is not ReplicaState.DOWN:
            log.warning("replica %s out of rotation: %s", replica.name, reason)
        replica.state, replica.reason = ReplicaState.DOWN, reason

    def primary_at(self, when: float, position: int) -> None:
        """The primary's WAL position at monotonic instant ``when``."""
        self._primary_positions.append((when, position))

    async def poll(self) -> None:
        """Read the primary's WAL position, then every replica's; update their states."""
        now = self._monotonic()
        try:
            primary_at = await self.primary.run(wal_queries.current_lsn)
        except Exception as exc:  # the primary away: the replicas' lag cannot be judged
            log.warning("replica poll: primary unavailable (%s)", unavailable(exc))
        else:
            self.primary_at(now, primary_at)
        await asyncio.gather(*(self._poll_one(replica, now) for replica in self.replicas))
        for listener in self.listeners:
            listener(self.replicas)

    async def _poll_one(self, replica: Replica, now: float) -> None:
        try:
            health = await asyncio.wait_for(
                replica.db.run(wal_queries.replica_health), timeout=max(2 * self.poll_s, 1.0)
            )
        except Exception as exc:
            replica.lag_s = replica.behind_bytes = None
            self.failed(replica, exc)
            return
        replica.replayed = health.replayed
        lag = self.lag(health.replayed, now)
        if lag is None:
            return  # no position of the primary yet: keep the state
        replica.lag_s = lag
        latest = self._primary_positions[-1][1]
        replica.behind_bytes = max(latest - (health.replayed or 0), 0)
        if lag <= self.max_lag_s:
            if replica.state is not ReplicaState.IN_ROTATION:
                log.info("replica %s in rotation (lag %.1f s)", replica.name, lag)
            replica.state, replica.reason = ReplicaState.IN_ROTATION, None
        else:
            if replica.state is ReplicaState.IN_ROTATION:
                log.warning("replica %s out of rotation: lag %.1f s", replica.name, lag)
            replica.state, replica.reason = ReplicaState.LAGGING, "replay lag past the bound"

    def lag(self, replayed: int | None, now: float) -> float | None:
        """Seconds since the primary first held a WAL position past ``replayed`` (0: none of
        the positions polled is past it; None: no position of the primary polled yet)."""
        if not self._primary_positions:
            return None
        if replayed is None:
            return now - self._primary_positions[0][0]
        for when, position in self._primary_positions:
            if position > replayed:
                # The primary had written past the replica's position by then.
                return now - when
        return 0.0

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # never let the poller die
                log.exception("replica poll failed")
            await asyncio.sleep(self.poll_s)

    def start(self) -> None:
        """Poll in the background (the app's lifespan starts and stops it)."""
        if self._task is None and self.replicas:
            self._task = asyncio.create_task(self._loop(), name="replica-health")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def dispose(self) -> None:
        await self.stop()
        for replica in self.replicas:
            await replica.db.dispose()
