"""A private primary and a ``pg_basebackup -R`` hot standby of it, one pair per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.servers import PrivatePostgres
from tests.storage.streaming import PrivateStandby, require_streaming_binaries


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[PrivatePostgres, PrivateStandby]]:
    require_streaming_binaries()
    primary = PrivatePostgres()
    standby: PrivateStandby | None = None
    try:
        primary.start()
        primary.new_database()
        standby = PrivateStandby(primary)
        standby.start()
        yield primary, standby
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()
