"""What the app holds for its whole life: settings, database, clock, authenticator, limits."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.clock import Clock
from gateway.config import Settings
from gateway.orgs.credentials import Authenticator
from gateway.storage.db import Database
from gateway.web.ratelimit import RateLimiter


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    authenticator: Authenticator
    rate_limiter: RateLimiter
