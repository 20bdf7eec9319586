"""The share rule of the workers' shared connection counts (gateway.web.serving.Balance)."""

from __future__ import annotations

import ctypes

from gateway.web.serving import Balance


def _counts(*values: int) -> ctypes.Array[ctypes.c_int]:
    return (ctypes.c_int * len(values))(*values)


def test_a_worker_over_its_share_sheds_and_one_at_its_share_does_not() -> None:
    counts = _counts(0, 1)
    mine = Balance(counts, 0)  # a (re)started worker begins at zero
    for _ in range(3):
        mine.opened()
    assert list(counts) == [3, 1]
    assert mine.over_share()  # 3 of 4 open connections on 2 workers: share is 2
    mine.closed()
    assert not mine.over_share()  # 2 of 3: share is ⌈3 / 2⌉ = 2
    assert not Balance(counts, 1).over_share()  # the other worker restarted: counts 2 and 0


def test_the_share_is_rounded_up() -> None:
    counts = _counts(0, 1, 1)
    worker = Balance(counts, 0)
    worker.opened()
    worker.opened()
    # 2 of 4 on 3 workers: ⌈4 / 3⌉ = 2, at the share.
    assert not worker.over_share()
    worker.opened()
    # 3 of 5: ⌈5 / 3⌉ = 2, over it.
    assert worker.over_share()
