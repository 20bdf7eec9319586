"""The bulk export worker reads a job's rows on a replica that has every write committed before
the job began, else on the primary: a file never misses a call the organization had sent.

The same private primary and ``pg_basebackup -R`` standby as test_replicas.py; the worker runs in
this process (``work_once``) with the replica set ``usage-gateway bulk`` builds from the
settings, and says where it read in its log.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.bulk.worker import Options, work_once
from gateway.storage.db import Database
from gateway.storage.replicas import ReplicaSet
from tests.bulk.support import download, read, started
from tests.faults.servers import PrivatePostgres
from tests.storage.streaming import PrivateStandby
from tests.storage.test_replicas import calls, caught_up, gateway, ingest, setup_org, standby_sql
from tests.support import NOW, MovableClock, bearer, make_settings, member_token

RANGE = ("2026-11-01", "2026-11-20")


def _read_on(caplog: pytest.LogCaptureFixture, job_id: str) -> list[str]:
    found = [
        r for r in caplog.records if r.getMessage() == "bulk export read" and
        getattr(r, "bulk_export_id", None) == job_id
    ]  # fmt: skip
    assert len(found) == 1, [r.getMessage() for r in caplog.records]
    read_on: list[str] = found[0].read_on
    return read_on


async def test_a_bulk_export_reads_on_a_replica_only_when_it_has_every_earlier_write(
    pair: tuple[PrivatePostgres, PrivateStandby],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    primary, standby = pair
    caplog.set_level(logging.INFO, logger="gateway.bulk")
    settings = make_settings(primary.url).model_copy(
        update={"database_replica_urls": standby.url, "replica_max_lag_seconds": 30.0}
    )
    db = Database.from_url(primary.url)
    replicas = ReplicaSet.from_settings(settings, db)
    assert replicas is not None
    options = Options(
        directory=tmp_path, ttl=timedelta(hours=1), lease=timedelta(minutes=2), replicas=replicas
    )
    clock = MovableClock(NOW)
    token = member_token("bulkr", "m1")
    try:
        async with gateway(primary, standby, bulk_export_dir=str(tmp_path)) as client:
            await setup_org(client, "bulkr")
            version = await ingest(client, calls("bulkr", "a", 40, "1.5"))
            await caught_up(client, standby, version)
            await replicas.poll()
            first = await started(client, token, "AI_USAGE", "CSV", *RANGE)
            assert await work_once(db, clock=clock, options=options)
            assert _read_on(caplog, first) == [replicas.replicas[0].name]

            # Replay paused: the next calls are on the primary only, and so is the next job.
            await standby_sql(standby, "SELECT pg_wal_replay_pause()")
            try:
                await ingest(client, calls("bulkr", "b", 25, "2"))
                await replicas.poll()
                second = await started(client, token, "AI_USAGE", "CSV", *RANGE)
                assert await work_once(db, clock=clock, options=options)
                assert _read_on(caplog, second) == ["primary"]
            finally:
                await standby_sql(standby, "SELECT pg_wal_replay_resume()")

            params = {"from": RANGE[0], "to": RANGE[1], "format": "csv"}
            sync = await client.get("/v1/exports/ai-usage", params=params, headers=bearer(token))
            assert sync.status_code == 200, sync.text
            for job_id, rows in ((first, 40), (second, 65)):
                job = await read(client, token, job_id)
                assert job is not None and job["status"] == "COMPLETED", job
                assert job["rows"] == rows
                got = await download(client, token, job["url"])
                assert got.status_code == 200, got.text
                if rows == 65:
                    assert got.content == sync.content
    finally:
        await replicas.dispose()
        await db.dispose()
