"""What the app holds for its whole life: settings, database, clock, authenticator, limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.clock import Clock
from gateway.config import Settings
from gateway.orgs.credentials import Authenticator, Caller
from gateway.storage.db import Database
from gateway.storage.replicas import ReplicaSet
from gateway.storage.routing import request_database
from gateway.web.ratelimit import RateLimiter


def _uncounted(_: str) -> None:
    return None


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    authenticator: Authenticator
    rate_limiter: RateLimiter
    # Read replicas (GATEWAY_DATABASE_REPLICA_URLS), and where each read ran (metrics).
    replicas: ReplicaSet | None = None
    on_read: Callable[[str], None] = field(default=_uncounted)

    def read_database(
        self, caller: Caller, min_lsn: int | None = None, *, replicable: bool = True
    ) -> Database:
        """The database one request of ``caller`` reads through: a replica holding the
        organization's current data (and ``min_lsn``, from X-Data-Version) when one does and
        the request is ``replicable``; else the primary (its reads counted all the same)."""
        return request_database(
            self.db,
            self.replicas,
            org_id=caller.org_id,
            versions=caller.versions if replicable else None,
            min_lsn=min_lsn,
            on_read=self.on_read,
        )
