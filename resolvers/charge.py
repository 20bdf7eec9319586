"""What a request spends from its credential's bucket of cost points.

The web shell charges a fixed fee before anything is parsed (a refused or invalid document
costs that much); a valid document is then charged up to its requested cost before it runs,
and settled down to its actual cost, at least 1 point, once it has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gateway.core.throttle import Throttle

# What a request costs at least until its document is priced: all that a document refused
# before execution (unparsable, invalid, too complex) ever costs.
REQUEST_FEE = 10
# What a request that ran costs at least, whatever its fields: a document of free fields only
# (``{ __typename }``) would otherwise be refunded to nothing and could be sent without end.
MIN_COST = 1


class Budget(Protocol):
    """Where query cost is spent: the web shell's rate limiter (None: no limit)."""

    async def take(self, credential: str, points: int) -> Throttle | None: ...

    async def refund(self, credential: str, points: int) -> Throttle | None: ...


@dataclass
class Charge:
    credential: str
    budget: Budget
    charged: int = 0
    requested: int | None = None
    actual: int | None = None
    throttle: Throttle | None = None
    # Refused for want of budget: the answer is a 429.
    limited: bool = False
    # Execution started (else the request was refused before: a GraphQL request error).
    executed: bool = False

    async def take(self, points: int) -> bool:
        throttle = await self.budget.take(self.credential, points)
        if throttle is not None:
            self.throttle = throttle
            if not throttle.allowed:
                self.limited = True
                return False
        self.charged += points
        return True

    async def settle(self, cost: int) -> None:
        """Give back what was charged above ``cost`` (never below ``MIN_COST``)."""
        cost = max(cost, MIN_COST)
        refund = self.charged - cost
        if refund <= 0:
            return
        throttle = await self.budget.refund(self.credential, refund)
        if throttle is not None:
            self.throttle = throttle
        self.charged = cost

    @property
    def retry_after(self) -> int:
        return self.throttle.retry_after if self.throttle is not None else 0

    def report(self) -> dict[str, Any]:
        """``extensions.cost``, as Shopify reports it."""
        throttle = self.throttle
        return {
            "requestedQueryCost": _at_least_min(self.requested),
            "actualQueryCost": _at_least_min(self.actual),
            "throttleStatus": None
            if throttle is None
            else {
                "maximumAvailable": throttle.capacity,
                "currentlyAvailable": throttle.remaining,
                "restoreRate": throttle.restore_rate,
            },
        }


def _at_least_min(cost: int | None) -> int | None:
    return None if cost is None else max(cost, MIN_COST)
