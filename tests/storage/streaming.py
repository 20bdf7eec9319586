"""A private primary and a streaming replica of it (``pg_basebackup -R``), on loopback ports.

The primary is :class:`tests.faults.servers.PrivatePostgres` (initdb's defaults already allow
replication connections from loopback with trust, and ``wal_level`` is ``replica``); the
replica is a base backup of it started in hot standby. Both run as the ``postgres`` user when
the tests run as root, like every private server of the tests.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults.servers import PrivatePostgres
from tests.support import free_port


class PrivateStandby(PrivatePostgres):
    """A hot standby streaming from ``primary``, with the primary's current database."""

    def __init__(self, primary: PrivatePostgres) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gw-pg-standby-"))
        self.data = self.dir / "data"
        self._as_user = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._pg(
            "pg_basebackup",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
        )
        self.database = primary.database


def require_streaming_binaries() -> None:
    for binary in ("initdb", "pg_ctl", "pg_basebackup"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed: the replica tests start a private primary")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started")
