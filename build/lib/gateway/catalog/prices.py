"""Prices are append-only: which one applies to a call, and which new ones may be added."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime

from gateway.catalog.records import PriceRecord
from gateway.core.errors import Conflict, Problem


def price_at(history: Sequence[PriceRecord], at: datetime) -> PriceRecord | None:
    """The price in effect at ``at`` (``history`` sorted by ``effective_from``)."""
    position = bisect_right([p.effective_from for p in history], at) - 1
    return history[position] if position >= 0 else None


def check_new_price(
    index: int,
    at: datetime,
    figures: tuple[int, int],
    stored: PriceRecord | None,
    last_call: datetime | None,
) -> bool:
    """True when the price is to be added; False when the same one is recorded already.

    A different price at a recorded instant, or one that would re-price a recorded call, is
    a :class:`Conflict`.
    """
    if stored is not None:
        if (stored.input_micros_per_million, stored.output_micros_per_million) != figures:
            raise _conflict(index, "a different price is recorded at that instant")
        return False
    if last_call is not None and at <= last_call:
        raise _conflict(
            index, f"a call at {last_call.isoformat()} is already priced for this model"
        )
    return True


def _conflict(index: int, message: str) -> Conflict:
    return Conflict("prices are append-only", [Problem(f"prices.{index}.effectiveFrom", message)])
