"""What the app holds for its whole life: settings, database, clock, authenticator."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.auth import Authenticator
from gateway.clock import Clock
from gateway.config import Settings
from gateway.db import Database
from gateway.ratelimit import RateLimiter


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    authenticator: Authenticator
    rate_limiter: RateLimiter
