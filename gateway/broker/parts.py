"""A fetched batch cut into the batches the ingest takes.

The ingest bounds a batch as a client's request (``MAX_BATCH_CREDITS`` charged by the AI calls
of a batch); a fetch is as large as the backlog allows, so the consumer writes it in parts that
each keep every per-batch bound, instead of having a valid event refused for its company.
Interview events and purchases have no per-batch bound: they stay one part.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.money import credits_to_int
from gateway.core.validation import MAX_BATCH_CREDITS
from gateway.usage.inputs import AiCallIn

from .messages import Event, Rejection, event_key

_BATCH_CREDITS = credits_to_int(MAX_BATCH_CREDITS)


def _credits(event: Event) -> int:
    """What the ingest adds to the batch's credits for this event (ten-thousandths)."""
    if isinstance(event, AiCallIn) and event.credits_charged:
        return credits_to_int(event.credits_charged)
    return 0


def parts(items: Sequence[Event | Rejection]) -> list[list[int]]:
    """The positions of ``items`` by part, each part in order, the parts in order of their
    first message.

    The ingest counts every event it is given (replays of stored events too), so every
    distinct event counts here. A second copy of an event goes with the first: the writer
    counts it as a duplicate of that part (it adds no credits), and it is acknowledged only
    once the first copy is committed. A message that is no event costs nothing.
    """
    out: list[list[int]] = [[]]
    charged = 0
    part_of: dict[tuple[str, str], int] = {}
    for at, item in enumerate(items):
        if isinstance(item, Rejection):
            out[-1].append(at)
            continue
        key = event_key(item)
        first = part_of.get(key)
        if first is not None:
            out[first].append(at)
            continue
        credits = _credits(item)
        if charged + credits > _BATCH_CREDITS and out[-1]:
            out.append([])
            charged = 0
        charged += credits
        part_of[key] = len(out) - 1
        out[-1].append(at)
    return [part for part in out if part]
