"""Handlers of Tenant Management → Consumption (none yet: that document keeps the general
executor)."""

from __future__ import annotations

from gateway.resolvers.planned.plan import Handler

CONSUMPTION_HANDLERS: dict[str, dict[str, Handler]] = {}
