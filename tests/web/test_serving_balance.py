"""The share rule of the workers' shared connection counts (gateway.web.serving.Balance)."""

from __future__ import annotations

import ctypes

from gateway.web.serving import SHED_PAUSE_S, Balance


def _counts(*values: int) -> ctypes.Array[ctypes.c_int]:
    return (ctypes.c_int * len(values))(*values)


def _holding(counts: ctypes.Array[ctypes.c_int], index: int, connections: int) -> Balance:
    worker = Balance(counts, index)  # a (re)started worker begins at zero
    for _ in range(connections):
        worker.opened()
    return worker


def test_a_worker_with_every_connection_sheds_one_at_a_time_down_to_its_share() -> None:
    counts = _counts(0, 0)
    mine = _holding(counts, 0, 4)
    other = Balance(counts, 1)
    # 4 open on 2 workers, a share of 2: one goes; none more while it is still open.
    assert [mine.shed_one(now=0.0) for _ in range(3)] == [True, False, False]
    mine.closed(leaving=True, now=1.0)
    assert not mine.shed_one(now=1.0)  # nor just after: its client is reconnecting
    other.opened()  # ... to the other worker, as it happens
    later = 1.0 + SHED_PAUSE_S
    assert mine.shed_one(now=later)  # 3 of 4: one more goes
    mine.closed(leaving=True, now=later)
    other.opened()
    assert list(counts) == [2, 2]
    assert not mine.shed_one(now=10.0) and not other.shed_one(now=10.0)


def test_a_reconnection_back_to_the_same_worker_is_shed_again() -> None:
    counts = _counts(0, 1)
    mine = _holding(counts, 0, 3)
    assert mine.shed_one(now=0.0)
    mine.closed(leaving=True, now=0.0)
    mine.opened()  # the kernel hashed it here again
    assert mine.shed_one(now=SHED_PAUSE_S)


def test_the_share_is_rounded_up() -> None:
    counts = _counts(0, 1, 1)
    worker = _holding(counts, 0, 2)
    assert not worker.shed_one(now=0.0)  # 2 of 4 on 3 workers: ⌈4 / 3⌉ = 2, at the share
    worker.opened()
    assert worker.shed_one(now=0.0)  # 3 of 5: ⌈5 / 3⌉ = 2, over it
